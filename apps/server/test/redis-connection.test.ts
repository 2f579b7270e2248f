import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedisServer, type TestRedisServer } from '@swarmlab/test-kit/server';
import { DEFAULT_RUN_CONFIG, type SwarmSeal } from '@swarmlab/protocol';
import { createClient } from 'redis';
import { io as connectClient } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import { connectRedisState, createSignallingServer, RedisUnreachableError, type SignallingServer } from '../src/index';
import { RedisUrlError } from '../src/redis-swarm-state';
import { makeManifest, waitUntil, WAIT_MS, type TypedClient } from './harness';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What a new client's `request` is answered, on a connection of its own. */
async function ask<T>(url: string, request: (client: TypedClient) => Promise<T>): Promise<T> {
  const client: TypedClient = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return await request(client);
  } finally {
    client.disconnect();
  }
}

/** The id of a swarm a new client created (its founder leaves at once), or undefined if refused. */
async function createSwarm(url: string): Promise<string | undefined> {
  const created = await ask(url, async (client) =>
    client.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest()),
  );
  return created.ok ? created.swarmId : undefined;
}

it('refuses to start, saying where, when Redis cannot be reached', async () => {
  const url = `redis://127.0.0.1:${await freePort()}`;
  const started = connectRedisState({ url });
  await expect(started).rejects.toThrow(RedisUnreachableError);
  await expect(started).rejects.toThrow(`cannot reach Redis at ${url}`);
});

it('refuses a URL that is no Redis URL, saying how to write one, and hides a password it cannot reach with', async () => {
  await expect(connectRedisState({ url: 'localhost:6379' })).rejects.toThrow(
    new RedisUrlError(
      '"localhost:6379" is not a Redis URL (localhost:): write it as redis://host:port (rediss:// with TLS; redis://:password@host:port with a password)',
    ),
  );
  const port = await freePort();
  const refused = connectRedisState({ url: `redis://:s3cret@127.0.0.1:${port}` });
  await expect(refused).rejects.toThrow(`cannot reach Redis at redis://***@127.0.0.1:${port}`);
  await expect(refused).rejects.not.toThrow('s3cret');
});

it('refuses a URL naming no database number as one, and hides a password holding an "@"', async () => {
  await expect(connectRedisState({ url: 'redis://127.0.0.1:1/abc' })).rejects.toThrow(
    new RedisUrlError('"redis://127.0.0.1:1/abc" names no Redis database (/abc): end it with /<number>, or nothing'),
  );
  const port = await freePort();
  const refused = connectRedisState({ url: `redis://default:pa@ss-w0rd@127.0.0.1:${port}/2` });
  await expect(refused).rejects.toThrow(`cannot reach Redis at redis://***@127.0.0.1:${port}/2`);
  await expect(refused).rejects.not.toThrow('ss-w0rd');
  // A generated password holding a "/" leaves the URL unparsable: refused, the password hidden all the same.
  const slashed = connectRedisState({ url: 'redis://default:Zm9v/YmFy@127.0.0.1:1' });
  await expect(slashed).rejects.toThrow(RedisUrlError);
  await expect(slashed).rejects.toThrow('"redis://***@127.0.0.1:1" is not a Redis URL');
  await expect(slashed).rejects.not.toThrow('Zm9v');
});

it('stays up while Redis restarts, says so, and serves swarms again once it is back', async () => {
  let redis: TestRedisServer = await startRedisServer();
  cleanups.push(() => redis.stop());
  const redisState = await connectRedisState({ url: redis.url, heartbeatIntervalMs: 100, processTimeoutMs: 400 });
  const logLines: string[] = [];
  const server: SignallingServer = createSignallingServer({ log: (line) => logLines.push(line), ...redisState });
  cleanups.push(() => server.close());
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  // A swarm whose founder stays: the classroom's, which Redis forgets as it comes back empty.
  const founder: TypedClient = connectClient(url, { transports: ['websocket'], forceNew: true });
  cleanups.push(() => void founder.disconnect());
  const created = await founder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.code}`);

  await redis.stop();
  await waitUntil(() => logLines.some((line) => line.startsWith('error: redis:')), 'the dropped connection logged');
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  redis = await startRedisServer(redis.port);
  // node-redis reconnects by itself (commands wait in its queue meanwhile).
  const deadline = Date.now() + 10_000;
  while ((await createSwarm(url).catch(() => undefined)) === undefined) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a swarm to be created again');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Redis came back empty: the classroom's swarm is gone until a member registers it again. A student opening its
  // link meanwhile waits for it, as after a restart of a server in memory (it was told the swarm had ended).
  await waitUntil(() => logLines.some((line) => line.includes('no longer counted this process alive')), 'disowned');
  const joined = await ask(url, (client) =>
    client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId }),
  );
  expect(joined).toMatchObject({ ok: false, error: { code: 'swarm-not-registered-yet' } });
});

/**
 * A tab's `swarm:resume` once its client reconnected, in no run: the seeder's if it gives the `control` secret, and
 * having seen run `latestRunNumber` if given.
 */
async function resumedInNoRun(
  client: TypedClient,
  swarmId: string,
  tab: { readonly peerId: string; readonly memberKey: string; readonly seal: SwarmSeal },
  { control, latestRunNumber }: { readonly control?: string | undefined; readonly latestRunNumber?: number },
) {
  if (!client.connected) await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client.timeout(WAIT_MS).emitWithAck('swarm:resume', {
    swarmId,
    peerId: tab.peerId,
    memberKey: tab.memberKey,
    seal: tab.seal,
    role: control === undefined ? 'leecher' : 'seeder',
    ...(control !== undefined && { control }),
    run: null,
    ...(latestRunNumber !== undefined && { latestRunNumber }),
  });
}

/**
 * A server on a Redis that snapshots to disk: `connect` opens a client to the server, `save` takes a snapshot (SAVE),
 * `backFromSnapshot` crashes Redis and starts it again from that snapshot, on its port.
 */
async function serverOnSnapshottingRedis(log: (line: string) => void = () => {}) {
  const snapshotDir = mkdtempSync(join(tmpdir(), 'swarmlab-snapshot-'));
  cleanups.push(() => rmSync(snapshotDir, { recursive: true, force: true }));
  let redis: TestRedisServer = await startRedisServer(undefined, { snapshotDir });
  cleanups.push(() => redis.stop());
  const redisState = await connectRedisState({ url: redis.url, heartbeatIntervalMs: 100, processTimeoutMs: 400 });
  const server = createSignallingServer({ log, ...redisState });
  cleanups.push(() => server.close());
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    connect: async (): Promise<TypedClient> => {
      const client: TypedClient = connectClient(url, { transports: ['websocket'], forceNew: true });
      cleanups.push(() => void client.disconnect());
      await new Promise<void>((resolve) => client.once('connect', resolve));
      return client;
    },
    save: async (): Promise<void> => {
      const raw = createClient({ url: redis.url });
      await raw.connect();
      await raw.sendCommand(['SAVE']);
      raw.destroy();
    },
    backFromSnapshot: async (): Promise<void> => {
      await redis.stop();
      redis = await startRedisServer(redis.port, { snapshotDir });
    },
  };
}

it('closes its connections when Redis restarted from an older snapshot, and they take their places back', async () => {
  const logLines: string[] = [];
  const { connect, save, backFromSnapshot } = await serverOnSnapshottingRedis((line) => logLines.push(line));
  const founder = await connect();
  const created = await founder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
  // The snapshot, then a student joins: Redis crashes and comes back from the snapshot, without the student.
  await save();
  const student = await connect();
  const joined = await student.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);
  let studentDropped = false;
  student.once('disconnect', () => (studentDropped = true));
  await backFromSnapshot();

  // Before, the process was still listed in the snapshot and noticed nothing: the student stayed connected, unknown
  // to the swarm (the founder's signals to it "peer-not-found", its own leave "not-in-swarm"), and nobody was told.
  await waitUntil(() => studentDropped, 'the student’s connection closed');
  expect(logLines.some((line) => line.includes('no longer counted this process alive'))).toBe(true);
  // Every connection of the process is closed (the founder's too): each reconnects and takes its place back.
  const back = async (client: TypedClient, tab: typeof joined, control?: string): Promise<void> => {
    expect(await resumedInNoRun(client, created.swarmId, tab, { control })).toMatchObject({ ok: true });
  };
  await back(founder, created, created.controlSecret);
  await back(student, joined);
  const signalled = await founder.timeout(WAIT_MS).emitWithAck('signal:send', {
    to: joined.peerId,
    signal: { type: 'renegotiate', renegotiate: true },
  });
  expect(signalled).toMatchObject({ ok: true });
});

it('closes while Redis is down: its last writes are waited for a moment, not for ever', async () => {
  const redis = await startRedisServer();
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : redis.stop()));
  const redisState = await connectRedisState({ url: redis.url, heartbeatIntervalMs: 100, processTimeoutMs: 400 });
  const server = createSignallingServer({ log: () => {}, ...redisState });
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const member: TypedClient = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  cleanups.push(() => void member.disconnect());
  await new Promise<void>((resolve, reject) => {
    member.once('connect', resolve);
    member.once('connect_error', reject);
  });
  expect(await member.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest())).toMatchObject({ ok: true });

  await redis.stop();
  stopped = true;
  // Closing suspends the member, a write Redis will never answer: the close resolves all the same (a hang would
  // time the test out).
  await server.close();
});

it('closes at once after starting, leaving no promise rejected unheard', async () => {
  const redis = await startRedisServer();
  cleanups.push(() => redis.stop());
  const unheard: unknown[] = [];
  const listener = (reason: unknown): number => unheard.push(reason);
  process.on('unhandledRejection', listener);
  cleanups.push(() => void process.off('unhandledRejection', listener));
  // The socket.io adapter subscribes on a client of its own as the server starts: a close before that subscription
  // is done disconnected the client under it, and its rejection reached nobody (an "unhandled error" that failed
  // the test run, a crash of a process stopped at once).
  for (let round = 0; round < 10; round++) {
    const server = createSignallingServer({ log: () => {}, ...(await connectRedisState({ url: redis.url })) });
    await server.listen(0, '127.0.0.1');
    await server.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(unheard).toEqual([]);
});

it('waits for the swarms of an empty Redis to be registered again, and not for those of one that holds them', async () => {
  const redis = await startRedisServer();
  cleanups.push(() => redis.stop());
  const start = async (): Promise<string> => {
    const server = createSignallingServer({ log: () => {}, ...(await connectRedisState({ url: redis.url })) });
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${port}`;
  };
  const joinUnknown = (url: string) =>
    ask(url, (client) => client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: 'A'.repeat(22) }));
  // Redis came back empty with the servers (a machine rebooted, a Redis without persistence): the members register
  // their swarms again within seconds, and a link opened meanwhile waits. It was told the swarm had ended, for good.
  const first = await start();
  expect(await joinUnknown(first)).toMatchObject({ ok: false, error: { code: 'swarm-not-registered-yet' } });
  // A process started on a Redis the swarms were written to (by another process) knows every swarm there is.
  expect(await createSwarm(first)).toBeDefined();
  const second = await start();
  expect(await joinUnknown(second)).toMatchObject({ ok: false, error: { code: 'swarm-not-found' } });
});

/** What the founder does on either side of the snapshot Redis comes back from. */
interface AroundSnapshot {
  readonly before: (founder: TypedClient) => Promise<void>;
  readonly after: (founder: TypedClient) => Promise<void>;
}

/**
 * A swarm of a founder and a student on a server whose Redis snapshots to disk (SAVE, between `around.before` and
 * `around.after`), then crashes and comes back from that snapshot: every connection of the process is closed, and
 * each reconnects. `back` is the answer to a tab's resume, in no run, having seen run `latestRunNumber`.
 */
async function swarmBackFromSnapshot(around: AroundSnapshot) {
  const { connect, save, backFromSnapshot } = await serverOnSnapshottingRedis();
  const founder = await connect();
  const created = await founder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
  const student = await connect();
  const joined = await student.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);
  await around.before(founder);
  await save();
  await around.after(founder);
  let founderDropped = false;
  founder.once('disconnect', () => (founderDropped = true));
  await backFromSnapshot();
  await waitUntil(() => founderDropped, 'the founder’s connection closed');

  const back = (client: TypedClient, tab: typeof joined, latestRunNumber: number, control?: string) =>
    resumedInNoRun(client, created.swarmId, tab, { control, latestRunNumber });
  return {
    founder,
    founderBack: (latestRunNumber: number) => back(founder, created, latestRunNumber, created.controlSecret),
    studentBack: (latestRunNumber: number) => back(student, joined, latestRunNumber),
  };
}

/** The founder starts a run, answered `runNumber`. */
async function startRun(founder: TypedClient, runNumber: number): Promise<void> {
  expect(await founder.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toEqual({
    ok: true,
    runNumber,
  });
}

it('numbers the next run after the run Redis lost as it came back from an older snapshot', async () => {
  // The snapshot, then the teacher starts run 1: Redis comes back from the snapshot, without the run.
  const { founder, founderBack, studentBack } = await swarmBackFromSnapshot({
    before: async () => {},
    after: (founder) => startRun(founder, 1),
  });
  // Each tab takes its place back, saying it saw run 1 (the server answers no run: it has none).
  expect(await founderBack(1)).toMatchObject({ ok: true, placeKept: true, run: null });
  expect(await studentBack(1)).toMatchObject({ ok: true, placeKept: true, run: null });
  // Before, run 1 again, which every tab ignored as the run it had seen.
  await startRun(founder, 2);
});

it('ends a run Redis came back from a snapshot running, once the controller says a later one started', async () => {
  // The snapshot catches run 1 running; the teacher stops it and starts run 2, which Redis loses.
  const { founder, founderBack, studentBack } = await swarmBackFromSnapshot({
    before: (founder) => startRun(founder, 1),
    after: async (founder) => {
      expect(await founder.timeout(WAIT_MS).emitWithAck('run:stop')).toEqual({ ok: true });
      await startRun(founder, 2);
    },
  });
  // A student's word does not end a run: it is told run 1 (which its tab ignores, as older than its own).
  expect(await studentBack(2)).toMatchObject({ ok: true, placeKept: true, run: { runNumber: 1 } });
  // The controller's does: run 1 was over before Redis lost run 2. Before, run 1 came back running and never ended
  // (every report for run 2 was dropped), and Start answered "run in progress" until the teacher stopped it.
  expect(await founderBack(2)).toMatchObject({ ok: true, placeKept: true, run: null });
  await startRun(founder, 3);
});
