import type { SwarmProgress } from '@swarmlab/protocol';

/** One moment of the swarm's throughput: each peer's download and upload rate, B/s. */
export interface SwarmRatePoint {
  /** Seconds since the run started. */
  readonly atSec: number;
  readonly downloadBytesPerSec: Readonly<Record<string, number>>;
  readonly uploadBytesPerSec: Readonly<Record<string, number>>;
}

/** Points kept: ten minutes of broadcasts at four a second. */
export const MAX_SWARM_RATE_POINTS = 2400;

/**
 * Every peer's throughput over the current run, from the server's progress broadcasts, for the
 * per-peer chart. A new run starts a new history.
 */
export class SwarmRates {
  #points = $state.raw<readonly SwarmRatePoint[]>([]);
  #runNumber: number | undefined;

  get points(): readonly SwarmRatePoint[] {
    return this.#points;
  }

  /** Adds the moment `progress` reports, if it is of a run going on or just finished. */
  add(progress: SwarmProgress): void {
    const run = progress.run;
    if (!run || run.phase === 'stopped') return;
    if (run.runNumber !== this.#runNumber) {
      this.#runNumber = run.runNumber;
      this.#points = [];
    }
    if (run.phase === 'finished' && this.#points.length > 0) {
      const last = this.#points.at(-1)!;
      if (last.atSec >= run.elapsedMs / 1000) return;
    }
    const downloadBytesPerSec: Record<string, number> = {};
    const uploadBytesPerSec: Record<string, number> = {};
    for (const peer of progress.peers) {
      if (peer.report?.runNumber !== run.runNumber) continue;
      downloadBytesPerSec[peer.peerId] = peer.report.downloadBytesPerSec;
      uploadBytesPerSec[peer.peerId] = peer.report.uploadBytesPerSec;
    }
    const next = [...this.#points, { atSec: run.elapsedMs / 1000, downloadBytesPerSec, uploadBytesPerSec }];
    this.#points = next.length > MAX_SWARM_RATE_POINTS ? next.slice(-MAX_SWARM_RATE_POINTS) : next;
  }
}
