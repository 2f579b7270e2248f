import { startRedisServer, type TestRedisServer } from '@swarmlab/test-kit/server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMMIT_SWARM_SCRIPT, type CommitAnswer } from '../src/redis-commit-script';
import { createRedisClient, type RedisClient } from '../src/redis-client';
import { redisKeys } from '../src/redis-swarm-store';

let redis: TestRedisServer;
let client: RedisClient;
const keys = redisKeys('commit-test:');
const SWARM = 'S'.repeat(22);

beforeAll(async () => {
  redis = await startRedisServer();
  client = createRedisClient(redis.url);
  await client.connect();
});
afterAll(async () => {
  client.destroy();
  await redis.stop();
});

/** One write of `SWARM` as the store makes it: `doc` '' deletes it; `versionRead` 0 for a swarm not read. */
async function commit(versionRead: number, doc: string): Promise<CommitAnswer> {
  return (await client.eval(COMMIT_SWARM_SCRIPT, {
    keys: [
      keys.swarm(SWARM),
      keys.manifest(SWARM),
      keys.sockets(SWARM),
      keys.swarms,
      keys.creators,
      keys.codes,
      keys.versions,
    ],
    arguments: [String(versionRead), doc, SWARM, '127.0.0.1', '10', '', 'CODE', '{}', '{"manifest":1}'],
  })) as CommitAnswer;
}

const versionNow = async (): Promise<number> => Number(await client.hGet(keys.swarm(SWARM), 'version'));

it('never gives a swarm registered again a version a read of the ended one could hold', async () => {
  expect(await commit(0, 'first life')).toBe('ok');
  const readBeforeTheEnd = await versionNow();
  // The swarm ends through one process and its members register it again (`swarm:restore`) through another.
  expect(await commit(readBeforeTheEnd, '')).toBe('ok');
  expect(await commit(0, 'second life')).toBe('ok');
  // A third process writes what it read of the first life: refused, and the second life stays.
  expect(await commit(readBeforeTheEnd, 'first life, changed')).toBe('conflict');
  expect(await client.hGet(keys.swarm(SWARM), 'doc')).toBe('second life');
  // The compare-and-set still passes for a read of the swarm as it is.
  expect(await commit(await versionNow(), 'second life, changed')).toBe('ok');
  expect(await client.hGet(keys.swarm(SWARM), 'doc')).toBe('second life, changed');
});

it('goes on above a version written before there was a counter, never back to a version a reader holds', async () => {
  // A live swarm written by the version before (its last plus one, no counter), then a write of this version.
  await client.del(keys.versions);
  await client.hSet(keys.swarm(SWARM), { version: '5', doc: 'written before the counter' });
  expect(await commit(5, 'after the upgrade')).toBe('ok');
  expect(await versionNow()).toBe(6);
  // A process still holding its read at 5 is refused, however many writes later.
  for (let write = 0; write < 5; write++) expect(await commit(await versionNow(), `write ${write}`)).toBe('ok');
  expect(await versionNow()).toBeGreaterThan(6);
  expect(await commit(5, 'a stale write')).toBe('conflict');
  expect(await client.hGet(keys.swarm(SWARM), 'doc')).toBe('write 4');
});
