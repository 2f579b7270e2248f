import type { RedisClient, RedisKeys, ProcessId, RedisSwarmStore, StoredSwarm } from './redis-swarm-store';
import { everyInTurn } from './every-in-turn';
import type { SocketId } from './swarm-registry';
import type { SocketsLost } from './swarm-store';
import { UnreadableSwarmRecordError } from './swarm-store-errors';

export interface ProcessLivenessOptions {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly processId: ProcessId;
  readonly store: RedisSwarmStore;
  /** How often this process says it is alive and looks for processes that stopped. */
  readonly heartbeatIntervalMs: number;
  /** A process that has not said so for this long is taken for stopped. */
  readonly processTimeoutMs: number;
  /** How often it reads a few swarms for sockets nobody will ever hand over (see `startProcessLiveness`). */
  readonly auditIntervalMs: number;
  readonly onError: (error: unknown) => void;
}

/** Swarms read in one audit; the next audit goes on from there. */
const AUDIT_BATCH = 25;

/**
 * A socket recorded as this process's that it does not hold is taken for lost once it was seen so this long
 * ago: its disconnect's own clean-up, a write or two, may still be on its way.
 */
export const UNHELD_SOCKET_MS = 5000;

export interface ProcessLiveness {
  /**
   * Tells `lost` about the sockets of each stopped process, swarm by swarm, and about sockets recorded as this
   * process's that it does not `hold` (a connection is held while it is open).
   */
  onSocketsLost(lost: SocketsLost, holds: (socketId: SocketId) => boolean): void;
  /** Calls `disowned` when this process, alive, finds itself no longer listed (see `SwarmState.onDisowned`). */
  onDisowned(disowned: () => void): void;
  /** Calls `cutOff` when this process has not reached Redis for `processTimeoutMs` (see `SwarmState.onCutOff`). */
  onCutOff(cutOff: (lastFailure: unknown) => void): void;
  /** Whether it reached Redis within `processTimeoutMs`. */
  readonly reachable: boolean;
  /** Stops saying this process is alive, so that another takes its sockets over at its next look. */
  close(): Promise<void>;
  /** Stops its timers, saying nothing (Redis out of reach: the key expires by itself). */
  stop(): void;
}

/**
 * Which server processes are alive: each sets its `alive` key, which expires after `processTimeoutMs`,
 * every `heartbeatIntervalMs`, and lists itself in `processes`. A process whose key expired stopped
 * without telling (killed, crashed, cut off): the first process to remove it from `processes` (SREM
 * answers 1 to one process only) finds the members and watchers whose sockets it held and hands them to
 * `lost`, which treats them as dropped sockets (a member keeps its place for the grace period and resumes
 * on any process; a watcher is gone).
 *
 * A process that finds itself no longer listed, once it was (its SADD adds it again), was taken for stopped
 * while it was not (a heartbeat late by `processTimeoutMs`), or Redis forgot everything (a restart without a
 * snapshot): it tells `disowned`, whose sockets must take their places back as if they had reconnected. So it
 * does when Redis restarted at all (its `run_id` changed): back from a snapshot taken before this process's last
 * changes, it lists the process still, and had lost the members that joined and the swarms made since, their tabs
 * connected, unknown to the others and told nothing (found by review).
 *
 * A takeover that failed part way (Redis cut off, the taking process killed) leaves sockets recorded as held by
 * a process that is neither listed nor alive, which no process would ever hand over; a disconnect whose
 * clean-up failed leaves a socket recorded as this process's that it no longer holds. Either kept its member
 * connected in every table, its swarm alive and counted against the caps, for ever. So every
 * `auditIntervalMs` each process reads a few swarms (in turn, all of them over time) and hands such sockets to
 * `lost` (its own only once seen unheld {@link UNHELD_SOCKET_MS} before). Handing one over twice is harmless:
 * a socket already suspended is not suspended again.
 */
export function startProcessLiveness(options: ProcessLivenessOptions): ProcessLiveness {
  const { client, keys, processId, store } = options;
  let lost: SocketsLost = () => undefined;
  let holds = (_socketId: SocketId): boolean => true;
  let disowned = (): void => undefined;
  let closed = false;
  /** The heartbeat under way, if any (`close` waits for it). */
  let beating: Promise<void> | undefined;
  let listed = false;
  /**
   * Since when this process has reached Redis without a failure or a gap in its answers (undefined while it
   * fails). Another process's
   * `alive` key missing is taken for its stopping only once this process has been reaching Redis for
   * `processTimeoutMs`: after an outage longer than that every key has expired, the processes reconnect up to
   * seconds apart, and the first back took the others, alive, for stopped (each then closed all its connections;
   * found by review). By then every live process has set its key again.
   */
  let reachingSinceMs: number | undefined;
  /** When it last reached Redis (its start, before that): past `processTimeoutMs`, it is cut off. */
  let reachedAtMs = Date.now();
  let cutOff = (_lastFailure: unknown): void => undefined;
  /** The last error of a request since it last reached Redis: undefined when they went unanswered. */
  let lastFailure: unknown;
  let wasCutOff = false;
  const reached = (): void => {
    const nowMs = Date.now();
    // A gap in its answers is an outage too, though no command failed: node-redis holds commands through a short
    // one (its queue's time-out is 5 s), and never times out those already written (a partition) (found by review).
    if (reachingSinceMs === undefined || nowMs - reachedAtMs > 2 * options.heartbeatIntervalMs) reachingSinceMs = nowMs;
    reachedAtMs = nowMs;
    lastFailure = undefined;
  };
  const reachable = (): boolean => Date.now() - reachedAtMs <= options.processTimeoutMs;
  const failed = (error: unknown): void => {
    reachingSinceMs = undefined;
    lastFailure = error;
    options.onError(error);
  };
  /**
   * A periodic run's failure, unless the process closed meanwhile: the close cut it short (its Redis client closed
   * under it), which is no news, and a server's tests saw "The client is closed" logged at every close.
   */
  const unlessClosed =
    (report: (error: unknown) => void) =>
    (error: unknown): void => {
      if (!closed) report(error);
    };
  const judgesOthers = (): boolean =>
    reachingSinceMs !== undefined && Date.now() - reachingSinceMs >= options.processTimeoutMs;

  /**
   * The swarm's record, or undefined (its failure said) when it cannot be read: a loop over every swarm goes on past
   * it, where it stopped at it every time, the swarms after it never looked at.
   */
  const loadReadable = async (swarmId: string): Promise<StoredSwarm | undefined> => {
    try {
      return await store.load(swarmId);
    } catch (error) {
      if (!(error instanceof UnreadableSwarmRecordError)) throw error;
      options.onError(error);
      return undefined;
    }
  };

  const takeOver = async (stopped: ProcessId): Promise<void> => {
    for (const swarmId of await client.sMembers(keys.swarms)) {
      // Back meanwhile (it was alive, only late): it closes its connections itself (`disowned`), and those of
      // its tabs that reconnected to it must not be taken for its old ones, swarm after swarm.
      if ((await client.sIsMember(keys.processes, stopped)) === 1) return;
      const stored = await loadReadable(swarmId);
      if (!stored) continue;
      const socketIds = Object.entries(stored.owners).flatMap(([socketId, owner]) =>
        owner === stopped ? [socketId] : [],
      );
      if (socketIds.length > 0) lost(swarmId, socketIds);
    }
  };

  /** The Redis server's `run_id` when last asked: a new one is a restart (see `startProcessLiveness`). */
  let redisRunId: string | undefined;
  let runIdRefused = false;
  /**
   * Redis's `run_id`, or undefined where INFO is refused: it is `@dangerous` to Redis's ACLs, which a hardened user
   * (`+@all -@dangerous`) lacks, and the beat failed at it every time, the process never listed (found by review).
   * Said once; a restart from an older snapshot then goes unnoticed.
   */
  const readRunId = async (): Promise<string | undefined> => {
    if (runIdRefused) return undefined;
    try {
      return /^run_id:(\w+)/m.exec(String(await client.info('server')))?.[1];
    } catch (error) {
      if (!/NOPERM|unknown command/i.test(String(error))) throw error;
      runIdRefused = true;
      options.onError(
        new Error(`INFO refused (${String(error)}): a Redis restarted from an older snapshot goes unnoticed`),
      );
      return undefined;
    }
  };
  const beat = async (): Promise<void> => {
    await client.set(keys.alive(processId), '1', { PX: options.processTimeoutMs });
    reached();
    const runId = await readRunId();
    const restarted = redisRunId !== undefined && runId !== undefined && runId !== redisRunId;
    if (runId !== undefined) redisRunId = runId;
    const added = await client.sAdd(keys.processes, processId);
    if (listed && (added === 1 || restarted) && !closed) disowned();
    listed = true;
    for (const other of judgesOthers() ? await client.sMembers(keys.processes) : []) {
      if (other === processId || closed) continue;
      if ((await client.exists(keys.alive(other))) === 1) continue;
      if ((await client.sRem(keys.processes, other)) === 1) await takeOver(other);
    }
    await store.countSwarms();
  };

  let audited = 0;
  /** This process's sockets found unheld, by swarm: when each was first seen so. */
  let unheld = new Map<string, ReadonlyMap<SocketId, number>>();
  const audit = async (): Promise<void> => {
    const swarmIds = (await client.sMembers(keys.swarms)).sort();
    const batch = swarmIds.slice(audited, audited + AUDIT_BATCH);
    audited = audited + AUDIT_BATCH >= swarmIds.length ? 0 : audited + AUDIT_BATCH;
    const known = new Set(swarmIds);
    unheld = new Map([...unheld].filter(([swarmId]) => known.has(swarmId)));
    // Read before the swarms: a process that starts meanwhile sets its `alive` key before it lists itself.
    const listed = new Set(await client.sMembers(keys.processes));
    for (const swarmId of batch) {
      if (closed) return;
      const stored = await loadReadable(swarmId);
      if (!stored) continue;
      // Asked again for each swarm, after its load, never kept: a process taken for stopped that came back
      // meanwhile (its tabs reconnecting to it) has set its `alive` key before any of its new sockets was
      // written, and must not lose them (found by review).
      const alive = new Map<ProcessId, boolean>();
      const seenBefore = unheld.get(swarmId);
      const seenNow = new Map<SocketId, number>();
      const gone: SocketId[] = [];
      for (const [socketId, owner] of Object.entries(stored.owners)) {
        if (owner === processId) {
          if (holds(socketId)) continue;
          const since = seenBefore?.get(socketId) ?? Date.now();
          if (Date.now() - since >= UNHELD_SOCKET_MS) gone.push(socketId);
          else seenNow.set(socketId, since);
        } else if (!listed.has(owner) && judgesOthers()) {
          if (!alive.has(owner)) alive.set(owner, (await client.exists(keys.alive(owner))) === 1);
          if (!alive.get(owner)) gone.push(socketId);
        }
      }
      if (seenNow.size > 0) unheld.set(swarmId, seenNow);
      else unheld.delete(swarmId);
      if (gone.length > 0) lost(swarmId, gone);
    }
  };
  const auditTimer = everyInTurn(options.auditIntervalMs, audit, {
    stopped: () => closed,
    onError: unlessClosed(options.onError),
  });

  const tick = (): void => {
    if (beating || closed) return;
    beating = beat()
      .catch(unlessClosed(failed))
      .finally(() => (beating = undefined));
  };
  const timer = setInterval(tick, options.heartbeatIntervalMs);
  timer.unref();
  // Said on a timer of its own as well: a beat that takes long (taking over a stopped process's sockets, swarm
  // after swarm, on a slow Redis) must not make this process look stopped in its turn. One at a time: with
  // Redis down, node-redis would queue one a second for as long as it is down.
  const aliveTimer = everyInTurn(
    options.heartbeatIntervalMs,
    async () => {
      await client.set(keys.alive(processId), '1', { PX: options.processTimeoutMs });
      reached();
    },
    { stopped: () => closed, onError: unlessClosed(failed) },
  );
  tick();
  // Its own clock, not Redis: a process whose connection to Redis stays open but unanswered (a partition, a
  // paused Redis host) waited for ever on every request while the others took its members over and gave them up,
  // its tabs connected to it all along (found by review). Past the timeout it lets them go, to reconnect where
  // Redis answers (or here, once it does: until then it takes no connection and its health check fails).
  const watchdog = setInterval(() => {
    if (closed) return;
    const isCutOff = !reachable();
    if (isCutOff && !wasCutOff) cutOff(lastFailure);
    wasCutOff = isCutOff;
  }, options.heartbeatIntervalMs);
  watchdog.unref();

  return {
    get reachable() {
      return reachable();
    },
    onCutOff(callback) {
      cutOff = callback;
    },
    onSocketsLost(callback, holding) {
      lost = callback;
      holds = holding;
    },
    onDisowned(callback) {
      disowned = callback;
    },
    async close() {
      this.stop();
      // A beat under way finishes first: its writes are this process's own, and the client closes after this.
      await beating;
      await client.del(keys.alive(processId));
    },
    stop() {
      closed = true;
      clearInterval(timer);
      clearInterval(aliveTimer);
      clearInterval(auditTimer);
      clearInterval(watchdog);
    },
  };
}
