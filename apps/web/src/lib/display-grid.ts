/**
 * The instants at which a page's rate-limited drawing happens: multiples of an interval on the page's
 * clock (`performance.now()`), each served by one timer. A peer's page draws values from several sources at
 * a limited rate (the engine's samples and the server's broadcasts twice a second, the charts once a
 * second); each on a timer of its own, they changed the screen at different moments, and every change of a
 * visible tab costs a frame (style, layout, paint, compositing): about five frames a second per tab in a
 * trace of `bench swarm --peers 8`, where two would do. On one grid, their updates land in one task, so one
 * frame. Intervals that divide each other (500 ms, 1 s) share their instants.
 */
interface Slot {
  readonly timer: ReturnType<typeof setTimeout>;
  readonly callbacks: Set<(dueMs: number) => void>;
}

/** Pending instants by their time (ms on `performance.now()`). */
const slots = new Map<number, Slot>();

/** The first multiple of `intervalMs` at or after `earliestMs`. */
export function gridInstantMs(earliestMs: number, intervalMs: number): number {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive (got ${intervalMs})`);
  return Math.ceil(earliestMs / intervalMs) * intervalMs;
}

/**
 * Calls `callback` at the first multiple of `intervalMs` at or after `earliestMs` (`performance.now()`
 * time), in the same task as every other callback due at that instant, with that instant: a busy page runs
 * timers late, and a caller that counts its next interval from the instant rather than from the clock stays
 * on the grid. Returns the function that cancels it.
 */
export function atGridInstant(earliestMs: number, intervalMs: number, callback: (dueMs: number) => void): () => void {
  const dueMs = gridInstantMs(earliestMs, intervalMs);
  let slot = slots.get(dueMs);
  if (!slot) {
    const callbacks = new Set<(dueMs: number) => void>();
    const timer = setTimeout(
      () => {
        slots.delete(dueMs);
        for (const due of callbacks) {
          try {
            due(dueMs);
          } catch (error) {
            // Reported as uncaught, without keeping the other callbacks of this instant from running.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      },
      Math.max(0, dueMs - performance.now()),
    );
    slot = { timer, callbacks };
    slots.set(dueMs, slot);
  }
  const own = slot;
  const call = (due: number): void => callback(due);
  own.callbacks.add(call);
  return () => {
    own.callbacks.delete(call);
    if (own.callbacks.size > 0 || slots.get(dueMs) !== own) return;
    clearTimeout(own.timer);
    slots.delete(dueMs);
  };
}
