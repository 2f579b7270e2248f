import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/lib/run-record';
import { runPointsOf } from '../src/lib/run-points';

/** A kept run: only what the chart reads. */
const kept = (mode: RunRecord['mode'], leechers: number, distributionSec: number, boundSec: number | null) =>
  ({ mode, leechers, distributionSec, boundSec }) as RunRecord;

describe('the distribution chart’s runs', () => {
  it('puts each run of one architecture at its N, with a mark at its own bound where it has one', () => {
    const records = [
      kept('p2p', 4, 12.5, 11.2),
      kept('client-server', 4, 34, 33.6),
      // A run with a per-peer override: its bound is its own, not the curve's.
      kept('p2p', 8, 20, 18.1),
      // An uncapped run before any byte moved: no bound to draw.
      kept('p2p', 2, 3, null),
    ];
    expect(runPointsOf(records, 'p2p')).toEqual({
      measured: [
        { x: 4, y: 12.5 },
        { x: 8, y: 20 },
        { x: 2, y: 3 },
      ],
      bounds: [
        { x: 4, y: 11.2 },
        { x: 8, y: 18.1 },
      ],
    });
    expect(runPointsOf(records, 'client-server')).toEqual({ measured: [{ x: 4, y: 34 }], bounds: [{ x: 4, y: 33.6 }] });
  });
});
