import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../src/server/index';
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
