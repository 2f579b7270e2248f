import type { RedisClient, RedisKeys, ProcessId, RedisSwarmStore } from './redis-swarm-store';
import type { SocketsLost } from './swarm-store';

export interface ProcessLivenessOptions {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly processId: ProcessId;
  readonly store: RedisSwarmStore;
  /** How often this process says it is alive and looks for processes that stopped. */
  readonly heartbeatIntervalMs: number;
  /** A process that has not said so for this long is taken for stopped. */
  readonly processTimeoutMs: number;
  readonly onError: (error: unknown) => void;
}

export interface ProcessLiveness {
  /** Tells `lost` about the sockets of each stopped process, swarm by swarm. */
  onSocketsLost(lost: SocketsLost): void;
  /** Calls `disowned` when this process, alive, finds itself no longer listed (see `SwarmState.onDisowned`). */
  onDisowned(disowned: () => void): void;
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
 * snapshot): it tells `disowned`, whose sockets must take their places back as if they had reconnected.
 */
export function startProcessLiveness(options: ProcessLivenessOptions): ProcessLiveness {
  const { client, keys, processId, store } = options;
  let lost: SocketsLost = () => undefined;
  let disowned = (): void => undefined;
  let closed = false;
  let beating = false;
  let listed = false;

  const takeOver = async (stopped: ProcessId): Promise<void> => {
    for (const swarmId of await client.sMembers(keys.swarms)) {
      // Back meanwhile (it was alive, only late): it closes its connections itself (`disowned`), and those of
      // its tabs that reconnected to it must not be taken for its old ones, swarm after swarm.
      if ((await client.sIsMember(keys.processes, stopped)) === 1) return;
      const stored = await store.load(swarmId);
      if (!stored) continue;
      const socketIds = Object.entries(stored.owners).flatMap(([socketId, owner]) =>
        owner === stopped ? [socketId] : [],
      );
      if (socketIds.length > 0) lost(swarmId, socketIds);
    }
  };

  const beat = async (): Promise<void> => {
    await client.set(keys.alive(processId), '1', { PX: options.processTimeoutMs });
    const added = await client.sAdd(keys.processes, processId);
    if (listed && added === 1 && !closed) disowned();
    listed = true;
    for (const other of await client.sMembers(keys.processes)) {
      if (other === processId || closed) continue;
      if ((await client.exists(keys.alive(other))) === 1) continue;
      if ((await client.sRem(keys.processes, other)) === 1) await takeOver(other);
    }
    await store.countSwarms();
  };

  const tick = (): void => {
    if (beating || closed) return;
    beating = true;
    beat()
      .catch(options.onError)
      .finally(() => (beating = false));
  };
  const timer = setInterval(tick, options.heartbeatIntervalMs);
  timer.unref();
  // Said on a timer of its own as well: a beat that takes long (taking over a stopped process's sockets, swarm
  // after swarm, on a slow Redis) must not make this process look stopped in its turn.
  let refreshing = false;
  const aliveTimer = setInterval(() => {
    // One at a time: with Redis down, node-redis would queue one a second for as long as it is down.
    if (closed || refreshing) return;
    refreshing = true;
    client
      .set(keys.alive(processId), '1', { PX: options.processTimeoutMs })
      .catch(options.onError)
      .finally(() => (refreshing = false));
  }, options.heartbeatIntervalMs);
  aliveTimer.unref();
  tick();

  return {
    onSocketsLost(callback) {
      lost = callback;
    },
    onDisowned(callback) {
      disowned = callback;
    },
    async close() {
      this.stop();
      await client.del(keys.alive(processId));
    },
    stop() {
      closed = true;
      clearInterval(timer);
      clearInterval(aliveTimer);
    },
  };
}
