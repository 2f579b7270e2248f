// @vitest-environment node
// (A real signalling server runs in this test's process, then as a process of its own, and their modules need Node's.)
import 'fake-indexeddb/auto';
import type { IceServer } from '@swarmlab/protocol';
import { pollUntil, testFile } from '@swarmlab/test-kit';
import { startServerProcess, startSignallingServer, type ServerProcess } from '@swarmlab/test-kit/server';
import { SignallingClient, type PeerFactory } from '@swarmlab/webrtc';
import { expect, it } from 'vitest';
import { SwarmSession } from '../src/lib/state/swarm-session.svelte';
import { silentPeers } from './fakes';

/** What the teacher gives the server as it restarts it, once the page said the network keeps laptops apart. */
const ICE_SERVERS: IceServer[] = [{ urls: 'stun:stun.test.invalid:3478' }];

it('connects with the ICE servers of the server it takes its place back on: restarted with STUN, it reached no tab (found by review)', async () => {
  const first = await startSignallingServer();
  const seeder = SignallingClient.connect(first.url);
  const made: Parameters<PeerFactory>[0][] = [];
  const recorded: PeerFactory = (options) => {
    made.push(options);
    return silentPeers(options);
  };
  const tab = new SwarmSession({ signallingUrl: first.url, createPeer: recorded, tabId: async () => 'tab' });
  let second: ServerProcess | undefined;
  let classmate: SignallingClient | undefined;
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    await tab.join(created.swarmId, file.contentId);
    await pollUntil(() => made.length === 1, 'the offer to the seeder made', 10_000);
    expect(made[0]!.config?.iceServers).toEqual([]);

    // The teacher restarts the server with a STUN server; the tab registers the swarm again on it.
    seeder.disconnect();
    await first.close();
    second = await startServerProcess({
      port: first.port,
      quiet: true,
      env: { SWARMLAB_ICE_SERVERS: JSON.stringify(ICE_SERVERS) },
    });
    await pollUntil(() => tab.signalling?.state === 'back', 'the tab back', 30_000);

    // A classmate offers: the tab answers with the restarted server's ICE servers, not with the none it entered with.
    classmate = SignallingClient.connect(second.origin);
    const joined = await classmate.joinSwarm({ swarmId: created.swarmId });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.iceServers).toEqual(ICE_SERVERS);
    const [tabPeerId] = joined.peers;
    expect(tabPeerId).toBeDefined();
    const sent = await classmate.sendSignal({ to: tabPeerId!, signal: { type: 'offer', sdp: 'v=0 offer' } });
    expect(sent.ok).toBe(true);
    await pollUntil(() => made.some((options) => options.initiator === false), 'the offer answered', 10_000);
    expect(made.find((options) => options.initiator === false)!.config?.iceServers).toEqual(ICE_SERVERS);
  } finally {
    tab.leave();
    classmate?.disconnect();
    seeder.disconnect();
    await second?.kill();
  }
  // The restarted server logged no error through all this (its output is read to the end once `kill()` settled).
  expect(second.errorLines).toEqual([]);
}, 60_000);
