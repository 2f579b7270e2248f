import { systemClock, type CancelTimer, type Clock } from '@swarmlab/engine';
import * as workerTimers from 'worker-timers';

/**
 * True where a dedicated worker can be started for the timers (every browser page; not Node, where the
 * tests run, and not a page whose content security policy forbids blob workers).
 */
function workersAvailable(): boolean {
  return typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && typeof URL.createObjectURL === 'function';
}

let useWorker = workersAvailable();

/** In a worker, falling back to the page's own timers for good if the worker cannot start. */
function scheduleInWorker(delayMs: number, callback: () => void): CancelTimer {
  if (useWorker) {
    try {
      const id = workerTimers.setTimeout(callback, delayMs);
      return () => workerTimers.clearTimeout(id);
    } catch {
      useWorker = false;
    }
  }
  return systemClock.setTimer(delayMs, callback);
}

function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/** A timer on the page's own timers, which moves to the worker if the page is hidden before it fires. */
interface PageTimer {
  readonly dueMs: number;
  readonly callback: () => void;
  cancel: CancelTimer;
}

/** Timers running on the page's own timers now: the ones to move to the worker when the page is hidden. */
const onPageTimers = new Set<PageTimer>();
let followingVisibility = false;

function moveToWorkerWhenHidden(): void {
  if (followingVisibility || typeof document === 'undefined' || !useWorker) return;
  followingVisibility = true;
  document.addEventListener('visibilitychange', () => {
    if (!pageHidden()) return;
    const nowMs = performance.now();
    for (const timer of onPageTimers) {
      timer.cancel();
      timer.cancel = scheduleInWorker(Math.max(0, timer.dueMs - nowMs), timer.callback);
    }
    onPageTimers.clear();
  });
}

/**
 * Runs `callback` after `delayMs`. While the page is visible on its own timers (a worker's cost a message
 * each way: measured as about 2 % of a busy tab's main thread); while hidden in a dedicated worker; and a
 * timer set while visible moves to the worker the moment the page is hidden, so none waits for throttling.
 */
function schedule(delayMs: number, callback: () => void): CancelTimer {
  if (pageHidden() || !useWorker) return scheduleInWorker(delayMs, callback);
  moveToWorkerWhenHidden();
  const timer: PageTimer = {
    dueMs: performance.now() + delayMs,
    callback: () => {
      onPageTimers.delete(timer);
      callback();
    },
    cancel: () => {},
  };
  timer.cancel = systemClock.setTimer(delayMs, timer.callback);
  onPageTimers.add(timer);
  return () => {
    onPageTimers.delete(timer);
    timer.cancel();
  };
}

/**
 * The engine's clock in a browser tab, which keeps time while the tab is hidden.
 *
 * Chromium runs the timers of a tab behind the front one at most about once a second (measured here: a
 * 10 ms `setTimeout` chain fired 3 times in 3 s in a hidden tab, 292 in the front one), which would stall
 * every token bucket that emulates a link, every pipelining refill and every rechoke of a hidden peer.
 * Timers of a dedicated worker are not throttled (the same chain in a worker of the hidden tab: 291), so
 * while the page is hidden the timers run there (`worker-timers`) and only their callbacks come back to
 * the page, as messages, which Chromium does not delay either.
 */
export const browserClock: Clock = {
  // Monotonic, as `systemClock` says why; only relative times leave the engine (elapsed, rates).
  nowMs: () => performance.now(),
  setTimer: schedule,
};

/**
 * Runs `task` every `periodMs` on the same timers as `browserClock` (unthrottled while hidden), until the
 * returned function is called: for a tab's periodic work that must go on while it is hidden (reports).
 */
export function everyMs(periodMs: number, task: () => void): CancelTimer {
  let cancelNext: CancelTimer | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    cancelNext = schedule(periodMs, tick);
    task();
  };
  cancelNext = schedule(periodMs, tick);
  return () => {
    stopped = true;
    cancelNext?.();
  };
}
