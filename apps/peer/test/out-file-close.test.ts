import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testFile } from '@swarmlab/test-kit';
import { afterEach, expect, it, vi } from 'vitest';

/** Whether the next file handle closed fails, as a network share reports a write that failed (close(2) says so). */
const closes = { fail: false };

// A handle's `close` is its own (a class field), not its prototype's: the handles `open` gives are wrapped.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const close = handle.close.bind(handle);
      Object.defineProperty(handle, 'close', {
        value: async () => {
          await close();
          if (closes.fail) throw Object.assign(new Error('EIO: i/o error, close'), { code: 'EIO' });
        },
      });
      return handle;
    },
  };
});

const { outFileLeecherStorage } = await import('../src/leecher-storage');
const { HeadlessPeerError } = await import('../src/headless-peer-error');

const dirs: string[] = [];
afterEach(() => {
  closes.fail = false;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('removes a .part whose file would not close, and says so in a line of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-close-'));
  dirs.push(dir);
  const out = join(dir, 'copy.bin');
  const file = await testFile(40_000, 16_384);
  const storage = await outFileLeecherStorage(out);
  const store = await storage.openRun(file.manifest);
  await store.put(0, file.bytes.subarray(0, 16_384));
  closes.fail = true;
  // Before: the close's own error (printed with its stack), and the .part left behind.
  await expect(storage.close()).rejects.toThrow(
    new HeadlessPeerError(`could not close ${out}.part: EIO: i/o error, close`),
  );
  expect(readdirSync(dir)).toEqual([]);
});

it('keeps the reason a start failed, and its exit code, when its .part will not close either', async () => {
  const { startHeadlessPeer } = await import('../src/headless-peer');
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-close-'));
  dirs.push(dir);
  const interrupted = new AbortController();
  interrupted.abort(new HeadlessPeerError('interrupted before the peer was in its swarm', 130));
  closes.fail = true;
  // Aborted before it connects: no socket is made. Before, only "could not close …", exit code 1.
  const failed = startHeadlessPeer({
    swarmLink: `http://127.0.0.1:1/#/swarm/${'A'.repeat(22)}/${'0'.repeat(64)}`,
    outFile: join(dir, 'copy.bin'),
    signal: interrupted.signal,
  });
  await expect(failed).rejects.toMatchObject({
    exitCode: 130,
    message: `interrupted before the peer was in its swarm; and could not close ${join(dir, 'copy.bin')}.part: EIO: i/o error, close`,
  });
  expect(readdirSync(dir)).toEqual([]);
});
