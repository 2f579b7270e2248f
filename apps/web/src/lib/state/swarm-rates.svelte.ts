import type { SwarmProgress } from '@swarmlab/protocol';
import { ThinnedSeries } from '../thinned-series';
import { ALWAYS_VISIBLE, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';

/** One moment of the swarm's throughput: each peer's download and upload rate, B/s. */
export interface SwarmRatePoint {
  /** Seconds since the run started. */
  readonly atSec: number;
  readonly downloadBytesPerSec: Readonly<Record<string, number>>;
  readonly uploadBytesPerSec: Readonly<Record<string, number>>;
}

/** Points kept: a run's first ten minutes of broadcasts at four a second, then fewer (`ThinnedSeries`). */
export const MAX_SWARM_RATE_POINTS = 2400;

/**
 * Every peer's throughput over the current run, from the server's progress broadcasts, for the
 * per-peer chart. A new run starts a new history. While the page is hidden the points are kept but not
 * published, so the chart does not redraw until it is shown.
 */
export class SwarmRates {
  readonly #points: ShownWhileVisible<readonly SwarmRatePoint[]>;
  readonly #series = new ThinnedSeries<SwarmRatePoint>(MAX_SWARM_RATE_POINTS);
  #runNumber: number | undefined;

  constructor(visibility: PageVisibility = ALWAYS_VISIBLE) {
    this.#points = new ShownWhileVisible<readonly SwarmRatePoint[]>(visibility, []);
  }

  get points(): readonly SwarmRatePoint[] {
    return this.#points.shown;
  }

  /** Stops following the page's visibility. */
  dispose(): void {
    this.#points.dispose();
  }

  /** Adds the moment `progress` reports, if it is of a run going on or just finished. */
  add(progress: SwarmProgress): void {
    const run = progress.run;
    if (!run) return;
    // A late table of an ended earlier run (tables crossing at a run's start) is not drawn: it cleared the run's lines
    // (found by review). One running is a swarm whose numbering began again.
    if (this.#runNumber !== undefined && run.runNumber < this.#runNumber && run.phase !== 'running') return;
    if (run.runNumber !== this.#runNumber) {
      this.#runNumber = run.runNumber;
      this.#series.clear();
      this.#points.set(this.#series.points);
    }
    // A stopped run adds no instant (its line ends where it was last seen), but a newer one, first seen stopped (a
    // screen back after it started and stopped), clears the last run's lines: they were drawn under its heading
    // (found by review).
    if (run.phase === 'stopped') return;
    const points = this.#series.points;
    // A run that ended (finished, or interrupted by a restart nobody came back from) is broadcast on with its
    // clock stopped: its last instant is added once, not 4 times a second until the run's points are pushed out. A
    // table older than the last point (processes on Redis whose clocks differ, tables crossing) is not drawn either:
    // the line went back in time (found by review).
    if (points.length > 0 && points.at(-1)!.atSec >= run.elapsedMs / 1000) return;
    const downloadBytesPerSec: Record<string, number> = {};
    const uploadBytesPerSec: Record<string, number> = {};
    // An away peer's row keeps its last report through its grace (the server's): it is no rate of this instant, and its
    // line went on flat at it while the peer was gone (found by review; the table and the cards showed none). Its line
    // breaks there (`PeerThroughputChart`).
    for (const peer of progress.peers) {
      if (peer.away || peer.report?.runNumber !== run.runNumber) continue;
      downloadBytesPerSec[peer.peerId] = peer.report.downloadBytesPerSec;
      uploadBytesPerSec[peer.peerId] = peer.report.uploadBytesPerSec;
    }
    // A run's last instant is kept whatever the thinning: the line ends where the run did.
    const point = { atSec: run.elapsedMs / 1000, downloadBytesPerSec, uploadBytesPerSec };
    if (this.#series.add(point, run.phase !== 'running')) this.#points.set(this.#series.points);
  }
}
