import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { HeadlessPeerError } from '../src/headless-peer-error';
import { outFileLeecherStorage } from '../src/leecher-storage';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('says the directory of --out is missing, not "no such file": the folder is what is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-missing-'));
  dirs.push(dir);
  const missing = join(dir, 'newdir');
  // What `--out newdir/` is refused for suggests `--out newdir/copy.mp4`; before, that then said "no such file".
  const refused = await outFileLeecherStorage(join(missing, 'copy.mp4')).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(HeadlessPeerError);
  expect((refused as HeadlessPeerError).message).toBe(
    `cannot write ${join(missing, 'copy.mp4')}.part: the directory ${missing} does not exist: create it, or give ` +
      '--out a path in one that does',
  );
  expect((refused as HeadlessPeerError).exitCode).toBe(2);
});
