import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_CONFIG, type IceServer } from '@swarmlab/protocol';
import { fileBytes, pollUntil, testFile } from '@swarmlab/test-kit';
import { startSignallingServer, unreachablePeer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient, type PeerFactory } from '@swarmlab/webrtc';
import { afterEach, expect, it } from 'vitest';
import { startHeadlessPeer, type HeadlessPeer, type HeadlessPeerEvent } from '../src/index';
import { shareLinkOf } from '../src/swarm-target';

/** socket.io's reconnection backoff reaches 5 s at most: a few of those. */
const WAIT_MS = 15_000;

const servers: TestSignallingServer[] = [];
const peers: HeadlessPeer[] = [];
const clients: SignallingClient[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const until = <T>(read: () => T | undefined | false, what: string): Promise<T> => pollUntil(read, what, WAIT_MS);

it('after the server restarts, the peers register their swarm again and a run started there completes', async () => {
  const first = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-peer-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(1024 * 1024, 3));
  const seederEvents: HeadlessPeerEvent[] = [];
  const leecherEvents: HeadlessPeerEvent[] = [];
  const seeder = await startHeadlessPeer({
    serverUrl: first.url,
    seedFile: seedPath,
    onEvent: (event) => seederEvents.push(event),
  });
  peers.push(seeder);
  const leecher = await startHeadlessPeer({
    swarmLink: seeder.shareLink,
    onEvent: (event) => leecherEvents.push(event),
  });
  peers.push(leecher);
  // A classmate too: whichever of the three comes back first registers the swarm, the others find it registered.
  const classmateEvents: HeadlessPeerEvent[] = [];
  const classmate = await startHeadlessPeer({
    swarmLink: seeder.shareLink,
    onEvent: (event) => classmateEvents.push(event),
  });
  peers.push(classmate);
  await until(() => leecher.connectedPeers === 2, 'the leecher to connect to the seeder and its classmate');

  await first.close();
  const second = await startSignallingServer({ port: first.port });
  servers.push(second);
  const back = (events: readonly HeadlessPeerEvent[]): boolean =>
    events.some((event) => event.type === 'signalling' && event.status.state === 'back');
  await until(
    () => back(seederEvents) && back(leecherEvents) && back(classmateEvents),
    'the three peers to be back in their swarm',
  );

  // The swarm is known again under its link, and its control secret still runs it.
  const teacher = SignallingClient.connect(second.url);
  clients.push(teacher);
  const watching = await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! });
  expect(watching.ok && watching.inControl).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  await leecher.done;
  expect(leecher.fileSha256).toBe(seeder.fileSha256);
  // Whichever came back first registered the swarm alone: the seeder was never said to have left, nor to be back.
  for (const events of [leecherEvents, classmateEvents])
    expect(events.filter((event) => event.type === 'seeder-gone' || event.type === 'seeder-back')).toEqual([]);
});

it('a peer that cannot take its place back after a restart says why and stops, rather than wait for ever', async () => {
  const first = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-peer-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(1024 * 1024, 4));
  const events = new Map<string, HeadlessPeerEvent[]>([
    ['seeder', []],
    ['leecher', []],
  ]);
  const seeder = await startHeadlessPeer({
    serverUrl: first.url,
    seedFile: seedPath,
    onEvent: (event) => events.get('seeder')!.push(event),
  });
  peers.push(seeder);
  const leecher = await startHeadlessPeer({
    swarmLink: seeder.shareLink,
    onEvent: (event) => events.get('leecher')!.push(event),
  });
  peers.push(leecher);
  await until(() => leecher.connectedPeers === 1, 'the leecher to connect to the seeder');

  // The restarted server takes one member per swarm: whichever peer comes back second is refused its place.
  await first.close();
  servers.push(await startSignallingServer({ port: first.port, limits: { maxPeersPerSwarm: 1 } }));
  const failedOf = (role: string) => events.get(role)!.find((event) => event.type === 'failed');
  const [role, failure] = await until(() => {
    for (const role of ['seeder', 'leecher']) {
      const failed = failedOf(role);
      if (failed) return [role, failed] as const;
    }
    return undefined;
  }, 'one of the peers to fail');
  expect(failure).toEqual({
    type: 'failed',
    message: expect.stringMatching(/^could not take its place in the swarm back: .*full/),
  });
  const done = role === 'seeder' ? seeder.done : leecher.done;
  await expect(done).rejects.toThrow(/could not take its place in the swarm back/);
});

it('a leecher that registered its swarm again alone says the seeder left once it is not back in time, and only then', async () => {
  const first = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-peer-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(300_000, 4));
  const seeder = await startHeadlessPeer({ serverUrl: first.url, seedFile: seedPath });
  peers.push(seeder);
  const leecherEvents: HeadlessPeerEvent[] = [];
  const leecher = await startHeadlessPeer({
    swarmLink: seeder.shareLink,
    seederReturnWaitMs: 2000,
    onEvent: (event) => leecherEvents.push(event),
  });
  peers.push(leecher);
  await until(() => leecher.swarmProgress?.peers.length === 2, 'the leecher to see the seeder');
  // The teacher's laptop ran both the server and the seeder: both go; the server comes back, the seeder not.
  await first.close();
  await seeder.close();
  const second = await startSignallingServer({ port: first.port });
  servers.push(second);
  const said = (type: HeadlessPeerEvent['type']) => leecherEvents.filter((event) => event.type === type).length;
  await until(
    () => leecherEvents.some((event) => event.type === 'signalling' && event.status.state === 'back'),
    'the leecher to be back',
  );
  expect(said('seeder-gone')).toBe(0);
  await until(() => said('seeder-gone') === 1, 'the leecher to say the seeder left');
  expect(said('seeder-back')).toBe(0);
});

/** A seeder and a leecher on `server`, and a teacher's screen on it in control, to start runs. */
async function swarmOf(server: TestSignallingServer, fileSeed: number) {
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-peer-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(600_000, fileSeed));
  const seeder = await startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath });
  peers.push(seeder);
  const leecher = await startHeadlessPeer({ swarmLink: seeder.shareLink });
  peers.push(leecher);
  const teacher = SignallingClient.connect(server.url);
  clients.push(teacher);
  expect((await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! })).ok).toBe(true);
  const startRun = async (): Promise<void> => {
    expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  };
  return { seeder, leecher, startRun };
}

it('a leecher waits for the server to acknowledge its completion, asking again across a restart, and says when it waits', async () => {
  const first = await startSignallingServer();
  const { seeder, leecher, startRun } = await swarmOf(first, 5);
  // Not complete yet: there is nothing to acknowledge.
  expect(await leecher.completionAcknowledged(WAIT_MS)).toBe(false);
  await startRun();
  await leecher.done;

  // The connection is down as the leecher would exit (the teacher's laptop ran the server, and restarts it).
  await first.close();
  let waiting = 0;
  let acknowledged: boolean | undefined;
  const asking = leecher.completionAcknowledged(WAIT_MS, () => waiting++).then((value) => (acknowledged = value));
  await until(() => waiting === 1, 'the leecher to say it waits');
  expect(acknowledged).toBeUndefined();
  // Not before the server is back: then the place taken back carries the completion, and the report is acknowledged.
  const second = await startSignallingServer({ port: first.port });
  servers.push(second);
  await asking;
  expect(acknowledged).toBe(true);
  expect(waiting).toBe(1);
  const again = SignallingClient.connect(second.url);
  clients.push(again);
  const watched = await again.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! });
  if (!watched.ok) throw new Error(watched.error.message);
  // The run is restored from what its members carried back, the leecher's completion with it.
  const participant = watched.progress.run?.participants.find((peer) => peer.peerId === leecher.peerId);
  expect(participant?.completedAfterMs).toEqual(expect.any(Number));
}, 40_000);

it('a leecher whose completion the server never acknowledges gives up at the time allowed', async () => {
  const server = await startSignallingServer();
  const { leecher, startRun } = await swarmOf(server, 6);
  await startRun();
  await leecher.done;
  expect(await leecher.completionAcknowledged(WAIT_MS)).toBe(true);
  await server.close();
  let waiting = 0;
  expect(await leecher.completionAcknowledged(1000, () => waiting++)).toBe(false);
  expect(waiting).toBe(1);
});

it('connects with the ICE servers of the server it takes its place back on: restarted with STUN, it reached no peer (found by review)', async () => {
  const first = await startSignallingServer();
  servers.push(first);
  const founder = SignallingClient.connect(first.url);
  clients.push(founder);
  const file = await testFile(4 * 16_384, 16_384);
  const created = await founder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
  if (!created.ok) throw new Error(created.error.message);
  // Its connections never open (as on a network that keeps laptops apart): only what they are made with counts.
  const made: Parameters<PeerFactory>[0][] = [];
  const events: HeadlessPeerEvent[] = [];
  const leecher = await startHeadlessPeer({
    swarmLink: shareLinkOf(first.url, created.swarmId, file.contentId),
    createPeer: (options) => (made.push(options), unreachablePeer() as unknown as ReturnType<PeerFactory>),
    onEvent: (event) => events.push(event),
  });
  peers.push(leecher);
  await until(() => made.length > 0, 'a connection tried to the founder');
  expect(made[0]!.config?.iceServers).toEqual([]);

  // The teacher restarts the server with a STUN server (on loopback: never asked here); the peer registers the swarm
  // again on it.
  const iceServers: IceServer[] = [{ urls: 'stun:127.0.0.1:3478' }];
  founder.disconnect();
  await first.close();
  servers.push(await startSignallingServer({ port: first.port, iceServers }));
  await until(
    () => events.some((event) => event.type === 'signalling' && event.status.state === 'back'),
    'the peer back in its swarm',
  );
  // A classmate offers: the peer answers with the restarted server's ICE servers, not with the none it entered with.
  const classmate = SignallingClient.connect(first.url);
  clients.push(classmate);
  const joined = await classmate.joinSwarm({ swarmId: created.swarmId });
  if (!joined.ok) throw new Error(joined.error.message);
  expect(joined.iceServers).toEqual(iceServers);
  const sent = await classmate.sendSignal({ to: leecher.peerId, signal: { type: 'offer', sdp: 'v=0 offer' } });
  expect(sent.ok).toBe(true);
  await until(() => made.some((options) => options.initiator === false), 'the offer answered');
  expect(made.find((options) => options.initiator === false)!.config?.iceServers).toEqual(iceServers);
});
