import { atGridInstant } from './display-grid';

/**
 * Redraws a chart at most once per `intervalMs`, with the latest data. A chart.js update costs a few
 * milliseconds of main-thread time (layout, text measuring); at four data updates a second, in several
 * charts, in every one of nine tabs sharing two cores, that time was taken from the swarm's own message
 * handling (measured with `bench swarm --cpu-profile`). One redraw a second still reads as live. Redraws
 * after the first fall on the page's display grid (`display-grid.ts`), with the other values drawn then.
 */
export const CHART_REDRAW_INTERVAL_MS = 1000;

export function throttledRedraw(
  redraw: () => void,
  intervalMs = CHART_REDRAW_INTERVAL_MS,
): {
  request(): void;
  cancel(): void;
} {
  let cancelPending: (() => void) | undefined;
  let lastMs = -Infinity;
  /** `atMs`: the grid instant the redraw was due at (a late timer must not push the next one further). */
  const run = (atMs: number): void => {
    cancelPending = undefined;
    lastMs = atMs;
    redraw();
  };
  return {
    request() {
      if (cancelPending !== undefined) return;
      const earliestMs = lastMs + intervalMs;
      if (earliestMs <= performance.now()) {
        // After a quiet spell: at once (in a task of its own, not inside the caller's reactive update).
        const timer = setTimeout(() => run(performance.now()), 0);
        cancelPending = () => clearTimeout(timer);
      } else {
        // On the page's display grid, with the other values drawn at that instant: one frame for all.
        cancelPending = atGridInstant(earliestMs, intervalMs, run);
      }
    },
    cancel() {
      cancelPending?.();
      cancelPending = undefined;
    },
  };
}
