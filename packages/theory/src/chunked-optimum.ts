import { TheoryInputError } from './errors';
import { requireFileBytes, requirePositiveInteger, requirePositiveRate } from './validate';

export interface ChunkedP2pOptimumInput {
  /** F */
  readonly fileBytes: number;
  /** M: the file is split into M equal chunks. */
  readonly chunkCount: number;
  /** N: peers that want the file; the server is not counted. */
  readonly peerCount: number;
  /** u: the upload rate of the server and of every peer (the equal-capacity case). */
  readonly uploadBytesPerSec: number;
}

/**
 * Optimal distribution time of a chunked file when the server and every peer upload at the same rate u
 * (Mundinger, Weber & Weiss; Bar-Noy & Kipnis): `T* = (F/u)·(1 + ⌊log2 N⌋/M)`.
 *
 * With equal capacities `D_p2p = F/u`, so chunking costs ⌊log2 N⌋ chunk-times over the fluid bound:
 * the first chunk needs ⌊log2 N⌋ doubling rounds to reach every peer. A real swarm that lands within a
 * few chunk-times of `D_p2p` is doing well (see `docs/THEORY.md`).
 */
export function chunkedP2pOptimumSec(input: ChunkedP2pOptimumInput): number {
  requireFileBytes('fileBytes', input.fileBytes);
  requirePositiveInteger('chunkCount', input.chunkCount);
  requirePositiveInteger('peerCount', input.peerCount);
  requirePositiveRate('uploadBytesPerSec', input.uploadBytesPerSec);
  const seconds = (input.fileBytes / input.uploadBytesPerSec) * (1 + floorLog2(input.peerCount) / input.chunkCount);
  // A rate above 0 can still be too small to divide by (1e-320 bytes/s): Infinity, as the bounds refuse it too.
  if (!Number.isFinite(seconds))
    throw new TheoryInputError('uploadBytesPerSec', 'is too small: the optimum is too large to compute');
  return seconds;
}

/** ⌊log2 n⌋ for a positive integer, exact (Math.log2 can round just below an integer). */
function floorLog2(n: number): number {
  let exponent = 0;
  for (let power = 2; power <= n; power *= 2) exponent++;
  return exponent;
}
