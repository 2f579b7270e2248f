/** One sample of this tab's throughput. */
export interface RatePoint {
  readonly atMs: number;
  readonly uploadBytesPerSec: number;
  readonly downloadBytesPerSec: number;
}

/** Samples kept for the chart: two minutes at four samples a second. */
const MAX_POINTS = 480;

/** Recent throughput samples for the chart, and the peaks used as estimates of u_i and d_i. */
export class RateHistory {
  points = $state.raw<readonly RatePoint[]>([]);
  peakUploadBytesPerSec = $state(0);
  peakDownloadBytesPerSec = $state(0);

  /** Forgets every sample and peak (a new run starts). */
  reset(): void {
    this.points = [];
    this.peakUploadBytesPerSec = 0;
    this.peakDownloadBytesPerSec = 0;
  }

  add(atMs: number, uploadBytesPerSec: number, downloadBytesPerSec: number): void {
    const next = [...this.points, { atMs, uploadBytesPerSec, downloadBytesPerSec }];
    this.points = next.length > MAX_POINTS ? next.slice(next.length - MAX_POINTS) : next;
    this.peakUploadBytesPerSec = Math.max(this.peakUploadBytesPerSec, uploadBytesPerSec);
    this.peakDownloadBytesPerSec = Math.max(this.peakDownloadBytesPerSec, downloadBytesPerSec);
  }
}
