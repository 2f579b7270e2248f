import { ThinnedSeries } from '../thinned-series';
import { ALWAYS_VISIBLE, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';

/** One sample of this tab's throughput. */
export interface RatePoint {
  readonly atMs: number;
  /**
   * Since the run's start (as `reset` was told; else the first sample after it): the chart's time axis, which keeps
   * counting however the samples are thinned (from the first kept one, it read 0–120 s for good).
   */
  readonly sinceStartMs: number;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
}

/** Samples kept for the chart: a run's first two minutes at four a second, then fewer (`ThinnedSeries`). */
export const MAX_RATE_POINTS = 480;

/**
 * This tab's recent throughput samples, for its chart (display only: reports never read them). While the
 * page is hidden the samples are kept but not published, so the chart does not redraw until it is shown.
 */
export class RateHistory {
  readonly #points: ShownWhileVisible<readonly RatePoint[]>;
  readonly #series = new ThinnedSeries<RatePoint>(MAX_RATE_POINTS);
  /** What samples are timed from: the run's start, or the first sample since the latest reset; undefined before it. */
  #startMs: number | undefined;
  /** The run is over (`end`): no sample is added until the next run's `reset`. */
  #ended = false;

  constructor(visibility: PageVisibility = ALWAYS_VISIBLE) {
    this.#points = new ShownWhileVisible<readonly RatePoint[]>(visibility, []);
  }

  get points(): readonly RatePoint[] {
    return this.#points.shown;
  }

  /**
   * Forgets every sample (a new run starts); later ones are timed from `startMs` (the run's start on their clock:
   * a tab that joined late, or was reloaded, is that far into the run), else from the first of them.
   */
  reset(startMs?: number): void {
    this.#series.clear();
    this.#points.set(this.#series.points);
    this.#startMs = startMs;
    this.#ended = false;
  }

  /** A sample of the run going on; none once it is over (`end`), until the next run's `reset`. */
  add(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number): void {
    if (!this.#ended) this.#add(atMs, uploadBytesPerSec, downloadBytesPerSec, false);
  }

  /**
   * The run is over: this sample is its chart's last point (kept whatever the thinning), and later ones are not added
   * until the next run's `reset`. A tab stays in its swarm after a finished run with its engine on, sampled four times
   * a second: its chart kept adding zeros for as long as the class talked, and a 30 s run ended up squeezed into the
   * first few points of a 10-minute axis (found by review).
   */
  end(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number): void {
    if (this.#ended) return;
    this.#add(atMs, uploadBytesPerSec, downloadBytesPerSec, true);
    this.#ended = true;
  }

  #add(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number, last: boolean): void {
    this.#startMs ??= atMs;
    const point = { atMs, sinceStartMs: atMs - this.#startMs, uploadBytesPerSec, downloadBytesPerSec };
    if (this.#series.add(point, last)) this.#points.set(this.#series.points);
  }

  /** Stops following the page's visibility. */
  dispose(): void {
    this.#points.dispose();
  }
}
