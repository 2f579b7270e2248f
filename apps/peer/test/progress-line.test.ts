import type { SwarmSnapshot } from '@swarmlab/engine';
import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/progress-line';

/** A leecher's sample with 3 of 8 chunks, at the given rates. */
function sample(downloadBytesPerSec: number, uploadBytesPerSec: number): SwarmSnapshot {
  return {
    localPeerId: 'me',
    mode: 'p2p',
    superSeeding: false,
    chunkCount: 8,
    bits: new Uint8Array([0b1110_0000]),
    chunksHeld: 3,
    complete: false,
    uploadedBytes: 0,
    downloadedBytes: 0,
    sentBytesByPeer: new Map(),
    uploadBytesPerSec,
    downloadBytesPerSec,
    startedAtMs: 0,
    completedAtMs: undefined,
    peers: [],
  };
}

describe('the terminal’s progress line', () => {
  it('shows a slow link’s rate in kB/s, and one peer as one peer', () => {
    // Before: "↓ 0.0 MB/s" (a 32 kB/s link looked stalled) and "1 peers".
    expect(progressLine(sample(32_000, 0), 1)).toBe('3/8 chunks (37 %)  ↓ 32.0 kB/s  ↑ 0 kB/s  1 peer');
  });

  it('shows fast rates in MB/s, as the screens do, and peers counted', () => {
    expect(progressLine(sample(2_500_000, 40), 3)).toBe('3/8 chunks (37 %)  ↓ 2.50 MB/s  ↑ <0.1 kB/s  3 peers');
    expect(progressLine(sample(0, 0), 0)).toBe('3/8 chunks (37 %)  ↓ 0 kB/s  ↑ 0 kB/s  0 peers');
  });
});
