import { buildManifest, contentIdOf, sha256Hex, type Manifest } from '@swarmlab/protocol';
import { seededRandom } from '@swarmlab/engine';

/** A file for a test swarm: its bytes, whole-file SHA-256 (hex), manifest and content id. */
export interface TestFile {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly manifest: Manifest;
  readonly contentId: string;
}

/** Deterministic pseudo-random content: the same `seed` always gives the same bytes. */
export function fileBytes(sizeBytes: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const bytes = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

export interface TestFileOptions {
  /** Seed of the content (`fileBytes`); default 1. */
  readonly seed?: number;
  /** The manifest's file name; default `test.bin`. */
  readonly name?: string;
}

/** A `sizeBytes` file of `chunkBytes` chunks with its manifest, hashed with WebCrypto as the browser does. */
export async function testFile(
  sizeBytes: number,
  chunkBytes: number,
  options: TestFileOptions = {},
): Promise<TestFile> {
  const bytes = fileBytes(sizeBytes, options.seed);
  const manifest = await buildManifest({
    name: options.name ?? 'test.bin',
    sizeBytes,
    chunkBytes,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { bytes, sha256: await sha256Hex(bytes), manifest, contentId: await contentIdOf(manifest) };
}
