import { createHash, randomBytes } from 'node:crypto';
import { expect, startRun, test, waitForComplete, waitForFileHash, waitForMesh } from './fixtures';

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
    .setInputFiles({ name: 'picked.bin', mimeType: 'application/octet-stream', buffer: bytes });
  await expect(seeder.getByTestId('share-link')).toHaveValue(/#\/swarm\//);
  expect(await waitForFileHash(seeder)).toBe(expected);

  const leecher = await swarm.openPeer(await seeder.getByTestId('share-link').inputValue());
  await waitForMesh([seeder, leecher]);
  await startRun(seeder);
  await waitForComplete(leecher);
  expect(await waitForFileHash(leecher)).toBe(expected);
});
