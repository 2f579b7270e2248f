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
      processTimeoutMs: 5000,
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
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      liveness.stop();
    }
    // The first swarm's socket, read while B was not alive, is handed over; the second's, read once B was back,
    // is not (an answer kept for the whole batch suspended a member connected to a live process).
    expect(lost[0]).toBe('gone-with-b');
    expect(lost).not.toContain('reconnected-to-b');
  });
});
