import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPeerState } from '@swarmlab/test-kit/browser';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh } from './fixtures';

/** A file of `sizeBytes` random bytes on disk, picked as a user picks one (the page reads it from disk). */
function fileOnDisk(name: string, sizeBytes: number): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-picked-'));
  const path = join(dir, name);
  writeFileSync(path, randomBytes(sizeBytes));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A user's own file, picked with the file input (not a generated one): the seeder reads it slice by slice
 * (`ChunkSource` of a `File`, each slice read into one reused buffer), and a leecher ends with its bytes.
 */
test('a picked file is prepared from its slices and a leecher ends with its SHA-256', async ({ swarm }) => {
  const bytes = randomBytes(3 * 1024 * 1024 + 12_345); // several chunks and a short last one
  const expected = createHash('sha256').update(bytes).digest('hex');
  const seeder = await swarm.openPeer('/');
  await seeder
    .getByTestId('file-input')
    .setInputFiles({ name: 'lecture\\picked.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(seeder.getByTestId('share-link')).toHaveValue(/#\/swarm\//);
  // A backslash is legal in a Linux or macOS name, a path elsewhere: the manifest carries it as _.
  await expect(seeder.getByTestId('file-name')).toHaveText('lecture_picked.bin');
  expect(await waitForFileHash(seeder)).toBe(expected);

  const leecher = await swarm.openPeer(await seeder.getByTestId('share-link').inputValue());
  await waitForMesh([seeder, leecher]);
  await startRun(seeder);
  await waitForComplete(leecher);
  expect(await waitForFileHash(leecher)).toBe(expected);
});

test('a file that changes on disk while it is hashed stops with the reason and a way back', async ({ swarm }) => {
  const file = fileOnDisk('growing.log', 256 * 1024 * 1024);
  try {
    const seeder = await swarm.openPeer('/');
    await seeder.getByTestId('file-input').setInputFiles(file.path);
    await expect(seeder.getByText(/Hashing the file's chunks/)).toBeVisible();
    appendFileSync(file.path, 'one more line\n');
    await expect(seeder.getByTestId('swarm-error')).toContainText(
      /Could not read growing\.log \(.+\): it may have changed on disk.*Pick it again/,
    );
    await seeder.getByRole('button', { name: 'Back to the start page' }).click();
    await expect(seeder.getByTestId('file-input')).toBeAttached();
  } finally {
    file.remove();
  }
});

test('a seeder whose file changes on disk during a run stops and says why, at once', async ({ swarm }) => {
  const file = fileOnDisk('slides.pdf', 8 * 1024 * 1024);
  try {
    const seeder = await swarm.openPeer('/');
    await seeder.getByTestId('file-input').setInputFiles(file.path);
    const share = seeder.getByTestId('share-link');
    await expect(share).toHaveValue(/#\/swarm\//);
    const leecher = await swarm.openPeer(await share.inputValue());
    await waitForMesh([seeder, leecher]);
    // 8 MiB at 1 MB/s: the run is under way for seconds when the file changes.
    await startRun(seeder, { mode: 'client-server', serverUp: '1MB/s' });
    await expect.poll(async () => (await readPeerState(leecher)).chunksHeld).toBeGreaterThan(2);
    appendFileSync(file.path, 'edited\n');
    await expect(seeder.getByTestId('swarm-error')).toContainText(
      /slides\.pdf can no longer be read \(NotReadableError/,
    );
    expect((await readPeerState(leecher)).complete).toBe(false);
    // Back to its swarm, the tab asks for the file: it took the seeder's place again from the same unreadable file,
    // everyone's screen showing a seeder, to fail again at the next run (found by review).
    await seeder.getByTestId('back-to-swarm').click();
    await expect(seeder.getByTestId('reseed-file')).toBeVisible();
    await expect(seeder.getByTestId('swarm-view')).toHaveAttribute('data-role', 'leecher');
    await expect(leecher.getByTestId('seeder-gone')).toContainText('Nobody seeds this swarm any more');
  } finally {
    file.remove();
  }
});
