// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's.)
import { EventEmitter } from 'node:events';
import { testFile } from '@swarmlab/test-kit';
import { startSignallingServer } from '@swarmlab/test-kit/server';
import { CONNECTION_TOP_UP_INTERVAL_MS, SignallingClient, type PeerFactory } from '@swarmlab/webrtc';
import { afterEach, expect, it, vi } from 'vitest';
import { SwarmMembership } from '../src/lib/state/swarm-membership.svelte';

afterEach(() => void vi.useRealTimers());

it('tops its connections up from a table once a minute has passed: a member it never offered to is offered to', async () => {
  // The tab's clock (`performance.now`) in the test's hands; the sockets' timers are the real ones.
  vi.useFakeTimers({ toFake: ['performance'] });
  /** Offers made: tries that never connect. */
  let offers = 0;
  const createPeer: PeerFactory = ({ initiator }) => {
    if (initiator) offers++;
    return Object.assign(new EventEmitter(), { destroyed: false, destroy() {}, signal() {} }) as never;
  };
  const server = await startSignallingServer();
  const seeder = SignallingClient.connect(server.url);
  const newcomer = SignallingClient.connect(server.url);
  let tables = 0;
  const tab = new SwarmMembership({
    signallingUrl: server.url,
    createPeer,
    rejoinRequest: () => undefined,
    onRejoin: () => {},
    onProgress: () => void tables++,
    onRunStarted: () => {},
    onRunStopped: () => {},
  });
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    const joined = await tab.joinSwarm(created.swarmId);
    if (!joined.ok) throw new Error(joined.error.message);
    // In, it connects to nobody: as a tab whose every try to the seeder failed, given up.
    tab.enter({ localPeerId: joined.peerId, iceServers: [] }, () => {});
    await vi.waitFor(() => expect(tables).toBeGreaterThan(0));

    // Within the minute, a table (another member joins) changes nothing.
    expect((await newcomer.joinSwarm({ swarmId: created.swarmId })).ok).toBe(true);
    const before = tables;
    await vi.waitFor(() => expect(tables).toBeGreaterThan(before));
    expect(offers).toBe(0);

    // A minute on, the next table tops it up: the seeder first, and the newcomer, under its cap.
    vi.advanceTimersByTime(CONNECTION_TOP_UP_INTERVAL_MS);
    expect((await seeder.setName({ name: 'Teacher' })).ok).toBe(true);
    await vi.waitFor(() => expect(offers).toBe(2));
  } finally {
    tab.close();
    newcomer.disconnect();
    seeder.disconnect();
    await server.close();
  }
});
