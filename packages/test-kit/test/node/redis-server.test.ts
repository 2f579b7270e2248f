import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/server/redis-server';
import { expectGoneWithItsStarter } from './orphans';

describe('a redis-server a test started', () => {
  it('goes with the process that started it, even one killed without its teardown (SIGKILL)', async () => {
    const source = join(import.meta.dirname, '../../src/server/redis-server.ts');
    await expectGoneWithItsStarter(
      `import { startRedisServer } from ${JSON.stringify(source)};\n` +
        `const redis = await startRedisServer();\nconsole.log(redis.port, redis.pid);`,
    );
  });

  it('says to install redis-server where there is none', async () => {
    const before = process.env['REDIS_SERVER_PATH'];
    process.env['REDIS_SERVER_PATH'] = '/nonexistent/redis-server';
    try {
      await expect(startRedisServer()).rejects.toThrow(/could not be started \(apt-get install -y redis-server\)/);
    } finally {
      if (before === undefined) delete process.env['REDIS_SERVER_PATH'];
      else process.env['REDIS_SERVER_PATH'] = before;
    }
  });
});
