import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import { throttledRedraw } from './chart-throttle';

// Only what these charts use is registered, so the rest of chart.js is tree-shaken away.
Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, Legend, Tooltip);

/** One point of a chart, already in the axes' units (chart.js does not parse); `y` null breaks a line there. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number | null;
}

/** A chart of lines (and scatters) over two linear axes. */
export type PointChart = Chart<'line' | 'scatter', ChartPoint[]>;
export type PointDataset = ChartDataset<'line' | 'scatter', ChartPoint[]>;

export interface ChartCanvasOptions<T> {
  /** Axis titles; `xFromZero` starts the x axis at 0. */
  readonly axes: { readonly x: string; readonly y: string; readonly xFromZero?: boolean };
  /** The datasets the chart starts with, empty until drawn (none when `draw` makes them). */
  readonly datasets?: readonly PointDataset[];
  /** What the chart shows; read reactively, so a change redraws it. */
  readonly data: () => T;
  /** Puts `data` into the chart's datasets; the chart is then updated without animation. */
  readonly draw: (chart: PointChart, data: T) => void;
  /**
   * At most one redraw per `CHART_REDRAW_INTERVAL_MS`, with the latest data (for charts fed several
   * times a second, see `chart-throttle.ts`); otherwise each change redraws at once.
   */
  readonly throttled: boolean;
}

/**
 * Draws a chart.js chart on the canvas it is attached to (`<canvas {@attach chartCanvas(…)}>`): made when
 * the canvas mounts, redrawn when `data()` changes while it is on screen (at once when it comes back into
 * view), destroyed with the canvas. Every chart here looks the same way: no animation, no parsing (points
 * are `{ x, y }`), the height of its container, titled axes, y from zero.
 */
export function chartCanvas<T>(options: ChartCanvasOptions<T>): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const { axes } = options;
    const chart: PointChart = new Chart(canvas, {
      type: 'line',
      data: { datasets: options.datasets ? [...options.datasets] : [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', ...(axes.xFromZero && { min: 0 }), title: { display: true, text: axes.x } },
          y: { beginAtZero: true, title: { display: true, text: axes.y } },
        },
      },
    });
    let latest: T;
    const draw = (): void => {
      options.draw(chart, latest);
      chart.update('none');
    };
    const redraw = options.throttled ? throttledRedraw(draw) : { request: draw, cancel: () => {} };
    // A chart scrolled out of view is not redrawn (a chart.js update is the costliest JavaScript of a
    // visible tab): it is marked stale, and redrawn with the latest data the moment it scrolls back.
    let onScreen = true;
    let stale = false;
    const observer =
      typeof IntersectionObserver === 'undefined'
        ? undefined
        : new IntersectionObserver((entries) => {
            onScreen = entries.some((entry) => entry.isIntersecting);
            if (onScreen && stale) {
              stale = false;
              redraw.request();
            }
          });
    observer?.observe(canvas);
    $effect(() => {
      latest = options.data();
      if (onScreen) redraw.request();
      else stale = true;
    });
    return () => {
      observer?.disconnect();
      redraw.cancel();
      chart.destroy();
    };
  };
}
