/** Test files are 1 MiB to 512 MiB: big enough to watch, small enough to hold in a tab's memory. */
export const MIN_TEST_FILE_MIB = 1;
export const MAX_TEST_FILE_MIB = 512;

const MIB = 1024 * 1024;

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

/**
 * Pseudo-random bytes (xorshift32) from `seed`: incompressible like a real file, generated at a few
 * hundred MB/s, and reproducible from the seed.
 */
export function generateTestFile(sizeBytes: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(sizeBytes);
  const words = new Uint32Array(bytes.buffer, 0, Math.floor(sizeBytes / 4));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state >>> 0;
  }
  for (let i = words.length * 4; i < sizeBytes; i++) bytes[i] = i & 0xff;
  return bytes;
}

export function testFileName(sizeBytes: number, seed: number): string {
  return `test-${Math.round(sizeBytes / MIB)}MiB-${seed.toString(16)}.bin`;
}
