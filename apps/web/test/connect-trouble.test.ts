// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's.)
import 'fake-indexeddb/auto';
import { EventEmitter } from 'node:events';
import { testFile } from '@swarmlab/test-kit';
import { startSignallingServer, unreachablePeer } from '@swarmlab/test-kit/server';
import { PROGRESS_REPORT_INTERVAL_MS, type SwarmProgress } from '@swarmlab/protocol';
import { SignallingClient, type PeerFactory } from '@swarmlab/webrtc';
import { expect, it } from 'vitest';
import { SwarmSession } from '../src/lib/state/swarm-session.svelte';
import { bytesChunkSource } from '../src/lib/storage/chunk-source';
import { NO_WEBRTC_MESSAGE } from '../src/lib/user-message';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Peers whose ICE fails at once, as on a Wi-Fi that keeps machines from reaching each other. */
const unreachablePeers: PeerFactory = () => unreachablePeer() as unknown as ReturnType<PeerFactory>;

/** A peer that connects at once (a working LAN), and the peers made with it. */
function workingPeers(): { readonly factory: PeerFactory; readonly peers: (EventEmitter & { destroyed: boolean })[] } {
  const peers: (EventEmitter & { destroyed: boolean })[] = [];
  const factory: PeerFactory = () => {
    const peer = Object.assign(new EventEmitter(), {
      destroyed: false,
      bufferSize: 0,
      destroy() {
        if (this.destroyed) return;
        this.destroyed = true;
        peer.emit('close');
      },
      signal() {},
      send() {},
    });
    setTimeout(() => peer.emit('connect'), 5);
    peers.push(peer);
    return peer as unknown as ReturnType<PeerFactory>;
  };
  return { factory, peers };
}

it('says that its tries to connect fail while no connection is open: it said "0 peers connected" and nothing else', async () => {
  const server = await startSignallingServer();
  const seeder = SignallingClient.connect(server.url);
  const tab = new SwarmSession({ signallingUrl: server.url, createPeer: unreachablePeers, tabId: async () => 'tab' });
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    expect(tab.connectTrouble).toBeUndefined();
    let table: SwarmProgress | undefined;
    seeder.on('swarm:progress', (progress) => (table = progress));
    await tab.join(created.swarmId, file.contentId);
    await until(() => tab.connectTrouble !== undefined, 'the trouble shown');
    expect(tab.connectedPeers).toBe(0);
    expect(tab.connectTrouble).toMatchObject({ peerId: created.peerId, message: 'Ice connection failed.' });
    expect(tab.connectTrouble!.failures).toBeGreaterThanOrEqual(1);
    // Every screen is told too (the teacher's projector card said "waiting", as any student's waiting its turn).
    const rowOf = () => table?.peers.find((peer) => peer.peerId === tab.peerId);
    await until(() => rowOf()?.report?.cannotConnect === true, 'the screens told');
  } finally {
    tab.leave();
    seeder.disconnect();
    await server.close();
  }
});

it('the seeder’s page says how many peers cannot connect to it, though the teacher’s own tab beside it is connected', async () => {
  // A Wi-Fi that blocks multicast: the teacher's second tab, on the seeder's laptop, connects; no student's laptop does.
  // The seeder's page had one connection open and said nothing while every student's card stayed at 0 % (found by
  // review). The seeder answers every offer: its first peer (the teacher's tab) connects, the others' ICE fails.
  const working = workingPeers();
  let made = 0;
  let failedTries = 0;
  const seederPeers: PeerFactory = (options) => {
    if (made++ === 0) return working.factory(options);
    const peer = unreachablePeers(options);
    (peer as unknown as EventEmitter).once('error', () => failedTries++);
    return peer;
  };
  const server = await startSignallingServer();
  const tab = new SwarmSession({ signallingUrl: server.url, createPeer: seederPeers, tabId: async () => 'seeder-tab' });
  const others: SignallingClient[] = [];
  try {
    await tab.seed(bytesChunkSource('lecture.bin', new Uint8Array(4 * 16_384).fill(7)));
    expect(tab.seedsSwarm).toBe(true);
    const offerFrom = async (): Promise<SignallingClient> => {
      const other = SignallingClient.connect(server.url);
      others.push(other);
      const joined = await other.joinSwarm({ swarmId: tab.swarmId! });
      if (!joined.ok) throw new Error(joined.error.message);
      const sent = await other.sendSignal({ to: tab.peerId!, signal: { type: 'offer', sdp: 'v=0 offer' } });
      if (!sent.ok) throw new Error(sent.error.message);
      return other;
    };
    await offerFrom();
    await until(() => tab.connectedPeers === 1, 'the teacher’s own tab connected');
    const students = await Promise.all([1, 2, 3, 4].map(() => offerFrom()));
    await until(() => failedTries === 4, 'each student’s first try failed');
    // One failed try each is no trouble yet, others being connected: a busy access point times a try out now and then.
    expect(tab.connectTrouble).toBeUndefined();
    // Each student offers twice more (its connector tries again): three failed tries each.
    for (let again = 0; again < 2; again++) {
      for (const student of students)
        await student.sendSignal({ to: tab.peerId!, signal: { type: 'offer', sdp: 'v=0 offer' } });
      await until(() => tab.connectTrouble?.failures === 4 * (again + 2), 'the tries failed');
    }
    expect(tab.connectedPeers).toBe(1);
    // Its screens say nothing of the seeder itself: others cannot reach it, it reaches them (its row's report, sent
    // after the trouble, carries no `cannotConnect`).
    let table: SwarmProgress | undefined;
    students[0]!.on('swarm:progress', (progress) => (table = progress));
    await until(
      () => table?.peers.some((peer) => peer.peerId === tab.peerId && peer.report !== null) === true,
      'a table',
    );
    const reportAt = Date.now();
    await until(() => Date.now() - reportAt > 2 * PROGRESS_REPORT_INTERVAL_MS, 'a report sent since');
    expect(table!.peers.find((peer) => peer.peerId === tab.peerId)!.report).not.toHaveProperty('cannotConnect');
    expect(tab.connectTrouble).toMatchObject({
      seeding: true,
      failingPeers: 4,
      failures: 12,
      seederUnreachable: false,
      message: 'Ice connection failed.',
    });
  } finally {
    tab.leave();
    for (const other of others) other.disconnect();
    await server.close();
  }
});

it('shows nothing when the only connection is lost, nor once that peer’s tab closes: a lost connection is no failed try, and it left', async () => {
  const { factory: working, peers } = workingPeers();
  const server = await startSignallingServer();
  const seeder = SignallingClient.connect(server.url);
  const tab = new SwarmSession({ signallingUrl: server.url, createPeer: working, tabId: async () => 'tab' });
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    await tab.join(created.swarmId, file.contentId);
    await until(() => tab.connectedPeers === 1, 'connected to the seeder');
    // The connection is lost, the seeder still in the swarm: the tab offers again in a second or more. Checked before
    // the seeder leaves, whose `peer:left` clears the tries either way: asserted only after it, the test passed with
    // the cause of the failure not passed on (found by review).
    peers[0]!.emit('close');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tab.connectedPeers).toBe(0);
    expect(tab.connectTrouble).toBeUndefined();
    // The seeder's page closes: the server says it left.
    seeder.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Before: "No connection to another peer has opened … this network may keep laptops from reaching each other", for good.
    expect(tab.connectedPeers).toBe(0);
    expect(tab.connectTrouble).toBeUndefined();
  } finally {
    tab.leave();
    await server.close();
  }
});

it('a page without WebRTC says so instead of joining (or seeding): it waited with no peer, its peers blaming their network', async () => {
  const server = await startSignallingServer();
  const seeder = SignallingClient.connect(server.url);
  // The browser's own peers (no factory given), in a page without RTCPeerConnection: Node's, as Firefox's with
  // `media.peerconnection.enabled` off.
  expect(typeof globalThis.RTCPeerConnection).toBe('undefined');
  const tab = new SwarmSession({ signallingUrl: server.url, tabId: async () => 'tab' });
  try {
    const file = await testFile(4 * 16_384, 16_384);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    await tab.join(created.swarmId, file.contentId);
    expect(tab.phase).toBe('failed');
    expect(tab.error).toBe(NO_WEBRTC_MESSAGE);
    // No "Back to this swarm": it failed the same way again, and again.
    expect(tab.canReturn).toBe(false);
    // Not in the swarm: the server lists the seeder alone.
    const watcher = SignallingClient.connect(server.url);
    try {
      const watched = await watcher.watchSwarm({ swarmId: created.swarmId });
      expect(watched.ok && watched.progress.peers.map((peer) => peer.role)).toEqual(['seeder']);
    } finally {
      watcher.disconnect();
    }
    // Seeding, refused the same way, it is a seeder's refusal (headed "Downloading", found by review).
    const seedingTab = new SwarmSession({ signallingUrl: server.url, tabId: async () => 'tab-2' });
    await seedingTab.seed(bytesChunkSource('lecture.bin', new Uint8Array(1000)));
    expect(seedingTab).toMatchObject({ phase: 'failed', error: NO_WEBRTC_MESSAGE, role: 'seeder' });
    seedingTab.leave();
  } finally {
    tab.leave();
    seeder.disconnect();
    await server.close();
  }
});
