import { RATE_STEP_MS, RATE_WINDOW_MS } from './engine-config';

/** Width of one bucket of the sliding window. */
const BUCKET_MS = RATE_STEP_MS;
/** Buckets in the window. */
const BUCKET_COUNT = RATE_WINDOW_MS / RATE_STEP_MS;

/** What a `RateMeter` tells: a rate and a total. */
export interface RateReading {
  readonly totalBytes: number;
  bytesPerSec(nowMs: number): number;
}

/** Bytes per second over a sliding window of `RATE_WINDOW_MS`, plus the running total. */
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
    let sum = 0;
    const buckets = this.#buckets;
    for (let i = 0; i < BUCKET_COUNT; i++) sum += buckets[i]!;
    return sum / ((BUCKET_COUNT * BUCKET_MS) / 1000);
  }

  #advance(nowMs: number): void {
    const bucket = Math.floor(nowMs / BUCKET_MS);
    if (this.#currentBucket < 0) this.#currentBucket = bucket;
    const elapsed = Math.min(bucket - this.#currentBucket, BUCKET_COUNT);
    for (let step = 1; step <= elapsed; step++) this.#buckets[(this.#currentBucket + step) % BUCKET_COUNT] = 0;
    if (bucket > this.#currentBucket) this.#currentBucket = bucket;
  }
}
