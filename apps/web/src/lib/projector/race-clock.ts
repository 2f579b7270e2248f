import type { RunPhase } from '@swarmlab/protocol';

/**
 * The run's clock racing the bounds, as fractions of one bar: the measured time grows along it while the
 * marks of D_p2p and D_cs stand still, so a class sees the run pass (or not yet reach) each bound.
 */
export interface RaceScale {
  /** The bar's full length, in seconds: past the later bound and the clock, with room to spare. */
  readonly maxSec: number;
  readonly elapsedFraction: number;
  /** Null where that bound is unknown (no byte measured yet on an unshaped link). */
  readonly clientServerFraction: number | null;
  readonly p2pFraction: number | null;
}

/** Space after the latest mark, so a run ending at its bound does not touch the bar's end. */
const HEADROOM = 1.15;
/** Before any bound is known, the bar spans this much. */
const DEFAULT_SPAN_SEC = 10;

export function raceScale(elapsedSec: number, clientServerSec: number | null, p2pSec: number | null): RaceScale {
  const marks = [elapsedSec, clientServerSec ?? 0, p2pSec ?? 0];
  const known = clientServerSec !== null || p2pSec !== null;
  const maxSec = Math.max(known ? 0 : DEFAULT_SPAN_SEC, ...marks) * HEADROOM || DEFAULT_SPAN_SEC;
  const fraction = (sec: number | null): number | null => (sec === null ? null : Math.min(1, sec / maxSec));
  return {
    maxSec,
    elapsedFraction: fraction(Math.max(0, elapsedSec))!,
    clientServerFraction: fraction(clientServerSec),
    p2pFraction: fraction(p2pSec),
  };
}

/** Room a mark's label takes along the bar, in CSS pixels ("D_cs 5 min 27 s (estimate)" at 0.95 rem). */
export const MARK_LABEL_PX = 210;

/**
 * Where a mark's label `labelPx` wide starts, in pixels from the start of a bar `barPx` wide: centred on its mark
 * (at `fraction` of the bar) but kept within the bar, so a mark near either end has its label beside it rather than
 * across it. Centred as they were, D_p2p's label (at 0.014–0.022 of the bar with 40–64 peers) went ~95 px left into
 * the file's title and D_cs's (at 0.87) past the bar's end (found by review). A label wider than the bar starts
 * with it.
 */
export function markLabelStartPx(fraction: number, barPx: number, labelPx: number = MARK_LABEL_PX): number {
  const centrePx = fraction * barPx;
  return Math.max(0, Math.min(barPx - labelPx, centrePx - labelPx / 2));
}

/**
 * Whether D_cs's label goes a line below D_p2p's, where on one line they would print over each other: equal
 * bounds (one leecher; F/d_min above both) or close ones, on a bar `barPx` wide. Judged where the labels are drawn
 * (`markLabelStartPx`): two marks near one end, far enough apart, still have their labels pushed together.
 */
export function labelsStacked(
  scale: RaceScale,
  barPx: number,
  p2pLabelPx: number = MARK_LABEL_PX,
  clientServerLabelPx: number = MARK_LABEL_PX,
): boolean {
  if (scale.p2pFraction === null || scale.clientServerFraction === null) return false;
  const p2pStartPx = markLabelStartPx(scale.p2pFraction, barPx, p2pLabelPx);
  const clientServerStartPx = markLabelStartPx(scale.clientServerFraction, barPx, clientServerLabelPx);
  return p2pStartPx < clientServerStartPx + clientServerLabelPx && clientServerStartPx < p2pStartPx + p2pLabelPx;
}

/**
 * One line saying where the run stands against the bound of its own architecture: a run stopped or interrupted
 * says where it stopped ("within its bound so far" read as if it still went on). `leecherCount` is the run's N: a
 * run every leecher left before completing (or was flagged, `flaggedCount`) has none, goes on until stopped or a
 * newcomer completes, and said "bound not known yet" for good (found by review); an ended run's unknown bound is not
 * known "yet" either.
 */
export function raceVerdict(
  elapsedSec: number,
  boundSec: number | null,
  phase: RunPhase,
  leecherCount: number,
  flaggedCount = 0,
): string {
  if (leecherCount === 0) {
    // Flagged ones are still there, not counted (their reports refused): "left" was untrue of them.
    const none = flaggedCount > 0 ? `no leecher counted (${flaggedCount} flagged)` : 'no leecher left';
    return phase === 'running' ? `${none}: stop the run, or one that joins ends it` : 'no leecher in the run';
  }
  if (boundSec === null) return phase === 'running' ? 'bound not known yet' : 'bound not known';
  const ratio = elapsedSec / boundSec;
  if (phase === 'finished') return `${ratio.toFixed(2)} × its bound`;
  if (phase !== 'running') return `${phase} at ${ratio.toFixed(2)} × its bound`;
  return elapsedSec < boundSec ? 'within its bound so far' : `past its bound (${ratio.toFixed(2)} ×)`;
}
