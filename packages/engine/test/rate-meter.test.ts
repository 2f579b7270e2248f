import { seededRandom } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { RATE_STEP_MS, RATE_WINDOW_MS, RateMeter } from '../src/index';

describe('RateMeter', () => {
  it('reads a steady stream as exactly its rate, whenever it is read: it read 100 kB/s as 88–100 by phase', () => {
    const meter = new RateMeter();
    // 1,000 bytes every 10 ms: 100 kB/s.
    for (let atMs = 0; atMs < RATE_WINDOW_MS + RATE_STEP_MS; atMs += 10) meter.record(1000, atMs);
    for (let atMs = RATE_WINDOW_MS + RATE_STEP_MS; atMs <= 6000; atMs++) {
      if (atMs % 10 === 0) meter.record(1000, atMs);
      expect(meter.bytesPerSec(atMs)).toBe(100_000);
    }
  });

  it('reads the bytes of the last window of whole steps over its length, never more (the server holds peaks to it)', () => {
    const random = seededRandom(7);
    const meter = new RateMeter();
    const recorded: Array<{ atMs: number; bytes: number }> = [];
    let atMs = 0;
    for (let step = 0; step < 5000; step++) {
      // Bursts and pauses, at uneven times, read between and right after them.
      atMs += Math.floor(random() * (random() < 0.05 ? 1500 : 40));
      if (random() < 0.5) {
        const bytes = Math.floor(random() * 64 * 1024);
        meter.record(bytes, atMs);
        recorded.push({ atMs, bytes });
      }
      const windowEndMs = Math.floor(atMs / RATE_STEP_MS) * RATE_STEP_MS;
      const windowBytes = recorded
        .filter((r) => r.atMs >= windowEndMs - RATE_WINDOW_MS && r.atMs < windowEndMs)
        .reduce((sum, r) => sum + r.bytes, 0);
      expect((meter.bytesPerSec(atMs) * RATE_WINDOW_MS) / 1000).toBe(windowBytes);
      while (recorded.length > 0 && recorded[0]!.atMs < atMs - 2 * RATE_WINDOW_MS) recorded.shift();
    }
  });

  it('forgets what moved more than a window ago, and counts every byte in its total', () => {
    const meter = new RateMeter();
    meter.record(5000, 100);
    expect(meter.bytesPerSec(RATE_STEP_MS)).toBe(5000 / (RATE_WINDOW_MS / 1000));
    expect(meter.bytesPerSec(RATE_WINDOW_MS + RATE_STEP_MS - 1)).toBe(5000 / (RATE_WINDOW_MS / 1000));
    expect(meter.bytesPerSec(RATE_WINDOW_MS + RATE_STEP_MS)).toBe(0);
    meter.record(1, 60_000);
    expect(meter.totalBytes).toBe(5001);
  });
});
