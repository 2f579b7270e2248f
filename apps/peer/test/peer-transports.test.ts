import { systemClock } from '@swarmlab/engine';
import { testFile } from '@swarmlab/test-kit';
import { startSignallingServer, unreachablePeer } from '@swarmlab/test-kit/server';
import { SignallingClient, type ConnectTroubleNotice, type PeerFactory } from '@swarmlab/webrtc';
import { expect, it } from 'vitest';
import { PeerTransports } from '../src/peer-transports';

/** Peers whose ICE fails at once, as on a Wi-Fi that keeps machines from reaching each other. */
const unreachablePeers: PeerFactory = () => unreachablePeer() as unknown as ReturnType<PeerFactory>;

it('tells of tries to connect that fail while none is open, once: the peer printed "0 peers" and nothing else', async () => {
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
    await expect.poll(() => told.length).toBe(1);
    expect(told[0]).toMatchObject({ peerId: created.peerId, message: 'Ice connection failed.', failures: 1 });
    // Its next tries fail too (1-3 s on): not told again within the minute.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(told).toHaveLength(1);
    expect(transports.connectedPeers).toBe(0);
  } finally {
    transports.close();
    leecher.disconnect();
    seeder.disconnect();
    await server.close();
  }
}, 15_000);
