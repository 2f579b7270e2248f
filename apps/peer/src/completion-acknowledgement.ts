import type { Clock } from '@swarmlab/engine';
import type { SignallingResult } from '@swarmlab/protocol';

/** Between two reports of a completion the server has not acknowledged yet. */
export const COMPLETION_RETRY_MS = 500;

export interface AcknowledgementOptions {
  /**
   * A monotonic clock (`systemClock`: `performance.now()`): on the wall clock, a step set by a time sync ended the
   * wait at once or stretched it by the step (found by review).
   */
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly retryMs: number;
  /** Told once, as the first ask fails. */
  readonly onWaiting?: () => void;
  /** Whether the asker gave up (the peer closed): no more asks. */
  readonly cancelled: () => boolean;
}

/**
 * Sends `report` until the server acknowledges it (true), and false once `timeoutMs` passed or the asker gave up.
 * An ask still unanswered when the time is up is not waited for: the client's own request time-out took the wait
 * up to 10 s past it (found by review).
 */
export async function acknowledgedWithin(
  report: () => Promise<SignallingResult>,
  options: AcknowledgementOptions,
): Promise<boolean> {
  const { clock, timeoutMs, retryMs } = options;
  const deadlineMs = clock.nowMs() + timeoutMs;
  let told = false;
  for (;;) {
    if (options.cancelled()) return false;
    const answer = await settledWithin(clock, deadlineMs - clock.nowMs(), report());
    if (answer?.ok) return true;
    const leftMs = deadlineMs - clock.nowMs();
    if (answer === undefined || leftMs <= 0 || options.cancelled()) return false;
    if (!told) options.onWaiting?.();
    told = true;
    await new Promise<void>((resume) => clock.setTimer(Math.min(retryMs, leftMs), resume));
  }
}

/** What `promise` settles to, or undefined if it has not within `waitMs` on `clock`. */
function settledWithin<T>(clock: Clock, waitMs: number, promise: Promise<T>): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const cancel = clock.setTimer(Math.max(0, waitMs), () => resolve(undefined));
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
