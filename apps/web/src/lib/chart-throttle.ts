/**
 * Redraws a chart at most once per `intervalMs`, with the latest data. A chart.js update costs a few
 * milliseconds of main-thread time (layout, text measuring); at four data updates a second, in several
 * charts, in every one of nine tabs sharing two cores, that time was taken from the swarm's own message
 * handling (measured with `bench swarm --cpu-profile`). One redraw a second still reads as live.
 */
export const CHART_REDRAW_INTERVAL_MS = 1000;

export function throttledRedraw(
  redraw: () => void,
  intervalMs = CHART_REDRAW_INTERVAL_MS,
): {
  request(): void;
  cancel(): void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastMs = -Infinity;
  const run = (): void => {
    timer = undefined;
    lastMs = performance.now();
    redraw();
  };
  return {
    request() {
      if (timer !== undefined) return;
      const waitMs = Math.max(0, lastMs + intervalMs - performance.now());
      timer = setTimeout(run, waitMs);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
