import { chunkCount, type Manifest, type ProgressReport } from '@swarmlab/protocol';

/**
 * Bytes that padded base64 decodes to, or undefined if it is not padded base64 (every group of four
 * characters whole, `=` only at the end). The schema has already checked the alphabet.
 */
export function base64ByteLength(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (text.slice(0, text.length - padding).includes('=')) return undefined;
  return (text.length / 4) * 3 - padding;
}

/** Bits set in `bytes`. */
export function popcount(bytes: Uint8Array): number {
  let count = 0;
  for (let byte of bytes) {
    while (byte !== 0) {
      byte &= byte - 1;
      count++;
    }
  }
  return count;
}

/**
 * What the schema cannot check because it depends on the swarm's file: the chunk bitmap has one bit per
 * chunk (`Bitfield.toBytes()`, so ceil(chunks / 8) bytes, the bits past the last chunk clear), the tab
 * holds as many chunks as its bitmap shows, and it is complete only with every chunk. Returns the
 * one-line reason a report does not fit, or undefined when it does.
 */
export function misfitOfReport(report: ProgressReport, manifest: Manifest): string | undefined {
  const chunks = chunkCount(manifest);
  const expectedBytes = Math.ceil(chunks / 8);
  const actualBytes = base64ByteLength(report.bitsBase64);
  if (actualBytes === undefined) return 'bitsBase64: not padded base64';
  if (actualBytes !== expectedBytes) {
    return `bitsBase64: the chunk bitmap of this ${chunks}-chunk file is ${expectedBytes} bytes, not ${actualBytes}`;
  }
  if (report.chunksHeld > chunks) return `chunksHeld: this file has only ${chunks} chunks`;
  const bits = Buffer.from(report.bitsBase64, 'base64');
  const spareBits = expectedBytes * 8 - chunks;
  if (spareBits > 0 && (bits[expectedBytes - 1]! & ((1 << spareBits) - 1)) !== 0) {
    return `bitsBase64: bits past the file's last chunk (${chunks}) are set`;
  }
  const held = popcount(bits);
  if (report.chunksHeld !== held) return `chunksHeld: the bitmap holds ${held} chunks, not ${report.chunksHeld}`;
  if (report.complete && held !== chunks) return `complete: the bitmap holds ${held} of the ${chunks} chunks`;
  return undefined;
}
