import { systemClock } from '@swarmlab/engine';
import { testFile } from '@swarmlab/test-kit';
import { startSignallingServer, unreachablePeer } from '@swarmlab/test-kit/server';
import { SignallingClient, type ConnectTroubleNotice, type PeerFactory } from '@swarmlab/webrtc';
import { expect, it } from 'vitest';
import { PeerTransports } from '../src/peer-transports';

it('tells of tries to connect that fail while none is open, once: the peer printed "0 peers" and nothing else', async () => {
  /** Tries that failed: each one's ICE fails at once, as on a Wi-Fi that keeps machines from reaching each other. */
  let failedTries = 0;
  const unreachablePeers: PeerFactory = () => {
    const peer = unreachablePeer();
    peer.on('error', () => failedTries++);
    return peer as unknown as ReturnType<PeerFactory>;
  };
  const server = await startSignallingServer();
  const seeder = SignallingClient.connect(server.url);
  const leecher = SignallingClient.connect(server.url);
  const told: ConnectTroubleNotice[] = [];
  const transports = new PeerTransports({
    signalling: leecher,
    createPeer: unreachablePeers,
    clock: systemClock,
    onConnectTrouble: (notice) => told.push(notice),
  });
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    const joined = await leecher.joinSwarm({ swarmId: created.swarmId });
    if (!joined.ok) throw new Error(joined.error.message);
    transports.enter({ localPeerId: joined.peerId, iceServers: [] }, () => {});
    transports.connectTo(joined.peers);
    expect(transports.cannotConnect).toBe(false);
    await expect.poll(() => told.length).toBe(1);
    // What its progress reports say, for the teacher's screens.
    expect(transports.cannotConnect).toBe(true);
    expect(told[0]).toMatchObject({ peerId: created.peerId, message: 'Ice connection failed.', failures: 1 });
    // Its next try fails too (1-3 s on): not told again within the minute. The test slept 3.5 s before, and passed
    // had no try followed (found by review): it waits for a second try to have failed (the connector hears the
    // failure in the same emit, so it has told the trouble, or not, by the time the poll looks).
    await expect.poll(() => failedTries, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(told).toHaveLength(1);
    expect(transports.connectedPeers).toBe(0);
  } finally {
    transports.close();
    leecher.disconnect();
    seeder.disconnect();
    await server.close();
  }
}, 15_000);
