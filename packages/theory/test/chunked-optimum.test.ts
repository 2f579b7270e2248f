import { describe, expect, it } from 'vitest';
import { chunkedP2pOptimumSec, p2pBoundSec, TheoryInputError } from '../src/index';

const MIB = 2 ** 20;

describe('chunkedP2pOptimumSec', () => {
  it('is 1 + 4/256 = 1.015625 times F/u for 64 MiB in 256 chunks to 16 peers (THEORY.md example)', () => {
    const uploadBytesPerSec = 1 * MIB;
    const seconds = chunkedP2pOptimumSec({ fileBytes: 64 * MIB, chunkCount: 256, peerCount: 16, uploadBytesPerSec });
    expect(seconds).toBe(65);
    expect(seconds / ((64 * MIB) / uploadBytesPerSec)).toBe(1.015625);
  });

  it('is that much over the fluid P2P bound, which is F/u with equal capacities', () => {
    const peerCount = 16;
    const uploadBytesPerSec = 1 * MIB;
    const fluidSec = p2pBoundSec({
      peerCount,
      fileBytes: 64 * MIB,
      serverUploadBytesPerSec: uploadBytesPerSec,
      peerUploadBytesPerSec: new Array<number>(peerCount).fill(uploadBytesPerSec),
      peerDownloadBytesPerSec: new Array<number>(peerCount).fill(Infinity),
    });
    const chunkedSec = chunkedP2pOptimumSec({ fileBytes: 64 * MIB, chunkCount: 256, peerCount, uploadBytesPerSec });
    expect(chunkedSec / fluidSec).toBe(1.015625);
  });

  it.each([
    [1, 0],
    [2, 1],
    [3, 1],
    [7, 2],
    [8, 3],
    [1023, 9],
    [1024, 10],
  ])('adds floor(log2 %i) = %i chunk-times', (peerCount, extraChunkTimes) => {
    // F/u = 128 s and M = 128 chunks, so one chunk-time is 1 s (powers of two keep the arithmetic exact).
    expect(chunkedP2pOptimumSec({ fileBytes: 128, chunkCount: 128, peerCount, uploadBytesPerSec: 1 })).toBe(
      128 + extraChunkTimes,
    );
  });

  it.each([
    ['chunkCount', { fileBytes: 1, chunkCount: 0, peerCount: 1, uploadBytesPerSec: 1 }],
    ['chunkCount', { fileBytes: 1, chunkCount: 2.5, peerCount: 1, uploadBytesPerSec: 1 }],
    ['peerCount', { fileBytes: 1, chunkCount: 1, peerCount: 0, uploadBytesPerSec: 1 }],
    ['fileBytes', { fileBytes: 0, chunkCount: 1, peerCount: 1, uploadBytesPerSec: 1 }],
    ['uploadBytesPerSec', { fileBytes: 1, chunkCount: 1, peerCount: 1, uploadBytesPerSec: 0 }],
    ['uploadBytesPerSec', { fileBytes: 1, chunkCount: 1, peerCount: 1, uploadBytesPerSec: Infinity }],
    // Above 0, and too small to divide by: the optimum was Infinity.
    ['uploadBytesPerSec', { fileBytes: 1e6, chunkCount: 4, peerCount: 2, uploadBytesPerSec: 1e-320 }],
  ])('rejects a bad %s', (field, input) => {
    expect(() => chunkedP2pOptimumSec(input)).toThrow(TheoryInputError);
    expect(() => chunkedP2pOptimumSec(input)).toThrow(expect.objectContaining({ field }));
  });
});
