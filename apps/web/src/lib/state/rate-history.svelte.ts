import { ALWAYS_VISIBLE, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';

/** One sample of this tab's throughput. */
export interface RatePoint {
  readonly atMs: number;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
}

/** Samples kept for the chart: two minutes at four samples a second. */
export const MAX_RATE_POINTS = 480;

/**
 * This tab's recent throughput samples, for its chart (display only: reports never read them). While the
 * page is hidden the samples are kept but not published, so the chart does not redraw until it is shown.
 */
export class RateHistory {
  readonly #points: ShownWhileVisible<readonly RatePoint[]>;

  constructor(visibility: PageVisibility = ALWAYS_VISIBLE) {
    this.#points = new ShownWhileVisible<readonly RatePoint[]>(visibility, []);
  }

  get points(): readonly RatePoint[] {
    return this.#points.shown;
  }

  /** Forgets every sample (a new run starts). */
  reset(): void {
    this.#points.set([]);
  }

  add(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number): void {
    const next = [...this.#points.latest, { atMs, uploadBytesPerSec, downloadBytesPerSec }];
    this.#points.set(next.length > MAX_RATE_POINTS ? next.slice(next.length - MAX_RATE_POINTS) : next);
  }

  /** Stops following the page's visibility. */
  dispose(): void {
    this.#points.dispose();
  }
}
