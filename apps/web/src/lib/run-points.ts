import type { ChartPoint } from './chart-canvas.svelte';
import type { RunRecord } from './run-record';

/** What the chart draws for the kept runs of one architecture. */
export interface RunPoints {
  /** Each run's measured distribution time. */
  readonly measured: readonly ChartPoint[];
  /**
   * Each run's own bound (its F, its caps and per-peer overrides), where it has one: the curves are drawn for one
   * configuration, and a run of another (an override, another file) is read against its own mark instead.
   */
  readonly bounds: readonly ChartPoint[];
}

/** The kept runs of architecture `mode` that finished, as chart points (a stopped run measured no time). */
export function runPointsOf(records: readonly RunRecord[], mode: RunRecord['mode']): RunPoints {
  const ofMode = records.flatMap((record) =>
    record.mode === mode && record.distributionSec !== null
      ? [{ ...record, distributionSec: record.distributionSec }]
      : [],
  );
  return {
    measured: ofMode.map((record) => ({ x: record.leechers, y: record.distributionSec })),
    bounds: ofMode.flatMap((record) => (record.boundSec === null ? [] : [{ x: record.leechers, y: record.boundSec }])),
  };
}
