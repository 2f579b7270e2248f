import { DEFAULT_RUN_CONFIG, type SwarmProgress } from '@swarmlab/protocol';
import { startRedisServer, type TestRedisServer } from '@swarmlab/test-kit/server';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { io as connectClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { controlDigestOf } from '../src/control-secret';
import { connectRedisState, createSignallingServer, type ServerLimits, type SignallingServer } from '../src/index';
import { sealOf, swarmIdOfSeal } from '../src/swarm-seal';
import {
  CANDIDATE,
  leeching,
  makeManifest,
  OFFER,
  record,
  waitUntil,
  WAIT_MS,
  type Received,
  type Tab,
  type TypedClient,
} from './harness';

/** Short heartbeats, so that a stopped process is noticed within a test's patience. */
const HEARTBEAT_INTERVAL_MS = 100;
const PROCESS_TIMEOUT_MS = 400;
/** …and a quick look for what failed writes left (members away with no wait, sockets nobody holds). */
const RECHECK_INTERVAL_MS = 200;

/** One server process of the test: its own Redis connections, its own socket.io server. */
interface Process {
  readonly url: string;
  /** Its id in Redis, and the prefix of its test's keys. */
  readonly processId: string;
  readonly keyPrefix: string;
  readonly server: SignallingServer;
  readonly logLines: string[];
  readonly clients: TypedClient[];
  connect(): Promise<TypedClient>;
  close(): Promise<void>;
  /** Closes the server as its process is told to stop, its clients connected until it drops them. */
  shutDown(): Promise<void>;
}

let redis: TestRedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

let testNumber = 0;
const running: Process[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.close()));
});

/**
 * Starts `count` processes on this test's keys (a prefix of their own, so tests share one Redis), or on
 * `keyPrefix`: more processes for the same test.
 */
async function startProcesses(
  count: number,
  limits: Partial<ServerLimits> = {},
  keyPrefix = `test${++testNumber}:`,
  recheckIntervalMs = RECHECK_INTERVAL_MS,
  adapterStreamMaxEntries?: number,
): Promise<Process[]> {
  const started: Process[] = [];
  for (let index = 0; index < count; index++) {
    const redisState = await connectRedisState({
      url: redis.url,
      keyPrefix,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
      processTimeoutMs: PROCESS_TIMEOUT_MS,
      recheckIntervalMs,
      ...(adapterStreamMaxEntries !== undefined && { adapterStreamMaxEntries }),
    });
    const logLines: string[] = [];
    const server = createSignallingServer({ log: (line) => logLines.push(line), limits, ...redisState });
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const clients: TypedClient[] = [];
    let closed = false;
    const process: Process = {
      url,
      processId: redisState.processId,
      keyPrefix,
      server,
      logLines,
      clients,
      async connect() {
        const client: TypedClient = connectClient(url, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        clients.push(client);
        await new Promise<void>((resolve, reject) => {
          client.once('connect', resolve);
          client.once('connect_error', reject);
        });
        return client;
      },
      async close() {
        if (closed) return;
        closed = true;
        for (const client of clients) client.disconnect();
        await server.close();
      },
      async shutDown() {
        closed = true;
        await server.close();
      },
    };
    started.push(process);
    running.push(process);
  }
  return started;
}

async function seedOn(process: Process): Promise<Tab> {
  const client = await process.connect();
  const received = record(client);
  const created = await client.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  const { swarmId, peerId, controlSecret, memberKey, seal } = created;
  return { client, received, peerId, swarmId, controlSecret, memberKey, seal };
}

async function joinOn(process: Process, swarmId: string): Promise<Tab> {
  const client = await process.connect();
  const received = record(client);
  const joined = await client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.message}`);
  return { client, received, peerId: joined.peerId, swarmId, memberKey: joined.memberKey, seal: joined.seal };
}

/** `tab`'s place taken back, as a leecher in no run, on the connection `client`. */
function resumeOn(client: TypedClient, tab: Tab) {
  return client.timeout(WAIT_MS).emitWithAck('swarm:resume', {
    swarmId: tab.swarmId,
    peerId: tab.peerId,
    memberKey: tab.memberKey,
    seal: tab.seal,
    role: 'leecher',
    run: null,
  });
}

/** The latest table the tab received, once `condition` holds for it. */
async function tableWhen(received: Received, condition: (table: SwarmProgress) => boolean, what: string) {
  await waitUntil(() => {
    const latest = received.progress.at(-1);
    return latest !== undefined && condition(latest);
  }, what);
  return received.progress.at(-1)!;
}

describe('signalling on two processes sharing one Redis', () => {
  it('joins on B a swarm created on A, and relays signals both ways between them', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(a!);
    const leecher = await joinOn(b!, seeder.swarmId);
    await waitUntil(() => seeder.received.joined.includes(leecher.peerId), 'A’s member heard of B’s');

    const toSeeder = await leecher.client
      .timeout(WAIT_MS)
      .emitWithAck('signal:send', { to: seeder.peerId, signal: OFFER });
    expect(toSeeder).toEqual({ ok: true });
    const toLeecher = await seeder.client
      .timeout(WAIT_MS)
      .emitWithAck('signal:send', { to: leecher.peerId, signal: CANDIDATE });
    expect(toLeecher).toEqual({ ok: true });
    await waitUntil(() => seeder.received.relays.length === 1 && leecher.received.relays.length === 1, 'both relayed');
    expect(seeder.received.relays[0]).toEqual({ from: leecher.peerId, signal: OFFER });
    expect(leecher.received.relays[0]).toEqual({ from: seeder.peerId, signal: CANDIDATE });

    // A code issued on A names the swarm on B.
    const watcher = await b!.connect();
    const watched = await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId });
    if (!watched.ok) throw new Error(watched.error.message);
    const resolved = await watcher.timeout(WAIT_MS).emitWithAck('code:resolve', { code: watched.joinCode });
    expect(resolved).toMatchObject({ ok: true, swarmId: seeder.swarmId });
  });

  it('starts a run on A that B’s members take part in, with the same progress table on every screen', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(a!);
    const onA = await joinOn(a!, seeder.swarmId);
    const onB = await joinOn(b!, seeder.swarmId);
    const started = await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    expect(started).toEqual({ ok: true, runNumber: 1 });
    // Each hears of it in its own time: the start's answer may come before the seeder's own `run:started` (seen
    // once in a loaded run, where the test read the seeder's as missing).
    await waitUntil(
      () => onB.received.runsStarted.length === 1 && seeder.received.runsStarted.length === 1,
      'the members on A and B heard of the start',
    );
    expect(onB.received.runsStarted[0]).toEqual(seeder.received.runsStarted[0]);

    await onA.client.timeout(WAIT_MS).emitWithAck('progress:report', leeching(1));
    await onB.client.timeout(WAIT_MS).emitWithAck('progress:report', leeching(1));
    const reported = (table: SwarmProgress): boolean =>
      table.peers.filter((peer) => peer.report !== null).length === 2 && table.run?.runNumber === 1;
    const tables = await Promise.all(
      [seeder, onA, onB].map((tab) => tableWhen(tab.received, reported, 'both reports on the table')),
    );
    // The same table wherever it was built; only the run's age differs between broadcasts.
    const comparable = ({ run, ...table }: SwarmProgress) => ({ ...table, run: run && { ...run, elapsedMs: 0 } });
    expect(comparable(tables[1]!)).toEqual(comparable(tables[0]!));
    expect(comparable(tables[2]!)).toEqual(comparable(tables[0]!));
    expect(tables[0]!.run!.startedAtEpochMs).toBe(tables[2]!.run!.startedAtEpochMs);
  });

  it('admits exactly one of two members joining the last seat through A and B at once', async () => {
    const [a, b] = await startProcesses(2, { maxPeersPerSwarm: 2 });
    const seeder = await seedOn(a!);
    const [first, second] = await Promise.all([a!.connect(), b!.connect()]);
    const answers = await Promise.all(
      [first!, second!].map((client) => client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId })),
    );
    expect(answers.filter((answer) => answer.ok)).toHaveLength(1);
    expect(answers.find((answer) => !answer.ok)).toMatchObject({ ok: false, error: { code: 'swarm-full' } });
  });

  it('lets a socket into one swarm when it asks for two at once, and keeps no member of a drop mid-join', async () => {
    const [a] = await startProcesses(1);
    const [one, two] = [await seedOn(a!), await seedOn(a!)];
    const client = await a!.connect();
    const answers = await Promise.all(
      [one!, two!].map((tab) => client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: tab.swarmId })),
    );
    expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code)).sort()).toEqual(['already-in-swarm', 'ok']);
    // Tabs closed while their join is on its way to Redis: each leaves once its join is written.
    for (let tab = 0; tab < 6; tab++) {
      const closing = await a!.connect();
      closing.emit('swarm:join', { swarmId: one!.swarmId }, () => undefined);
      closing.disconnect();
    }
    client.disconnect();
    one!.client.disconnect();
    two!.client.disconnect();
    await waitUntil(() => a!.server.stats().swarms === 0, 'both swarms ended with their last members');
  });

  it('starts one run when two screens, on A and on B, start one at once', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(a!);
    await joinOn(b!, seeder.swarmId);
    const screen = await b!.connect();
    const watched = await screen
      .timeout(WAIT_MS)
      .emitWithAck('swarm:watch', { swarmId: seeder.swarmId, control: seeder.controlSecret! });
    expect(watched).toMatchObject({ ok: true, inControl: true });
    const answers = await Promise.all(
      [seeder.client, screen].map((client) =>
        client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
      ),
    );
    expect(answers.filter((answer) => answer.ok)).toEqual([{ ok: true, runNumber: 1 }]);
    expect(answers.find((answer) => !answer.ok)).toMatchObject({ error: { code: 'run-in-progress' } });
  });

  it('keeps serving a swarm whose creator’s process closed mid-run: its tabs take their places back on B', async () => {
    const [a, b] = await startProcesses(2, { memberGraceMs: 5000 });
    const seeder = await seedOn(a!);
    const onA = await joinOn(a!, seeder.swarmId);
    const onB = await joinOn(b!, seeder.swarmId);
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    await waitUntil(() => onB.received.runsStarted.length === 1, 'the run started');

    await a!.close();
    // B still serves the swarm: its member reports, and sees A's members away, not gone.
    expect(await onB.client.timeout(WAIT_MS).emitWithAck('progress:report', leeching(1))).toEqual({ ok: true });
    await tableWhen(
      onB.received,
      (table) => table.peers.length === 3 && table.peers.filter((peer) => peer.away).length === 2,
      'A’s members away on B’s table',
    );
    expect(onB.received.left).toEqual([]);

    // A's leecher comes back through B, with its member key: its place, in the run going on.
    const back = await b!.connect();
    const resumed = await resumeOn(back, onA);
    expect(resumed).toMatchObject({ ok: true, swarmId: seeder.swarmId, run: { runNumber: 1 } });
    if (!resumed.ok) return;
    expect([...resumed.peers].sort()).toEqual([seeder.peerId, onB.peerId].sort());
    const backReceived = record(back);
    expect(await back.timeout(WAIT_MS).emitWithAck('signal:send', { to: onB.peerId, signal: OFFER })).toEqual({
      ok: true,
    });
    await waitUntil(() => onB.received.relays.some((relay) => relay.from === onA.peerId), 'its signal crossed');
    await tableWhen(
      backReceived,
      (table) => table.peers.find((peer) => peer.peerId === onA.peerId)?.away === false,
      'its place back on the table',
    );
    // A newcomer gets in through B as well.
    await joinOn(b!, seeder.swarmId);
  });

  it('lets a screen on A follow another swarm once the one it watched ended through B', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(b!);
    const screen = await a!.connect();
    expect(await screen.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });
    // Its last member leaves through B: the swarm ends, and A was not the one to see it go.
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    const next = await seedOn(b!);
    expect(await screen.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: next.swarmId })).toMatchObject({
      ok: true,
      swarmId: next.swarmId,
    });
  });

  it('lets a screen on A create a swarm once the one it watched ended through B', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(b!);
    const screen = await a!.connect();
    const received = record(screen);
    expect(await screen.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    await waitUntil(() => received.swarmsEnded.length > 0, 'the screen to be told its swarm ended');
    // Before, refused `already-in-swarm` before the handler's own check (which knows the swarm ended) could run.
    expect(await screen.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest())).toMatchObject({
      ok: true,
    });
  });

  it('lets a screen on A follow its swarm again once it ended through B and was registered again there', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(b!);
    const screen = await a!.connect();
    const received = record(screen);
    const watch = () => screen.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId });
    expect(await watch()).toMatchObject({ ok: true });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    await waitUntil(() => received.swarmsEnded.length > 0, 'the screen to be told its swarm ended');
    // Its seeder's tab registers it again, under the same id, through B.
    const restorer = await b!.connect();
    const restored = await restorer.timeout(WAIT_MS).emitWithAck('swarm:restore', {
      swarmId: seeder.swarmId,
      peerId: seeder.peerId,
      memberKey: seeder.memberKey,
      seal: seeder.seal,
      role: 'seeder',
      control: seeder.controlSecret,
      run: null,
      ...(await makeManifest()),
    });
    expect(restored).toMatchObject({ ok: true, registeredAgain: true });
    // Before, refused `already-in-swarm`: A took the screen for one still in the swarm, which had the same id.
    expect(await watch()).toMatchObject({ ok: true, swarmId: seeder.swarmId });
  });

  it('gives back the manifest of a swarm that ended through the other process', async () => {
    const [a, b] = await startProcesses(2);
    const seeder = await seedOn(a!);
    const leecher = await joinOn(b!, seeder.swarmId);
    expect(a!.server.stats().manifests).toBe(1);
    // The creator leaves through A, the last member through B: B writes the end.
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    expect(await leecher.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    // Before, A kept it (up to a megabyte each) until `maxSwarms` others pushed it out.
    await waitUntil(() => a!.server.stats().manifests === 0, 'A to let the manifest go');
    expect(b!.server.stats().manifests).toBe(0);
  });

  it('gives up on the members of a process shut down normally, once their grace period passes elsewhere', async () => {
    // No recheck within the test: it gave the member a wait of its own, and the test passed without the shutdown's
    // writes (found by review).
    const [a, b] = await startProcesses(2, { memberGraceMs: 300 }, undefined, 60_000);
    const seeder = await seedOn(b!);
    const onA = await joinOn(a!, seeder.swarmId);
    // A shuts down (SIGTERM): its tabs did not leave, the shutdown dropped them, and A sweeps no more.
    await a!.shutDown();
    // Its deadline reached Redis before A let go: B gives up on it. Before, it stayed away for good.
    await waitUntil(() => seeder.received.left.includes(onA.peerId), 'A’s member given up on by B');
  });

  it('takes over the members of a process that stopped without closing, once its heartbeat expires', async () => {
    const [a, b] = await startProcesses(2, { memberGraceMs: 300 });
    const seeder = await seedOn(b!);
    const onA = await joinOn(a!, seeder.swarmId);
    // A falls silent: its heartbeat stops and its sockets go unnoticed by it (no disconnect handling).
    a!.server.io.removeAllListeners('connection');
    for (const socket of a!.server.io.of('/').sockets.values()) socket.removeAllListeners('disconnect');
    await a!.close();
    // B notices A stopped, suspends A's member, and gives up on it after the grace period.
    await waitUntil(() => seeder.received.left.includes(onA.peerId), 'A’s member given up on by B');
  });
});

describe('reports of a whole class at once', () => {
  it('go out in a few commits, not one each, and each member’s latest is the one kept', async () => {
    const [a] = await startProcesses(1);
    const seeder = await seedOn(a!);
    const members = await Promise.all(Array.from({ length: 12 }, () => joinOn(a!, seeder.swarmId)));
    const started = await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    expect(started).toMatchObject({ ok: true });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const evals = async (): Promise<number> =>
      Number(/cmdstat_eval:calls=(\d+)/.exec(await raw.info('commandstats'))?.[1] ?? 0);
    try {
      const before = await evals();
      const rounds = 4;
      for (let round = 1; round <= rounds; round++)
        await Promise.all(
          members.map((member, index) =>
            member.client
              .timeout(WAIT_MS)
              .emitWithAck('progress:report', { ...leeching(1), downloadBytesPerSec: 8192 + 100 * round + index }),
          ),
        );
      const commits = (await evals()) - before;
      // Before, one commit of the whole record per report (48 here; at 64 members about 10 ms each, more than the
      // process had): those queued behind a write in flight now go out with the next.
      expect(commits).toBeLessThanOrEqual((rounds * members.length) / 2);
      const table = await tableWhen(
        seeder.received,
        (progress) =>
          members.every(
            (member, index) =>
              progress.peers.find((peer) => peer.peerId === member.peerId)?.report?.downloadBytesPerSec ===
              8192 + 100 * rounds + index,
          ),
        'every member’s latest report on the table',
      );
      expect(table.peers.filter((peer) => peer.report !== null)).toHaveLength(members.length);
    } finally {
      await raw.quit();
    }
  });
});

describe('the socket.io adapter’s stream in Redis', () => {
  it('keeps about its most entries, not every relay and table sent (10,000 by default: gigabytes of tables)', async () => {
    const [a] = await startProcesses(1, { messageBurst: 1000 }, undefined, undefined, 100);
    const seeder = await seedOn(a!);
    const senders = await Promise.all([1, 2, 3].map(() => joinOn(a!, seeder.swarmId)));
    const sent = await Promise.all(
      senders.map(async (tab) => {
        let relayed = 0;
        for (let index = 0; index < 200; index++) {
          const answer = await tab.client
            .timeout(WAIT_MS)
            .emitWithAck('signal:send', { to: seeder.peerId, signal: CANDIDATE });
          if (answer.ok) relayed++;
        }
        return relayed;
      }),
    );
    expect(sent).toEqual([200, 200, 200]);
    await waitUntil(() => seeder.received.relays.length === 600, 'every relay delivered');
    const reader = createClient({ url: redis.url });
    await reader.connect();
    try {
      // Trimmed about (`MAXLEN ~`): by whole nodes of the stream, 100 entries each by default.
      expect(await reader.xLen(`${a!.keyPrefix}socket.io`)).toBeLessThanOrEqual(100 + 100);
    } finally {
      await reader.quit();
    }
  });
});

describe('a process the shared state stopped counting alive', () => {
  it('closes its connections, so that its tabs take their places back', async () => {
    const [a] = await startProcesses(1);
    const seeder = await seedOn(a!);
    const leecher = await joinOn(a!, seeder.swarmId);
    const dropped = new Promise<string>((resolve) => leecher.client.once('disconnect', resolve));
    // What another process does to one whose heartbeat came late, or what a Redis restarted empty holds.
    const other = createClient({ url: redis.url });
    await other.connect();
    try {
      expect(await other.sRem(`${a!.keyPrefix}processes`, a!.processId)).toBe(1);
    } finally {
      await other.quit();
    }
    // Closed as a network drop is (socket.io's client reconnects after that, not after a server's disconnect).
    expect(await dropped).toBe('transport close');
    expect(a!.logLines.some((line) => line.includes('no longer counted this process alive'))).toBe(true);

    const back = await a!.connect();
    const resumed = await resumeOn(back, leecher);
    expect(resumed).toMatchObject({ ok: true, swarmId: seeder.swarmId });
  });
});

describe('requests the swarm refuses', () => {
  it('change nothing in Redis: no rewrite, no new version', async () => {
    const [a] = await startProcesses(1);
    const seeder = await seedOn(a!);
    const leecher = await joinOn(a!, seeder.swarmId);
    const watcher = await a!.connect();
    expect(await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const versionKey = [`${a!.keyPrefix}swarm:${seeder.swarmId}`, 'version'] as const;
      const before = await raw.hGet(...versionKey);
      for (let i = 0; i < 5; i++) {
        expect(await watcher.timeout(WAIT_MS).emitWithAck('progress:report', leeching(null))).toMatchObject({
          ok: false,
          error: { code: 'not-in-swarm' },
        });
        expect(await leecher.client.timeout(WAIT_MS).emitWithAck('run:stop')).toMatchObject({
          ok: false,
          error: { code: 'not-in-control' },
        });
      }
      expect(await raw.hGet(...versionKey)).toBe(before);
    } finally {
      await raw.quit();
    }
  });
});

describe('a swarm registered again by a member it refuses', () => {
  it('is not written: no swarm, nothing charged to the address', async () => {
    const [a] = await startProcesses(1, { maxSwarmsPerAddress: 2 });
    const prankster = await a!.connect();
    for (let i = 0; i < 3; i++) {
      const seal = sealOf(
        randomBytes(16).toString('base64url'),
        controlDigestOf(randomBytes(16).toString('base64url')),
      );
      const file = await makeManifest();
      const restore = {
        swarmId: swarmIdOfSeal(seal, file.contentId),
        // An id every swarm refuses (it would show as `Object.prototype`'s).
        peerId: 'constructor',
        memberKey: randomBytes(16).toString('base64url'),
        seal,
        role: 'leecher' as const,
        run: null,
        ...file,
      };
      expect(await prankster.timeout(WAIT_MS).emitWithAck('swarm:restore', restore)).toMatchObject({
        ok: false,
        error: { code: 'peer-id-taken' },
      });
    }
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      expect(await raw.sCard(`${a!.keyPrefix}swarms`)).toBe(0);
      expect(await raw.hGetAll(`${a!.keyPrefix}creators`)).toEqual({});
    } finally {
      await raw.quit();
    }
    await seedOn(a!);
  });
});

/**
 * Waits until `process` has written grace wait `wait`, then removes it: what a process killed between a change and
 * its wait, or a failed write, leaves.
 */
async function loseWait(process: Process, wait: string): Promise<void> {
  const raw = createClient({ url: redis.url });
  await raw.connect();
  try {
    const graceKey = `${process.keyPrefix}grace`;
    const deadline = Date.now() + WAIT_MS;
    while ((await raw.zScore(graceKey, wait)) === null) {
      if (Date.now() > deadline) throw new Error('no wait was written');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await raw.zRem(graceKey, wait)).toBe(1);
  } finally {
    await raw.quit();
  }
}

describe('a member away whose grace wait was lost', () => {
  it('is given a wait again, and given up on, so its swarm does not keep it for ever', async () => {
    const [a] = await startProcesses(1, { memberGraceMs: 1500 });
    const seeder = await seedOn(a!);
    const leecher = await joinOn(a!, seeder.swarmId);
    // The leecher's network drops: it is suspended, and its wait written; then the member is left away, no wait.
    leecher.client.io.engine.close();
    await loseWait(a!, `member ${seeder.swarmId} ${leecher.peerId}`);
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the leecher to be given up on', 8000);
  });
});

describe('a restored run whose wait for its participants was lost', () => {
  it('is given a wait again, and interrupted once nobody it awaits came back', async () => {
    // The swarm, as its seeder's tab knows it, from a server that then went away with its Redis data.
    const [first] = await startProcesses(1);
    const seeder = await seedOn(first!);
    const file = await makeManifest();
    const [a] = await startProcesses(1, { memberGraceMs: 1000 });
    const client = await a!.connect();
    const received = record(client);
    const restored = await client.timeout(WAIT_MS).emitWithAck('swarm:restore', {
      swarmId: seeder.swarmId,
      peerId: seeder.peerId,
      memberKey: seeder.memberKey,
      seal: seeder.seal,
      role: 'seeder',
      control: seeder.controlSecret,
      run: {
        runNumber: 1,
        config: DEFAULT_RUN_CONFIG,
        settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
        elapsedMs: 5000,
        completedAfterMs: null,
        participants: [
          { peerId: seeder.peerId, role: 'seeder' },
          { peerId: 'awaitedpeer1', role: 'leecher' },
        ],
      },
      ...file,
    });
    expect(restored).toMatchObject({ ok: true, registeredAgain: true });
    await loseWait(a!, `run ${seeder.swarmId}`);
    const table = await tableWhen(
      received,
      (latest) => latest.run?.phase === 'interrupted',
      'the run to be interrupted',
    );
    expect(table.run?.interruption).toBeTruthy();
  });
});

describe('grace waits a process started that another ended', () => {
  it('are forgotten: its count of pending waits comes back to 0', async () => {
    const [a, b] = await startProcesses(2, { memberGraceMs: 3000 });
    const seeder = await seedOn(b!);
    const leecher = await joinOn(a!, seeder.swarmId);
    // The leecher's network drops on A (A starts its wait), and it takes its place back through B.
    leecher.client.io.engine.close();
    await waitUntil(() => a!.server.stats().pendingGraces === 1, 'A to wait for the leecher');
    const back = await b!.connect();
    expect(await resumeOn(back, leecher)).toMatchObject({ ok: true });
    await waitUntil(
      () => a!.server.stats().pendingGraces === 0,
      'A to forget the wait B ended',
      3 * RECHECK_INTERVAL_MS + WAIT_MS,
    );
  });
});

describe('sockets recorded as held where nobody holds them', () => {
  /** The swarm's record as Redis holds it. */
  const storedSwarm = async (keyPrefix: string, swarmId: string) => {
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const doc = await raw.hGet(`${keyPrefix}swarm:${swarmId}`, 'doc');
      return doc
        ? (JSON.parse(doc) as { record: { members: { peerId: string; socketId: string | null }[] } })
        : undefined;
    } finally {
      await raw.quit();
    }
  };

  it('are handed over when their process stopped and the takeover failed part way', async () => {
    const [a] = await startProcesses(1, { memberGraceMs: 300 });
    const seeder = await seedOn(a!);
    await joinOn(a!, seeder.swarmId);
    // A stops without a word, and the process that removed it from the list died before taking its sockets
    // over: they stay recorded as A's, and no process is left that would look at A again.
    a!.server.io.removeAllListeners('connection');
    for (const socket of a!.server.io.of('/').sockets.values()) socket.removeAllListeners('disconnect');
    await a!.close();
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      expect(await raw.sRem(`${a!.keyPrefix}processes`, a!.processId)).toBe(1);
    } finally {
      await raw.quit();
    }
    expect((await storedSwarm(a!.keyPrefix, seeder.swarmId))?.record.members).toHaveLength(2);

    // B, started later, finds them, suspends them and gives up on them: the swarm ends. Before, it kept both
    // members connected in every table, for ever.
    const [b] = await startProcesses(1, { memberGraceMs: 300 }, a!.keyPrefix);
    const watcher = await b!.connect();
    const deadline = Date.now() + 8000;
    while ((await storedSwarm(a!.keyPrefix, seeder.swarmId)) !== undefined) {
      if (Date.now() > deadline) throw new Error('the swarm of a stopped process’s sockets never ended');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: false,
      error: { code: 'swarm-not-found' },
    });
    expect(b!.logLines.filter((line) => line.startsWith('error'))).toEqual([]);
  });

  it('are handed over past a swarm whose record cannot be read, which is said, not a stop of every audit', async () => {
    const [a] = await startProcesses(1, { memberGraceMs: 300 });
    const seeder = await seedOn(a!);
    const leecher = await joinOn(a!, seeder.swarmId);
    // A record no build of this one can read, listed first (`-` sorts before every swarm id's characters).
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await raw.hSet(`${a!.keyPrefix}swarm:-unreadable`, { version: '1', doc: '{"record": ' });
      await raw.sAdd(`${a!.keyPrefix}swarms`, '-unreadable');
      // JSON, but not a record this build reads: the grace recheck stopped at it with a TypeError.
      await raw.hSet(`${a!.keyPrefix}swarm:-unreadable2`, { version: '1', doc: '{"owners":{},"record":{}}' });
      await raw.sAdd(`${a!.keyPrefix}swarms`, '-unreadable2');
    } finally {
      await raw.quit();
    }
    const [leecherSocketId] = [...a!.server.io.of('/').sockets.keys()].filter((id) => id === leecher.client.id);
    a!.server.io.of('/').sockets.get(leecherSocketId!)!.removeAllListeners('disconnect');
    leecher.client.disconnect();
    // Before, the audit stopped at the unreadable swarm every time, and the leecher stayed in the seeder's table.
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the leecher to be given up on', 12_000);
    expect(a!.logLines.some((line) => line.includes("swarm -unreadable's record in Redis cannot be read"))).toBe(true);
    expect(
      a!.logLines.some((line) => line.includes("swarm -unreadable2's record in Redis cannot be read (no members)")),
    ).toBe(true);
  });

  it('are handed over when their own process’s clean-up of a disconnect failed', async () => {
    const [a] = await startProcesses(1, { memberGraceMs: 300 });
    const seeder = await seedOn(a!);
    const leecher = await joinOn(a!, seeder.swarmId);
    // The leecher's connection ends, and its clean-up never runs (as when its write to Redis failed).
    const [leecherSocketId] = [...a!.server.io.of('/').sockets.keys()].filter((id) => id === leecher.client.id);
    expect(leecherSocketId).toBeDefined();
    a!.server.io.of('/').sockets.get(leecherSocketId!)!.removeAllListeners('disconnect');
    leecher.client.disconnect();
    await waitUntil(() => !a!.server.io.of('/').sockets.has(leecherSocketId!), 'A to let the socket go');
    const member = async () =>
      (await storedSwarm(a!.keyPrefix, seeder.swarmId))?.record.members.find((m) => m.peerId === leecher.peerId);
    expect((await member())?.socketId).toBe(leecherSocketId);

    // A finds it recorded as its own but not held, twice some seconds apart: the member is suspended, then
    // given up on. Before, the seeder saw it connected for ever.
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the leecher to be given up on', 12_000);
    expect(await member()).toBeUndefined();
  });
});
