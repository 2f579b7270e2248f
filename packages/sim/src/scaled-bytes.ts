/** Bytes each simulated block really carries; sizes and rates are scaled down by the same factor. */
export const REAL_BLOCK_BYTES = 16;
/** Blocks carry at most 64 KiB of (simulated) payload, as on the wire. */
export const SIMULATED_BLOCK_BYTES = 64 * 1024;

/** The real bytes that carry a simulated chunk of `chunkBytes`: {@link REAL_BLOCK_BYTES} per block of it. */
export function realChunkBytesOf(chunkBytes: number): number {
  return REAL_BLOCK_BYTES * Math.ceil(chunkBytes / SIMULATED_BLOCK_BYTES);
}

/**
 * Why `chunkBytes` cannot be simulated, or undefined: each real byte must stand for a whole number of simulated ones,
 * or the file and every byte count are fractions (1500-byte chunks scaled by 93.75, and a file "simulated as
 * 1000031.25 bytes"; found by review). A multiple of 1 KiB is not enough: 130 KiB is 3 blocks, 48 real bytes, 2773.3
 * each. Every power of two from 16 bytes and every multiple of 64 KiB is whole.
 */
export function chunkBytesProblem(chunkBytes: number): string | undefined {
  const realBytes = realChunkBytesOf(chunkBytes);
  if (Number.isInteger(chunkBytes / realBytes)) return undefined;
  const blocks = realBytes / REAL_BLOCK_BYTES;
  return (
    `${chunkBytes} bytes is ${blocks} ${blocks === 1 ? 'block' : 'blocks'} of up to 64 KiB, carried by ` +
    `${realBytes} real bytes, and ${chunkBytes} / ${realBytes} = ${+(chunkBytes / realBytes).toFixed(4)} is no ` +
    `whole number of simulated bytes a real byte: give a multiple of ${realBytes} bytes ` +
    `(any power of two, such as 256KiB, or multiple of 64KiB is one)`
  );
}
