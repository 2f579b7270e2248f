import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HeadlessPeerError } from '../src/headless-peer-error';
import { outFileLeecherStorage } from '../src/leecher-storage';
import { openSeedFile } from '../src/seed-file';

describe('the headless peer’s files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-seed-'));
    dirs.push(dir);
    return dir;
  };

  it('refuses to seed a named pipe at once, where opening it waited for ever for a writer', async () => {
    const fifo = join(tempDir(), 'lecture.pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(openSeedFile(fifo)).rejects.toThrow(new HeadlessPeerError(`${fifo} is not a file`, 2));
  });

  it('never empties a file already at the --out path', async () => {
    const precious = join(tempDir(), 'thesis.pdf');
    writeFileSync(precious, 'four years of work');
    await expect(outFileLeecherStorage(precious)).rejects.toThrow(
      /thesis\.pdf exists: remove it, or give --out another name/,
    );
    expect(readFileSync(precious, 'utf8')).toBe('four years of work');
  });

  it('names the file in its manifest as any system may carry it: a backslash becomes _', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-seed-'));
    dirs.push(dir);
    const path = join(dir, 'notes\\v2.txt');
    writeFileSync(path, 'the lecture notes, second version\n');
    const seed = await openSeedFile(path);
    try {
      expect(seed.manifest.name).toBe('notes_v2.txt');
      expect(seed.manifest.sizeBytes).toBe(34);
    } finally {
      await seed.close();
    }
  });
});
