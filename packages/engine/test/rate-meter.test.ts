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

  it('reads the bytes of the last window of whole steps, or of the step under way and those before it that fit, never more than a window’s (the server holds peaks to it)', () => {
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
      const stepStartMs = Math.floor(atMs / RATE_STEP_MS) * RATE_STEP_MS;
      const bytesFrom = (fromMs: number, beforeMs: number): number =>
        recorded.filter((r) => r.atMs >= fromMs && r.atMs < beforeMs).reduce((sum, r) => sum + r.bytes, 0);
      const completedBytes = bytesFrom(stepStartMs - RATE_WINDOW_MS, stepStartMs);
      const withCurrentBytes = bytesFrom(stepStartMs - RATE_WINDOW_MS + RATE_STEP_MS, atMs + 1);
      expect((meter.bytesPerSec(atMs) * RATE_WINDOW_MS) / 1000).toBe(Math.max(completedBytes, withCurrentBytes));
      while (recorded.length > 0 && recorded[0]!.atMs < atMs - 2 * RATE_WINDOW_MS) recorded.shift();
    }
  });

  it('reads a transfer shorter than a step as it moves: a selfish leecher’s last sample, as it completes, read 0', () => {
    const meter = new RateMeter();
    meter.record(1024 * 1024, 10);
    meter.record(1024 * 1024, 120);
    expect(meter.bytesPerSec(200)).toBe((2 * 1024 * 1024) / (RATE_WINDOW_MS / 1000));
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
