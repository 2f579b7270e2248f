import { startRedisServer, type TestRedisServer } from '@swarmlab/test-kit/server';
import { io as connectClient } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connectRedisState, createSignallingServer, type SignallingServer } from '../src/index';
import { makeManifest, WAIT_MS, type TypedClient } from './harness';

/** Short, so that a stop longer than the grace fits in a test; long enough for a tab to reconnect within it. */
const GRACE_MS = 2000;

let redis: TestRedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server process on `keyPrefix`, with its URL and a way to connect tabs to it. */
async function startProcess(keyPrefix: string) {
  const redisState = await connectRedisState({
    url: redis.url,
    keyPrefix,
    heartbeatIntervalMs: 100,
    processTimeoutMs: 400,
  });
  const server: SignallingServer = createSignallingServer({
    log: () => {},
    limits: { memberGraceMs: GRACE_MS },
    ...redisState,
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await server.close();
  };
  cleanups.push(close);
  const { port } = await server.listen(0, '127.0.0.1');
  const connect = async (): Promise<TypedClient> => {
    const client: TypedClient = connectClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    cleanups.push(() => void client.disconnect());
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  };
  return { connect, close };
}

it('keeps every place when all its processes were shut down for longer than the grace period', async () => {
  const keyPrefix = 'restart-after-grace:';
  const a = await startProcess(keyPrefix);
  const founder = await a.connect();
  const created = await founder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
  const student = await a.connect();
  const joined = await student.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);

  // The whole deployment is stopped (SIGTERM): the close suspends both members, their deadlines a grace from now.
  await a.close();
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 1.5));
  const b = await startProcess(keyPrefix);
  // B's sweeps (every tenth of the grace) have run: before, the first gave up on every member and the swarm ended.
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 4));

  const screen = await b.connect();
  expect(await screen.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: created.swarmId })).toMatchObject({
    ok: true,
  });
  const founderBack = await b.connect();
  const resumed = await founderBack.timeout(WAIT_MS).emitWithAck('swarm:resume', {
    swarmId: created.swarmId,
    peerId: created.peerId,
    memberKey: created.memberKey,
    seal: created.seal,
    role: 'seeder',
    control: created.controlSecret,
    run: null,
  });
  expect(resumed).toMatchObject({ ok: true, placeKept: true, peers: [joined.peerId] });
});

it('still gives up on the members of a process closed while another is alive, on time', async () => {
  const keyPrefix = 'rolling-restart:';
  const a = await startProcess(keyPrefix);
  const b = await startProcess(keyPrefix);
  const founder = await b.connect();
  const created = await founder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
  const student = await a.connect();
  const joined = await student.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);
  const closingAtMs = Date.now();
  const left = new Promise<{ peerId: string; afterCloseMs: number }>((resolve) =>
    founder.once('peer:left', ({ peerId }) => resolve({ peerId, afterCloseMs: Date.now() - closingAtMs })),
  );

  // A process started while B is alive is no restart: the student's deadline, a grace after A's close, is not moved
  // to a grace after the new process's start (late in the grace, so that a move would show: ~1.8 graces).
  await a.close();
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 0.8 - (Date.now() - closingAtMs)));
  await startProcess(keyPrefix);
  const { peerId, afterCloseMs } = await left;
  expect(peerId).toBe(joined.peerId);
  // A grace, and B's sweep (every tenth of it) and the give-up's update on top; a moved deadline gives 1.8 graces. The
  // grace is long enough that a loaded machine's delays (a few hundred ms) stay far from either.
  expect(afterCloseMs).toBeLessThan(GRACE_MS * 1.4);
});
