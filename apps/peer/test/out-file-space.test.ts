import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testFile } from '@swarmlab/test-kit';
import { afterEach, expect, it, vi } from 'vitest';

/** What the disk is said to have free, in bytes; undefined: what it has. */
const disk: { freeBytes: number | undefined; unsupported: boolean } = { freeBytes: undefined, unsupported: false };

// A disk cannot be filled for a test: statfs says what this one has free (its block size kept).
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    statfs: async (path: string) => {
      if (disk.unsupported)
        throw Object.assign(new Error('ENOSYS: function not implemented, statfs'), { code: 'ENOSYS' });
      const real = await actual.statfs(path);
      if (disk.freeBytes === undefined) return real;
      return { ...real, bavail: Math.floor(disk.freeBytes / real.bsize) };
    },
  };
});

const { byteSize, outFileLeecherStorage } = await import('../src/leecher-storage');

const dirs: string[] = [];
afterEach(() => {
  disk.freeBytes = undefined;
  disk.unsupported = false;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const storageIn = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-space-'));
  dirs.push(dir);
  return { dir, storage: await outFileLeecherStorage(join(dir, 'lecture.bin')) };
};

it('refuses, before the run, a file larger than the free space of the --out disk, saying both sizes', async () => {
  const { dir, storage } = await storageIn();
  const { manifest } = await testFile(3 * 1024 * 1024, 256 * 1024);
  disk.freeBytes = 1024 * 1024;
  expect(await storage.refusal(manifest)).toBe(
    `${manifest.name} is 3.0 MiB, and the disk of ${dir} has 1.0 MiB free: make room, or give --out a path on ` +
      'another disk',
  );
  disk.freeBytes = 4 * 1024 * 1024;
  expect(await storage.refusal(manifest)).toBeUndefined();
  await storage.close();
});

it('does not refuse where the file system cannot say its free space', async () => {
  const { storage } = await storageIn();
  const { manifest } = await testFile(40_000, 16_384);
  disk.unsupported = true;
  expect(await storage.refusal(manifest)).toBeUndefined();
  await storage.close();
});

it('says sizes in the unit that reads best', () => {
  expect([512, 2048, 5 * 1024 ** 2, 8.25 * 1024 ** 3].map(byteSize)).toEqual([
    '512 bytes',
    '2.0 KiB',
    '5.0 MiB',
    '8.3 GiB',
  ]);
});

it('refuses a later run without room beside the file an earlier run kept, before it downloads', async () => {
  const { dir, storage } = await storageIn();
  const file = await testFile(3 * 1024 * 1024, 256 * 1024);
  const store = await storage.openRun(file.manifest);
  for (let index = 0; index < 12; index++)
    await store.put(index, file.bytes.subarray(index * 256 * 1024, (index + 1) * 256 * 1024));
  await storage.keepRun();
  // Room for one copy only: the kept file's blocks are no room for the next download (they were counted as free).
  disk.freeBytes = 1024 * 1024;
  expect(await storage.refusal(file.manifest)).toMatch(/has 1\.0 MiB free/);
  // Before, run 2 began and failed minutes in, at the first chunk that did not fit.
  await expect(storage.openRun(file.manifest)).rejects.toThrow(
    `${file.manifest.name} is 3.0 MiB, and the disk of ${dir} has 1.0 MiB free: make room, or give --out a path on ` +
      'another disk (beside the file an earlier run kept)',
  );
  disk.freeBytes = undefined;
  expect(await storage.openRun(file.manifest)).toBeDefined();
  await storage.close();
});
