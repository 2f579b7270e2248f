import type { SwarmSnapshot } from '@swarmlab/engine';
import { ALWAYS_VISIBLE, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';
import { RateHistory } from './rate-history.svelte';

/**
 * What this tab draws of its own engine: the latest snapshot and the throughput chart's samples. Only
 * components read it; progress reports (and the test hook) read the engine's own samples (`EngineRun`).
 * While the page is hidden nothing is published, so a tab behind others draws nothing; it catches up the
 * moment it is shown.
 */
export class EngineDisplay {
  readonly #snapshot: ShownWhileVisible<SwarmSnapshot | undefined>;
  readonly rates: RateHistory;

  /** `minIntervalMs`: the snapshot is redrawn at most this often (the samples keep their own pace). */
  constructor(visibility: PageVisibility = ALWAYS_VISIBLE, minIntervalMs = 0) {
    this.#snapshot = new ShownWhileVisible<SwarmSnapshot | undefined>(visibility, undefined, minIntervalMs);
    this.rates = new RateHistory(visibility);
  }

  /** The latest snapshot shown; the last run's stays until a new run's first. */
  get snapshot(): SwarmSnapshot | undefined {
    return this.#snapshot.shown;
  }

  /**
   * Shows the engine's latest snapshot; its rates go to the chart while the run goes on. `runOver`: the swarm's table
   * shows the run over, and this is the chart's last point (the snapshot itself keeps being shown).
   */
  show(snapshot: SwarmSnapshot, atMs: number, runOver = false): void {
    this.#snapshot.set(snapshot);
    if (runOver) this.rates.end(atMs, snapshot.uploadBytesPerSec, snapshot.downloadBytesPerSec);
    else this.rates.add(atMs, snapshot.uploadBytesPerSec, snapshot.downloadBytesPerSec);
  }

  /** A new run, started at `startedAtMs` (the samples' clock): its throughput chart starts empty, timed from then. */
  startRun(startedAtMs?: number): void {
    this.rates.reset(startedAtMs);
  }

  /** Stops following the page's visibility. */
  dispose(): void {
    this.#snapshot.dispose();
    this.rates.dispose();
  }
}
