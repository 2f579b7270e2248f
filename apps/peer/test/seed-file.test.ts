import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSeedFile } from '../src/seed-file';

describe('openSeedFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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
