import { RATE_STEP_MS, RATE_WINDOW_MS } from './engine-config';

/** Width of one bucket of the sliding window. */
const BUCKET_MS = RATE_STEP_MS;
/** Completed buckets a rate sums: the window. */
const WINDOW_BUCKETS = RATE_WINDOW_MS / RATE_STEP_MS;
/** The window's buckets and the one filling now. */
const BUCKET_COUNT = WINDOW_BUCKETS + 1;

/** What a `RateMeter` tells: a rate and a total. */
export interface RateReading {
  readonly totalBytes: number;
  bytesPerSec(nowMs: number): number;
}

/**
 * Bytes per second over a sliding window of `RATE_WINDOW_MS`, plus the running total. A rate is the bytes of the
 * last `RATE_WINDOW_MS / RATE_STEP_MS` completed steps over the window (exactly the window, lagging by less than a
 * step), or, if more, the bytes of the step under way and the steps before it that fit in the window: never more
 * than the bytes moved in one window (a report's peak is held to that). Summing the step under way and every
 * completed one, over the whole window, counted 1.75–2 s of bytes as 2 s, and read a steady 100 kB/s as 88–100
 * (found by review).
 */
export class RateMeter implements RateReading {
  readonly #buckets = new Float64Array(BUCKET_COUNT);
  #currentBucket = -1;
  #totalBytes = 0;

  get totalBytes(): number {
    return this.#totalBytes;
  }

  record(bytes: number, nowMs: number): void {
    this.#advance(nowMs);
    this.#buckets[this.#currentBucket % BUCKET_COUNT]! += bytes;
    this.#totalBytes += bytes;
  }

  bytesPerSec(nowMs: number): number {
    this.#advance(nowMs);
    const buckets = this.#buckets;
    const current = this.#currentBucket % BUCKET_COUNT;
    const oldest = (this.#currentBucket + 1) % BUCKET_COUNT;
    let completed = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) if (i !== current) completed += buckets[i]!;
    // Or the step under way with the newest completed ones, the oldest left out: as much of the window as it can,
    // never more than 2 s of bytes either, and whichever holds more. Completed steps alone read a transfer shorter
    // than a step (a selfish leecher of a 1 MiB file, its last sample taken as it completes and leaves) as 0, and its
    // peak upload, standing in for an uncapped u_i, went into the bounds as nothing (found by review).
    const withCurrent = completed - buckets[oldest]! + buckets[current]!;
    return Math.max(completed, withCurrent) / (RATE_WINDOW_MS / 1000);
  }

  #advance(nowMs: number): void {
    const bucket = Math.floor(nowMs / BUCKET_MS);
    if (this.#currentBucket < 0) this.#currentBucket = bucket;
    const elapsed = Math.min(bucket - this.#currentBucket, BUCKET_COUNT);
    for (let step = 1; step <= elapsed; step++) this.#buckets[(this.#currentBucket + step) % BUCKET_COUNT] = 0;
    if (bucket > this.#currentBucket) this.#currentBucket = bucket;
  }
}
