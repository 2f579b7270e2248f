import { MAX_FILE_BYTES } from '@swarmlab/protocol';
import type { ChunkSource } from './storage/chunk-source';

const MIB = 1024 * 1024;

/**
 * Test files are 1 MiB up to the swarm's file cap (16 GiB): the seeder generates each chunk when it is
 * read (`generatedTestFile`), so no tab holds the file, whatever its size.
 */
export const MIN_TEST_FILE_MIB = 1;
export const MAX_TEST_FILE_MIB = MAX_FILE_BYTES / MIB;

/**
 * The generator's unit: each block of this many bytes is generated from (seed, block index) alone, so
 * any range of the file is generated without the bytes before it. A multiple of 4 (whole xorshift words).
 */
export const GENERATED_BLOCK_BYTES = 64 * 1024;

/** A generated file is saved in parts of this size, each generated, handed to the Blob and dropped. */
const SAVE_PART_BYTES = 4 * MIB;

export type TestFileSizeResult =
  { readonly ok: true; readonly sizeBytes: number } | { readonly ok: false; readonly message: string };

/** Validates a size typed by the user, in MiB. */
export function parseTestFileMib(text: string): TestFileSizeResult {
  const mib = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(mib))
    return { ok: false, message: 'Enter a size in MiB, for example 64.' };
  if (mib < MIN_TEST_FILE_MIB || mib > MAX_TEST_FILE_MIB)
    return { ok: false, message: `Choose a size from ${MIN_TEST_FILE_MIB} to ${MAX_TEST_FILE_MIB} MiB.` };
  return { ok: true, sizeBytes: Math.round(mib * MIB) };
}

/** The xorshift32 state a block starts from: its index mixed into the seed (a murmur3 finaliser), never 0. */
function blockState(seed: number, blockIndex: number): number {
  let state = (seed ^ Math.imul(blockIndex + 1, 0x9e3779b9)) >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35);
  state = (state ^ (state >>> 16)) >>> 0;
  return state || 1;
}

/**
 * The block the generator fills before copying from it, one for the page: reads are synchronous, and a
 * seeder reads a chunk for every upload of it, so a fresh 64 KiB each time was garbage at the upload rate.
 */
const generatorBlock = new Uint32Array(GENERATED_BLOCK_BYTES / 4);
const generatorBlockBytes = new Uint8Array(generatorBlock.buffer);

/** Fills `words` with xorshift32 output from `state`. */
function fillBlock(words: Uint32Array, state: number): void {
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
}

/**
 * `lengthBytes` of the test file of `seed` from `offsetBytes`: pseudo-random (xorshift32, incompressible
 * like a real file, a few hundred MB/s) and reproducible from the seed, block by block.
 */
export function testFileRange(seed: number, offsetBytes: number, lengthBytes: number, reuse?: ArrayBuffer): Uint8Array {
  const range = reuse ? new Uint8Array(reuse, 0, lengthBytes) : new Uint8Array(lengthBytes);
  const block = generatorBlock;
  const blockBytes = generatorBlockBytes;
  let written = 0;
  while (written < lengthBytes) {
    const position = offsetBytes + written;
    const blockIndex = Math.floor(position / GENERATED_BLOCK_BYTES);
    const withinBlock = position - blockIndex * GENERATED_BLOCK_BYTES;
    fillBlock(block, blockState(seed >>> 0, blockIndex));
    const take = Math.min(GENERATED_BLOCK_BYTES - withinBlock, lengthBytes - written);
    range.set(blockBytes.subarray(withinBlock, withinBlock + take), written);
    written += take;
  }
  return range;
}

/** A whole test file in memory: for tests and small fixtures (the app reads `generatedTestFile`). */
export function generateTestFile(sizeBytes: number, seed: number): Uint8Array {
  return testFileRange(seed, 0, sizeBytes);
}

/** A test file of `sizeBytes` generated on demand from `seed`: any size, no memory held. */
export function generatedTestFile(sizeBytes: number, seed: number): ChunkSource {
  return {
    name: testFileName(sizeBytes, seed),
    sizeBytes,
    read: async (offsetBytes, lengthBytes, reuse) =>
      testFileRange(seed, offsetBytes, Math.max(0, Math.min(lengthBytes, sizeBytes - offsetBytes)), reuse),
    blob: async (onProgress, signal) => {
      const parts: Blob[] = [];
      for (let offsetBytes = 0; offsetBytes < sizeBytes; offsetBytes += SAVE_PART_BYTES) {
        signal?.throwIfAborted();
        const part = testFileRange(seed, offsetBytes, Math.min(SAVE_PART_BYTES, sizeBytes - offsetBytes));
        parts.push(new Blob([part as Uint8Array<ArrayBuffer>]));
        onProgress?.(Math.min(1, (offsetBytes + SAVE_PART_BYTES) / sizeBytes));
        // A task between parts: 16 GiB is seconds of generating, during which the seeder must go on serving
        // its swarm (in client-server, the whole swarm waits on it) and drawing.
        await nextTask();
      }
      return new Blob(parts, { type: 'application/octet-stream' });
    },
  };
}

/**
 * Resolves in a task of its own, letting the page's other tasks run first. A message rather than a timer: a
 * hidden tab runs chained timers once a second at most, and 4,096 parts would take over an hour.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export function testFileName(sizeBytes: number, seed: number): string {
  return `test-${Math.round(sizeBytes / MIB)}MiB-${seed.toString(16)}.bin`;
}

/**
 * The generated test file a swarm's file description names (`testFileName`'s pattern, and its size), made again
 * from its seed: a reloaded seeder tab lost the file it generated, which was never on disk. Undefined for any
 * other name; a file that only looks generated is refused when hashed, as any other file that is not the swarm's.
 */
export function regeneratedTestFile(manifest: {
  readonly name: string;
  readonly sizeBytes: number;
}): ChunkSource | undefined {
  const match = /^test-(\d+)MiB-([0-9a-f]{1,8})\.bin$/.exec(manifest.name);
  if (!match || Number(match[1]) !== Math.round(manifest.sizeBytes / MIB)) return undefined;
  const file = generatedTestFile(manifest.sizeBytes, Number.parseInt(match[2]!, 16));
  return file.name === manifest.name ? file : undefined;
}

/**
 * The `file-mib` a prepared start link gives for a swarm's file: its size, when it is a generated test file (the start
 * page generates one that size); undefined for a file someone picked, which the link cannot carry. Without it, the
 * link of a 16 MiB swarm generated the default size, and F and both bounds differed from the run it reproduced
 * (found by review).
 */
export function preparedFileMib(manifest: { readonly name: string; readonly sizeBytes: number }): number | undefined {
  return regeneratedTestFile(manifest) === undefined ? undefined : manifest.sizeBytes / MIB;
}
