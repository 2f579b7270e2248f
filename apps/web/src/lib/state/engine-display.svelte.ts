import type { SwarmSnapshot } from '@swarmlab/engine';
import { RateHistory } from './rate-history.svelte';

/**
 * What this tab draws of its own engine: the latest snapshot and the throughput chart's samples. Only
 * components (and the test hook) read it; progress reports read the engine's own samples
 * (`EngineRun`), so drawing can pause, e.g. in a hidden tab, without changing what the server hears.
 */
export class EngineDisplay {
  #snapshot = $state.raw<SwarmSnapshot | undefined>();
  readonly rates = new RateHistory();

  /** The latest snapshot shown; the last run's stays until a new run's first. */
  get snapshot(): SwarmSnapshot | undefined {
    return this.#snapshot;
  }

  show(snapshot: SwarmSnapshot, atMs: number): void {
    this.#snapshot = snapshot;
    this.rates.add(atMs, snapshot.uploadBytesPerSec, snapshot.downloadBytesPerSec);
  }

  /** A new run: its throughput chart starts empty. */
  startRun(): void {
    this.rates.reset();
  }
}
