import { randomBytes } from 'node:crypto';
import { DEFAULT_RUN_CONFIG, type Manifest } from '@swarmlab/protocol';
import { startRedisServer, type TestRedisServer } from '@swarmlab/test-kit/server';
import { ErrorReply, SocketClosedUnexpectedlyError } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlDigestOf, memberKeyDigestOf } from '../src/control-secret';
import { resolveLimits } from '../src/limits';
import { createRedisClient, type RedisClient } from '../src/redis-client';
import { createRedisSwarmStore, redisKeys } from '../src/redis-swarm-store';
import type { SwarmWorld } from '../src/swarm-store';
import { sealOf, swarmIdOfSeal } from '../src/swarm-seal';
import { makeManifest } from './harness';

/**
 * How the next commits (`EVAL`) fare: answered; run in Redis, their answer then lost with the connection (node-redis
 * rejects every command already written when it drops); lost before Redis ran them; or refused by Redis itself.
 */
type EvalFate = 'answered' | 'ran-then-dropped' | 'dropped-unrun' | 'error-reply';

let redis: TestRedisServer;
let real: RedisClient;
let manifest: Manifest;
let contentId: string;
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  real = createRedisClient(redis.url);
  await real.connect();
  ({ manifest, contentId } = await makeManifest());
});
afterAll(async () => {
  real.destroy();
  await redis.stop();
});

/** A store over the real Redis, under a prefix of its own, whose commits fare as `fate` says; `reads` counts HGETALLs. */
function storeOverFlakyClient() {
  const fate: { next: EvalFate } = { next: 'answered' };
  const reads = { afterEval: 0 };
  let evaluated = false;
  const client = new Proxy(real, {
    get(target, property) {
      if (property === 'eval')
        return async (...args: Parameters<RedisClient['eval']>) => {
          evaluated = true;
          if (fate.next === 'dropped-unrun') throw new SocketClosedUnexpectedlyError();
          if (fate.next === 'error-reply') throw new ErrorReply('OOM command not allowed when used memory > maxmemory');
          const answer = await target.eval(...args);
          if (fate.next === 'ran-then-dropped') throw new SocketClosedUnexpectedlyError();
          return answer;
        };
      if (property === 'hGetAll' && evaluated) reads.afterEval++;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  const keys = redisKeys(`lost-commit-${++prefixes}:`);
  const store = createRedisSwarmStore({
    client,
    keys,
    processId: 'this-process',
    limits: resolveLimits(),
    nowMs: () => Date.now(),
    randomBytes: (byteCount) => randomBytes(byteCount),
  });
  return { store, keys, fate, reads };
}

const CONTROL = controlDigestOf('C'.repeat(22));
const SEAL = sealOf('S'.repeat(22), CONTROL);
const ADDRESS = '192.0.2.1';

/** The founder's change, as `swarm:create` makes it. */
function creation(socketId: string) {
  const swarmId = swarmIdOfSeal(SEAL, contentId);
  const change = (world: SwarmWorld) => {
    const founder = { peerId: 'founder', socketId, keyDigest: memberKeyDigestOf('K'.repeat(22)), address: ADDRESS };
    const created = world.registry.create({ swarmId, contentId, manifest, founder, seal: SEAL });
    if (!created.ok) return created;
    world.quotas.swarmCreated(ADDRESS, swarmId);
    world.seats.seated(swarmId, 'founder', ADDRESS);
    return { ok: true as const, joinCode: world.joinCodes.ensure({ swarmId, contentId }) };
  };
  return { swarmId, change, how: { manifest, creator: ADDRESS, creatorLimited: true } };
}

const joinOf = (swarmId: string, socketId: string) => (world: SwarmWorld) => {
  const joined = world.registry.join(swarmId, {
    peerId: 'joiner',
    socketId,
    keyDigest: memberKeyDigestOf('J'.repeat(22)),
    address: ADDRESS,
  });
  if (joined.ok) world.seats.seated(swarmId, 'joiner', ADDRESS);
  return joined.ok;
};

describe('a commit whose answer was lost with the connection', () => {
  it('that Redis ran is a swarm created: its founder follows it, and it counts', async () => {
    const { store, fate, reads } = storeOverFlakyClient();
    const { swarmId, change, how } = creation('founder-socket');
    fate.next = 'ran-then-dropped';
    const updated = await store.update(swarmId, change, how);
    expect(updated).toMatchObject({ ok: true, value: { ok: true } });
    expect(reads.afterEval).toBe(1);
    // Followed: the founder's socket may create or join no other swarm, and its leave will end this one.
    expect(store.followedSwarmOf('founder-socket')).toBe(swarmId);
    expect(store.membershipOf('founder-socket')).toEqual({ swarmId, peerId: 'founder' });
    expect(store.stats().swarms).toBe(1);
  });

  it('that Redis ran is a join made and a run started, not a run live in Redis that nobody was told of', async () => {
    const { store, fate } = storeOverFlakyClient();
    const { swarmId, change, how } = creation('founder-socket');
    await store.update(swarmId, change, how);
    fate.next = 'ran-then-dropped';
    expect(await store.update(swarmId, joinOf(swarmId, 'joiner-socket'))).toEqual({ ok: true, value: true });
    expect(store.followedSwarmOf('joiner-socket')).toBe(swarmId);
    const started = await store.update(swarmId, (world) =>
      world.registry.startRun('founder-socket', DEFAULT_RUN_CONFIG),
    );
    expect(started).toMatchObject({ ok: true, value: { ok: true, started: { runNumber: 1 } } });
  });

  it('that Redis ran is a swarm ended: its last member follows it no more', async () => {
    const { store, keys, fate } = storeOverFlakyClient();
    const { swarmId, change, how } = creation('founder-socket');
    await store.update(swarmId, change, how);
    fate.next = 'ran-then-dropped';
    const left = await store.update(swarmId, (world) => world.registry.leave('founder-socket'));
    expect(left).toMatchObject({ ok: true, value: { swarmDeleted: true } });
    expect(store.followedSwarmOf('founder-socket')).toBeUndefined();
    expect(await real.sIsMember(keys.swarms, swarmId)).toBe(0);
  });

  it('that Redis never ran fails as before, leaving nothing in Redis and the socket free', async () => {
    const { store, keys, fate } = storeOverFlakyClient();
    const { swarmId, change, how } = creation('founder-socket');
    fate.next = 'dropped-unrun';
    await expect(store.update(swarmId, change, how)).rejects.toBeInstanceOf(SocketClosedUnexpectedlyError);
    expect(store.followedSwarmOf('founder-socket')).toBeUndefined();
    expect(await real.sCard(keys.swarms)).toBe(0);
  });

  it('answered with an error reply is not written, and the swarm is not read again for it', async () => {
    const { store, fate, reads } = storeOverFlakyClient();
    const { swarmId, change, how } = creation('founder-socket');
    fate.next = 'error-reply';
    await expect(store.update(swarmId, change, how)).rejects.toBeInstanceOf(ErrorReply);
    expect(reads.afterEval).toBe(0);
    expect(store.followedSwarmOf('founder-socket')).toBeUndefined();
  });
});
