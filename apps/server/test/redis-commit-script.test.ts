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
