import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUN_CONFIG,
  MAX_CAP_BYTES_PER_SEC,
  MIN_CAP_BYTES_PER_SEC,
  peerOverrideSchema,
  resolvePeerSettings,
  runConfigSchema,
  type RunConfig,
} from '../src/index';

const SHAPED: RunConfig = {
  mode: 'p2p',
  seederUploadBytesPerSec: 1_000_000,
  peerUploadBytesPerSec: 100_000,
  peerDownloadBytesPerSec: 400_000,
  leaveOnComplete: true,
};

describe('run settings', () => {
  it('gives a leecher the swarm’s links unless its override replaces them (null: no cap)', () => {
    expect(resolvePeerSettings(SHAPED, {}, 'leecher')).toEqual({
      uploadBytesPerSec: 100_000,
      downloadBytesPerSec: 400_000,
      leaveOnComplete: true,
    });
    expect(
      resolvePeerSettings(
        SHAPED,
        { uploadBytesPerSec: null, downloadBytesPerSec: 50_000, leaveOnComplete: false },
        'leecher',
      ),
    ).toEqual({ uploadBytesPerSec: null, downloadBytesPerSec: 50_000, leaveOnComplete: false });
  });

  it('gives the seeder u_s (or its override), no download cap, and never makes it leave', () => {
    expect(resolvePeerSettings(SHAPED, {}, 'seeder')).toEqual({
      uploadBytesPerSec: 1_000_000,
      downloadBytesPerSec: null,
      leaveOnComplete: false,
    });
    expect(
      resolvePeerSettings(
        SHAPED,
        { uploadBytesPerSec: 20_000, downloadBytesPerSec: 10_000, leaveOnComplete: true },
        'seeder',
      ),
    ).toEqual({ uploadBytesPerSec: 20_000, downloadBytesPerSec: null, leaveOnComplete: false });
  });

  it('accepts caps between the bounds or null, and explains every other value', () => {
    expect(runConfigSchema.safeParse(DEFAULT_RUN_CONFIG).success).toBe(true);
    for (const cap of [MIN_CAP_BYTES_PER_SEC, MAX_CAP_BYTES_PER_SEC, null]) {
      expect(runConfigSchema.safeParse({ ...SHAPED, peerUploadBytesPerSec: cap }).success, String(cap)).toBe(true);
    }
    const invalid: [unknown, string][] = [
      [0, 'at least'],
      [MIN_CAP_BYTES_PER_SEC - 1, 'at least'],
      [MAX_CAP_BYTES_PER_SEC + 1, 'at most'],
      [Number.NaN, 'a cap is a number'],
      [Number.POSITIVE_INFINITY, 'a cap is a number'],
      ['100000', 'a cap is a number'],
    ];
    for (const [cap, message] of invalid) {
      const result = peerOverrideSchema.safeParse({ uploadBytesPerSec: cap });
      expect(result.success, String(cap)).toBe(false);
      expect(result.error?.issues[0]?.message, String(cap)).toContain(message);
    }
    expect(peerOverrideSchema.safeParse({ nickname: 'x' }).success).toBe(false);
  });
});
