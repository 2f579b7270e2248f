import { describe, expect, it } from 'vitest';
import { startProcessLiveness } from '../src/process-liveness';
import type { RedisClient, RedisSwarmStore, StoredSwarm } from '../src/redis-swarm-store';
import { redisKeys } from '../src/redis-swarm-store';

/**
 * A Redis that answers what the audit of sockets nobody holds reads: two swarms whose sockets are recorded
 * as held by process B, not listed; B's `alive` key missing at the first ask and back at every later one (B
 * was taken for stopped, came back, and its tabs reconnected to it).
 */
function redisWithProcessComingBack() {
  const keys = redisKeys('t:');
  let aliveAsks = 0;
  const client = {
    set: async () => 'OK',
    info: async () => 'redis_version:7.0.15\r\nrun_id:0123456789abcdef\r\n',
    sAdd: async () => 0,
    sRem: async () => 0,
    exists: async (key: string) => (key === keys.alive('B') ? (aliveAsks++ === 0 ? 0 : 1) : 1),
    sMembers: async (key: string) => (key === keys.swarms ? ['s1', 's2'] : ['A']),
    del: async () => 1,
  } as unknown as RedisClient;
  const stored = (socketId: string) => ({ owners: { [socketId]: 'B' } }) as unknown as StoredSwarm;
  const store = {
    load: async (swarmId: string) => stored(swarmId === 's1' ? 'gone-with-b' : 'reconnected-to-b'),
    countSwarms: async () => 2,
  } as unknown as RedisSwarmStore;
  return { client, keys, store };
}

describe('the audit of sockets nobody holds', () => {
  it('asks whether their process is alive for each swarm, so a process back meanwhile keeps its new sockets', async () => {
    const { client, keys, store } = redisWithProcessComingBack();
    const lost: string[] = [];
    const liveness = startProcessLiveness({
      client,
      keys,
      processId: 'A',
      store,
      heartbeatIntervalMs: 3_600_000,
      // Short: B is judged only once this process has reached Redis that long (see the outage below).
      processTimeoutMs: 10,
      auditIntervalMs: 10,
      onError: (error) => {
        throw error;
      },
    });
    liveness.onSocketsLost(
      (_swarmId, socketIds) => lost.push(...socketIds),
      () => true,
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
    } finally {
      liveness.stop();
    }
    // The first swarm's socket, read while B was not alive, is handed over; the second's, read once B was back,
    // is not (an answer kept for the whole batch suspended a member connected to a live process).
    expect(lost[0]).toBe('gone-with-b');
    expect(lost).not.toContain('reconnected-to-b');
  });
});

/**
 * Process A's liveness over a Redis of processes A and B with no swarm, every command answered through `answered`
 * (at once by default: a test makes it throw, or hold), `removed` what A took B out of the list for.
 */
function livenessOfA(options: {
  readonly answered?: <T>(value: T) => Promise<T>;
  readonly bAlive: () => boolean;
  readonly heartbeatIntervalMs: number;
  readonly processTimeoutMs: number;
  /** Redis's answer to INFO (a hardened ACL user is refused it). */
  readonly info?: () => Promise<string>;
}) {
  const keys = redisKeys('t:');
  const answered = options.answered ?? (<T>(value: T) => Promise.resolve(value));
  const removed: string[] = [];
  const errors: string[] = [];
  const client = {
    set: async () => answered('OK'),
    info: options.info ?? (async () => answered('redis_version:7.0.15\r\nrun_id:0123456789abcdef\r\n')),
    sAdd: async () => answered(0),
    sRem: async (_key: string, member: string) => (removed.push(member), answered(1)),
    exists: async () => answered(options.bAlive() ? 1 : 0),
    sMembers: async (key: string) => answered(key === keys.swarms ? [] : ['A', 'B']),
    del: async () => answered(1),
  } as unknown as RedisClient;
  const store = { load: async () => undefined, countSwarms: async () => 0 } as unknown as RedisSwarmStore;
  const liveness = startProcessLiveness({
    client,
    keys,
    processId: 'A',
    store,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    processTimeoutMs: options.processTimeoutMs,
    auditIntervalMs: 3_600_000,
    onError: (error) => errors.push(String(error)),
  });
  /** Lets the liveness run for `ms`, then stops it. */
  const runFor = async (ms: number): Promise<void> => {
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      liveness.stop();
    }
  };
  return { liveness, removed, errors, runFor };
}

describe('the look for processes that stopped', () => {
  it('waits, after Redis was out of reach, for the others to say again that they are alive', async () => {
    const startedAtMs = Date.now();
    const at = () => Date.now() - startedAtMs;
    // Redis out of reach for this process's first 60 ms; B's `alive` key expired during the outage, and B sets
    // it again 40 ms after Redis is back (its client reconnecting a little later than this one's).
    const { removed, runFor } = livenessOfA({
      answered: async (value) => {
        if (at() < 60) throw new Error('connection refused');
        return value;
      },
      bAlive: () => at() >= 100,
      heartbeatIntervalMs: 5,
      processTimeoutMs: 80,
    });
    await runFor(300);
    // Before, the first beat once Redis was back found B's key missing and took B, alive, for stopped.
    expect(removed).toEqual([]);
  });

  it('waits as long after an outage no command failed in, node-redis having held its commands', async () => {
    const startedAtMs = Date.now();
    const at = () => Date.now() - startedAtMs;
    // Redis answers at once until 200 ms, then holds every command until 300 ms (a short restart: node-redis
    // queues them, and none fails). B's `alive` key is missing from 280 ms (expired meanwhile) until 340 ms.
    const { removed, runFor } = livenessOfA({
      answered: (value) =>
        at() < 200 || at() >= 300
          ? Promise.resolve(value)
          : new Promise((resolve) => setTimeout(() => resolve(value), 300 - at())),
      bAlive: () => at() < 280 || at() >= 340,
      heartbeatIntervalMs: 5,
      processTimeoutMs: 100,
    });
    await runFor(500);
    expect(removed).toEqual([]);
  });
});

describe('a process whose Redis user may not run INFO', () => {
  it('still says it is alive and takes stopped processes over, saying once that it cannot see a restart', async () => {
    const { removed, errors, runFor } = livenessOfA({
      info: async () => {
        throw new Error("NOPERM User app has no permissions to run the 'info' command");
      },
      bAlive: () => false,
      heartbeatIntervalMs: 5,
      processTimeoutMs: 20,
    });
    await runFor(200);
    // Before, every beat failed at INFO: the process never listed, B never taken over, an error a beat.
    expect(removed).toContain('B');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('INFO refused');
  });
});

describe('a process whose Redis stops answering', () => {
  it('is told it is cut off once the process timeout passed without an answer, and once only', async () => {
    let answering = true;
    // Past its first answers, a connection that stays open and answers nothing (a partition): never settled.
    const { liveness, runFor } = livenessOfA({
      answered: (value) => (answering ? Promise.resolve(value) : new Promise(() => {})),
      bAlive: () => true,
      heartbeatIntervalMs: 10,
      processTimeoutMs: 60,
    });
    const cutOffs: unknown[] = [];
    liveness.onCutOff((lastFailure) => cutOffs.push(lastFailure));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([liveness.reachable, cutOffs]).toEqual([true, []]);
    answering = false;
    await runFor(200);
    // No error to name: its requests went unanswered.
    expect([liveness.reachable, cutOffs]).toEqual([false, [undefined]]);
  });

  it('names the error Redis answered its requests with, once it is cut off: an error reply is no silence', async () => {
    let refusing = false;
    const oom = new Error("OOM command not allowed when used memory > 'maxmemory'.");
    const { liveness, runFor } = livenessOfA({
      answered: (value) => (refusing ? Promise.reject(oom) : Promise.resolve(value)),
      bAlive: () => true,
      heartbeatIntervalMs: 10,
      processTimeoutMs: 60,
    });
    const cutOffs: unknown[] = [];
    liveness.onCutOff((lastFailure) => cutOffs.push(lastFailure));
    await new Promise((resolve) => setTimeout(resolve, 50));
    refusing = true;
    await runFor(200);
    expect([liveness.reachable, cutOffs]).toEqual([false, [oom]]);
  });
});
