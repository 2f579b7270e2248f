import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { fileBytes, testFile } from '@swarmlab/test-kit';
import { afterEach, expect, it } from 'vitest';
import { startHeadlessPeer } from '../src/headless-peer';
import { HeadlessPeerError } from '../src/headless-peer-error';
import { shareLinkOf } from '../src/swarm-target';

/** No server listens here: a start that got as far as connecting failed with exit code 1, not 2. */
const NO_SERVER = 'http://127.0.0.1:9';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What `start` rejects with. */
async function refusal(start: Promise<unknown>): Promise<HeadlessPeerError> {
  const error: unknown = await start.then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  if (!(error instanceof HeadlessPeerError)) throw new Error(`expected a HeadlessPeerError, got ${String(error)}`);
  return error;
}

it('refuses a seeder’s outFile, as the command line refuses --seed with --out, with exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-options-'));
  dirs.push(dir);
  const seedFile = join(dir, 'lecture.bin');
  writeFileSync(seedFile, fileBytes(10_000, 1));
  const outFile = join(dir, 'copy.bin');
  // Before, it was ignored: the peer seeded, and named a `partPath` of a file that never was.
  const error = await refusal(startHeadlessPeer({ serverUrl: NO_SERVER, seedFile, outFile }));
  expect([error.message, error.exitCode]).toEqual(['outFile is for a leecher: a seeder already has its file', 2]);
  expect(existsSync(outFile) || existsSync(`${outFile}.part`)).toBe(false);
});

it('refuses a leecher’s runConfig, which configured nothing, with exit code 2', async () => {
  const { contentId } = await testFile(10_000, 256 * 1024);
  const swarmLink = shareLinkOf(NO_SERVER, 'S'.repeat(22), contentId);
  for (const target of [{ swarmLink }, { serverUrl: NO_SERVER, joinCode: 'K7M-Q3P' }]) {
    const error = await refusal(startHeadlessPeer({ ...target, runConfig: DEFAULT_RUN_CONFIG }));
    expect([error.message, error.exitCode]).toEqual([
      'runConfig is for a seeder: the swarm a leecher joins has its own',
      2,
    ]);
  }
});
