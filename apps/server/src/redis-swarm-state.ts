import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { DisconnectsClientError } from 'redis';
import type { ServerOptions } from 'socket.io';
import type { SwarmStateFactory } from './memory-swarm-state';
import { startProcessLiveness } from './process-liveness';
import { withHeardSubscriptions } from './redis-adapter-client';
import { createRedisClient, type RedisClient } from './redis-client';
import { createRedisMemberGrace, type RedisMemberGrace } from './redis-member-grace';
import { createRedisSwarmStore, redisKeys, type RedisKeys } from './redis-swarm-store';
import { UnreadableSwarmRecordError } from './swarm-store-errors';

/** The setting that turns Redis on: `redis://host:port`, as node-redis takes it. */
export const REDIS_URL_ENV = 'SWARMLAB_REDIS_URL';

/**
 * A process says it is alive every second; one silent for 5 s is taken for stopped (a busy event loop
 * can delay a beat by a second or two, never five), and its members start their grace period then.
 */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 1000;
export const DEFAULT_PROCESS_TIMEOUT_MS = 5000;

/**
 * What failed writes left is looked for this often, 25 swarms at a time: members away with no wait, sockets of
 * a process gone that no process took over, sockets this process no longer holds. Rare leftovers (a process
 * killed between two writes), so a slow look, which costs a read of each swarm in turn.
 */
export const DEFAULT_RECHECK_INTERVAL_MS = 10_000;

/**
 * The socket.io adapter writes every event to a socket of the swarm (a relayed signal, a progress table, a join) to one
 * Redis stream, which every process reads: it keeps about this many of the latest, delivered or not (`MAXLEN ~`).
 * A process reads 100 at a time as they come, so they need only cover a read that falls behind for a moment: 2,000
 * is about a second of a class of 64 joining at once (offers, answers and candidates to every peer). The
 * adapter's default, 10,000, held up to 1.8 GB of Redis's memory with progress tables of the largest file (found by
 * review); 2,000 hold at most about 360 MB of them (a 64-member table of a 4 GiB file is about 180 KB), and 84 MB for
 * a 100 MB file's.
 */
export const ADAPTER_STREAM_MAX_ENTRIES = 2000;

/** Grace deadlines are looked at this often at most: a member is given up on within a second of its time. */
const MAX_GRACE_SWEEP_INTERVAL_MS = 1000;
/** …and at least this often apart, however short the grace (tests shorten it). */
const MIN_GRACE_SWEEP_INTERVAL_MS = 25;

export interface RedisStateOptions {
  readonly url: string;
  /** Prefix of every key and of the adapter's stream (several servers may share one Redis). */
  readonly keyPrefix?: string;
  readonly heartbeatIntervalMs?: number;
  readonly processTimeoutMs?: number;
  /** How often each process reads a few swarms for what failed writes left (see `DEFAULT_RECHECK_INTERVAL_MS`). */
  readonly recheckIntervalMs?: number;
  /** About how many events the adapter's stream keeps (see `ADAPTER_STREAM_MAX_ENTRIES`). */
  readonly adapterStreamMaxEntries?: number;
}

/** What `createSignallingServer` takes to keep its swarms in Redis: `{ swarmState, adapter }`. */
export interface RedisState {
  readonly swarmState: SwarmStateFactory;
  /** The socket.io Redis streams adapter: events to sockets of other processes. */
  readonly adapter: ServerOptions['adapter'];
  /** This process's id in Redis (tests and logs). */
  readonly processId: string;
}

/**
 * Connects to Redis for one server process: one node-redis client for the swarm state and one for the
 * socket.io adapter (which duplicates it for its blocking stream reads). The returned factory makes the
 * Redis store, its grace periods and the liveness of the processes; the server's `close()` closes it all.
 */
export async function connectRedisState(options: RedisStateOptions): Promise<RedisState> {
  const prefix = options.keyPrefix ?? 'swarmlab:';
  const keys = redisKeys(prefix);
  checkRedisUrl(options.url);
  const client = createRedisClient(options.url);
  const adapterClient = createRedisClient(options.url);
  // Once connected, a dropped connection (Redis restarting, a connection reset) is an `error` event on the
  // client, which reconnects by itself while commands wait in its queue: logged, never thrown. An `error`
  // event nobody listens to would end the process, and every process would lose Redis at once.
  let log = (line: string): void => console.error(line);
  await Promise.all([
    connectOrFail(client, options.url, (line) => log(line)),
    connectOrFail(adapterClient, options.url, (line) => log(line)),
  ]).catch((error: unknown) => {
    client.destroy();
    adapterClient.destroy();
    throw error;
  });
  const processId = randomBytes(9).toString('base64url');
  // `startsEmpty`: nothing under the prefix: no swarm was ever written since Redis started (the version counter is
  // never deleted), and none is alive (a Redis written before there was a counter). `restarted`: no other process is
  // alive (this one's key is not set yet): the whole deployment had stopped, and this process starts it again (the
  // grace deadlines left in Redis are moved to a whole grace from now).
  const [startsEmpty, restarted] = await Promise.all([
    Promise.all([client.exists(keys.versions), client.sCard(keys.swarms)]),
    noProcessAlive(client, keys),
  ]).then(
    ([[versions, swarms], alone]) => [versions === 0 && swarms === 0, alone] as const,
    (error: unknown) => {
      client.destroy();
      adapterClient.destroy();
      throw error;
    },
  );

  const swarmState: SwarmStateFactory = (context) => {
    const nowMs = context.epochNowMs ?? (() => Date.now());
    log = context.log;
    const onError = (error: unknown): void => context.log(`error: redis: ${String(error)}`);
    const store = createRedisSwarmStore({
      client,
      keys,
      processId,
      limits: context.limits,
      nowMs,
      randomBytes: context.randomBytes,
    });
    const liveness = startProcessLiveness({
      client,
      keys,
      processId,
      store,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      processTimeoutMs: options.processTimeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS,
      auditIntervalMs: options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS,
      onError,
    });
    const sweepIntervalMs = Math.min(
      MAX_GRACE_SWEEP_INTERVAL_MS,
      Math.max(MIN_GRACE_SWEEP_INTERVAL_MS, context.limits.memberGraceMs / 10),
    );
    let grace: RedisMemberGrace | undefined;
    return {
      store,
      startsEmpty,
      createGrace: (callbacks) =>
        (grace = createRedisMemberGrace({
          ...callbacks,
          client,
          keys,
          // Real time, whatever clock the records are on: grace periods are timers, as the memory store's are
          // (`setTimeout`), so a test's hand clock moves the runs' times and leaves the waits to the wall clock.
          nowMs: () => Date.now(),
          graceMs: context.limits.memberGraceMs,
          restarted,
          sweepIntervalMs,
          recheckIntervalMs: options.recheckIntervalMs ?? DEFAULT_RECHECK_INTERVAL_MS,
          awaited: async (swarmId) => {
            // An unreadable record awaits nobody (said once per recheck): the recheck goes on to the next swarms.
            const record = (
              await store.load(swarmId).catch((error: unknown) => {
                if (!(error instanceof UnreadableSwarmRecordError)) throw error;
                onError(error);
                return undefined;
              })
            )?.record;
            return {
              members: record?.members.flatMap((member) => (member.socketId === null ? [member.peerId] : [])) ?? [],
              participants: record?.runs.live?.participants.some((participant) => participant.awaiting) ?? false,
            };
          },
        })),
      onSocketsLost: (lost, holds) => liveness.onSocketsLost(lost, holds),
      onDisowned: (disowned) => liveness.onDisowned(disowned),
      onCutOff: (cutOff) => liveness.onCutOff(cutOff),
      reachable: () => liveness.reachable,
      async close() {
        // The disconnects of closing have suspended this process's members: let those writes land, and
        // their grace deadlines, for the other processes to give up on them.
        // (A suspension's deadline is written once its change landed, so a second round catches the last.)
        // With Redis out of reach they would wait in node-redis's queue for ever: a bounded wait, then they go.
        await within(CLOSE_WRITES_WAIT_MS, async () => {
          for (let round = 0; round < 2; round++) {
            await store.settled();
            await grace?.settled();
          }
          await liveness.close();
        }).catch(onError);
        liveness.stop();
        await Promise.all([closeClient(client), closeClient(adapterClient)]);
      },
    };
  };

  return {
    swarmState,
    adapter: createAdapter(
      // A subscription cut short by the close (the adapter disconnected its copy) is no news; any other failure is.
      withHeardSubscriptions(adapterClient, (error) => {
        if (!(error instanceof DisconnectsClientError))
          log(`error: redis: the socket.io adapter could not subscribe: ${String(error)}`);
      }),
      { streamName: `${prefix}socket.io`, maxLen: options.adapterStreamMaxEntries ?? ADAPTER_STREAM_MAX_ENTRIES },
    ),
    processId,
  };
}

/**
 * Redis could not be reached as the process started: it says where (its password, if the URL holds one, hidden:
 * it ended up in terminals and logs), and the process does not start.
 */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';

  constructor(url: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot reach Redis at ${withoutCredentials(url)} (${reason})`, { cause });
  }
}

/** A Redis URL that is none (`localhost:6379`, its scheme left out): node-redis threw a stack trace for it. */
export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

/** Refuses what is not a `redis://` or `rediss://` URL, saying how to write one. */
export function checkRedisUrl(text: string): void {
  const example = 'write it as redis://host:port (rediss:// with TLS; redis://:password@host:port with a password)';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(
      `"${withoutCredentials(text)}" is not a Redis URL: ${example} (percent-encode a "/", "?" or "#" in the password)`,
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new RedisUrlError(`"${withoutCredentials(text)}" is not a Redis URL (${url.protocol}): ${example}`);
  // A database number, if any (node-redis threw a bare TypeError, and the server printed its stack).
  if (!/^(\/\d*)?$/.test(url.pathname))
    throw new RedisUrlError(
      `"${withoutCredentials(text)}" names no Redis database (${url.pathname}): end it with /<number>, or nothing`,
    );
}

/** `url` with its user name and password, if any, replaced by `***`. */
export function withoutCredentials(url: string): string {
  // Up to the last "@": a password may hold one (node-redis reads it so), or a "/", "?" or "#" (a generated one,
  // which then leaves the URL unparsable: it was printed whole; found by review). A Redis URL has no "@" after it.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, '$1***@');
}

/**
 * Whether no process listed in Redis is alive (its `alive` key expired, or deleted as it closed): the deployment was
 * stopped whole, and the grace deadlines left in Redis went unswept meanwhile (`RedisMemberGraceOptions.restarted`).
 */
async function noProcessAlive(client: RedisClient, keys: RedisKeys): Promise<boolean> {
  for (const processId of await client.sMembers(keys.processes))
    if ((await client.exists(keys.alive(processId))) === 1) return false;
  return true;
}

/**
 * Connects `client`, failing on the first error: node-redis would otherwise retry for ever, and a server
 * started against a Redis that is not there would wait in silence. Later errors go to `log`.
 */
async function connectOrFail(client: RedisClient, url: string, log: (line: string) => void): Promise<void> {
  let connecting = true;
  let failed: (error: unknown) => void = () => {};
  const firstError = new Promise<never>((_, reject) => (failed = reject));
  firstError.catch(() => {});
  client.on('error', (error: unknown) => {
    if (connecting) failed(new RedisUnreachableError(url, error));
    else log(`error: redis: ${String(error)}`);
  });
  try {
    await Promise.race([client.connect(), firstError]);
  } finally {
    connecting = false;
  }
}

/**
 * QUIT once what was sent is answered; a client that is not connected (Redis down, or reconnecting) is
 * dropped at once, as a QUIT would wait in its queue for a Redis that may not come back.
 */
async function closeClient(client: RedisClient): Promise<void> {
  // A Redis that takes the connection but does not answer: QUIT would wait for ever.
  if (client.isReady) await within(CLOSE_WRITES_WAIT_MS, () => client.quit().then(() => undefined)).catch(() => {});
  if (client.isOpen) client.destroy();
}

/** How long closing waits for its last writes to reach Redis (it may be down): within the server's 8 s to stop. */
const CLOSE_WRITES_WAIT_MS = 2000;

/** Runs `task`, waiting for it at most `ms` (it goes on unwaited for after that). */
async function within(ms: number, task: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([task(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
