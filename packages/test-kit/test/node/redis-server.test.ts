import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/server/redis-server';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Whether something accepts connections on the loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('a redis-server a test started', () => {
  it('goes with the process that started it, even one killed without its teardown (SIGKILL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-redis-'));
    scratch.push(dir);
    const script = join(dir, 'start.mts');
    const source = join(import.meta.dirname, '../../src/server/redis-server.ts');
    writeFileSync(
      script,
      `import { startRedisServer } from ${JSON.stringify(source)};\n` +
        `const redis = await startRedisServer();\nconsole.log(redis.port, redis.pid);\nsetInterval(() => {}, 1000);\n`,
    );
    // One process (`node --import tsx`, not the tsx CLI, which runs the script in a child of its own).
    const starter = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [port, pid] = await new Promise<number[]>((resolve, reject) => {
      starter.stdout.once('data', (data: Buffer) => resolve(String(data).trim().split(' ').map(Number)));
      starter.once('exit', (code) => reject(new Error(`the starter exited with ${code} before starting Redis`)));
    });
    try {
      expect(await accepts(port!)).toBe(true);
      starter.kill('SIGKILL');
      await expect.poll(() => accepts(port!), { timeout: 5_000 }).toBe(false);
    } finally {
      // Failed, the test leaves no Redis behind either.
      try {
        process.kill(pid!, 'SIGKILL');
      } catch {
        // Gone, as it should be.
      }
    }
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
