/** One sample of this tab's throughput. */
export interface RatePoint {
  readonly atMs: number;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
}

/** Samples kept for the chart: two minutes at four samples a second. */
export const MAX_RATE_POINTS = 480;

/** This tab's recent throughput samples, for its chart (display only: reports never read them). */
export class RateHistory {
  #points = $state.raw<readonly RatePoint[]>([]);

  get points(): readonly RatePoint[] {
    return this.#points;
  }

  /** Forgets every sample (a new run starts). */
  reset(): void {
    this.#points = [];
  }

  add(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number): void {
    const next = [...this.#points, { atMs, uploadBytesPerSec, downloadBytesPerSec }];
    this.#points = next.length > MAX_RATE_POINTS ? next.slice(next.length - MAX_RATE_POINTS) : next;
  }
}
