import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answersHealthCheck,
  freePort,
  serverEnvironment,
  startRedisServer,
  startServerProcess,
} from '../../src/server/index';
import { expectGoneWithItsStarter } from './orphans';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('a server process started on a port already taken', () => {
  it('is refused at once, rather than taking the other server for its own', async () => {
    // A server left over from an earlier run, healthy on every path.
    const leftover = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => leftover.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => leftover.close(() => resolve())));
    const { port } = leftover.address() as AddressInfo;
    // Before, its health check answered and the test went on against it (and `kill()` killed nothing).
    await expect(startServerProcess({ port, quiet: true })).rejects.toThrow(/port \d+ is already in use/);
  });
});

describe('the health check of a server process', () => {
  it('gives up on a server that takes the connection and never answers, within its timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const startedMs = Date.now();
    // Before, it waited for undici's default of 300 s, and `startServerProcess`'s 30 s start limit with it.
    await expect(answersHealthCheck(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, 300)).resolves.toBe(
      false,
    );
    expect(Date.now() - startedMs).toBeLessThan(5000);
  }, 10_000);
});

describe('a server process a test started', () => {
  it('goes with the process that started it, even one killed without its teardown (SIGKILL)', async () => {
    // A Playwright worker thrown away after a timeout left it holding its port: the retry was refused it.
    const source = join(import.meta.dirname, '../../src/server/index.ts');
    const freePort = join(import.meta.dirname, '../../src/server/redis-server.ts');
    await expectGoneWithItsStarter(
      `import { startServerProcess } from ${JSON.stringify(source)};\n` +
        `import { freePort } from ${JSON.stringify(freePort)};\n` +
        `const server = await startServerProcess({ port: await freePort(), quiet: true });\n` +
        `console.log(new URL(server.origin).port, server.pid);`,
    );
  }, 40_000);
});

describe('the error lines of a server process a test started', () => {
  it('are none while nothing fails, and collect what it logs once something does (its Redis gone)', async () => {
    const redis = await startRedisServer();
    closers.push(() => redis.stop());
    const server = await startServerProcess({
      port: await freePort(),
      quiet: true,
      env: { SWARMLAB_REDIS_URL: redis.url },
    });
    closers.push(() => server.kill());
    expect(server.errorLines).toEqual([]);
    await redis.stop();
    // Its Redis client and heartbeat fail within the second: before, nothing but the scrolling output said so.
    await expect
      .poll(() => server.errorLines, { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/^error: redis:/));
  }, 30_000);
});

describe('the environment of a server process a test starts', () => {
  it('leaves out the classroom settings an operator exported, unless the test gives them', () => {
    const exported = {
      SWARMLAB_ICE_SERVERS: '[{"urls":"stun:stun.example.org"}]',
      SWARMLAB_REDIS_URL: 'redis://10.0.0.2',
    };
    const before = { ice: process.env['SWARMLAB_ICE_SERVERS'], redis: process.env['SWARMLAB_REDIS_URL'] };
    Object.assign(process.env, exported);
    try {
      // Before, a STUN server exported for a lesson was handed to every test page, and test swarms went to its Redis.
      const env = serverEnvironment();
      expect(env['SWARMLAB_ICE_SERVERS']).toBeUndefined();
      expect(env['SWARMLAB_REDIS_URL']).toBeUndefined();
      expect(env['PATH']).toBe(process.env['PATH']);
      expect(serverEnvironment({ SWARMLAB_REDIS_URL: 'redis://127.0.0.1:7000' })['SWARMLAB_REDIS_URL']).toBe(
        'redis://127.0.0.1:7000',
      );
    } finally {
      if (before.ice === undefined) delete process.env['SWARMLAB_ICE_SERVERS'];
      else process.env['SWARMLAB_ICE_SERVERS'] = before.ice;
      if (before.redis === undefined) delete process.env['SWARMLAB_REDIS_URL'];
      else process.env['SWARMLAB_REDIS_URL'] = before.redis;
    }
  });
});

describe('the end of a server process a test started', () => {
  it('is awaited by `kill()`, and told when the process dies unasked', async () => {
    const killed = await startServerProcess({ port: await freePort(), quiet: true });
    closers.push(() => killed.kill());
    let told: string | undefined;
    void killed.ended.then((how) => (told = how));
    await killed.kill();
    // Its output read to the end once `kill()` settles, so `errorLines` holds what it logged last.
    await Promise.resolve();
    expect(told).toBe('signal SIGKILL');

    const crashed = await startServerProcess({ port: await freePort(), quiet: true });
    closers.push(() => crashed.kill());
    // Dead by another hand (out of memory, a crash): the suite's server must say so, not serve nothing in silence.
    process.kill(crashed.pid, 'SIGKILL');
    await expect(crashed.ended).resolves.toBe('signal SIGKILL');
  }, 40_000);
});
