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

/** Wall-clock time through the runtime's `setTimeout`. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};
