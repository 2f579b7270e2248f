/** Cancels a scheduled callback. */
export type CancelTimer = () => void;

/**
 * Time as the engine sees it. Injected so the same engine runs on wall-clock time in a browser and on
 * a virtual clock in tests and the simulator.
 */
export interface Clock {
  nowMs(): number;
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/**
 * The runtime's monotonic clock (`performance.now()`) and its `setTimeout`. Not `Date.now()`: the wall clock
 * steps when a laptop syncs its time on joining a network, and a step back would hold every emulated link,
 * request timeout and rate for as long, a step forward time every request out at once and lengthen the
 * measured distribution time by the step.
 */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};
