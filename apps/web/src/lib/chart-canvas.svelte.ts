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

/** One point of a chart, already in the axes' units (chart.js does not parse). */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
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
 * the canvas mounts, redrawn when `data()` changes, destroyed with the canvas. Every chart here looks the
 * same way: no animation, no parsing (points are `{ x, y }`), the height of its container, titled axes,
 * y from zero.
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
    $effect(() => {
      latest = options.data();
      redraw.request();
    });
    return () => {
      redraw.cancel();
      chart.destroy();
    };
  };
}
