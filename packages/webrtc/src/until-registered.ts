import type { SignallingError, SignallingResult } from '@swarmlab/protocol';

/** Between two asks while the server waits for a swarm's members to register it again. */
export const REGISTERED_ASK_INTERVAL_MS = 1000;
/**
 * The most a client waits, whatever the server says: a server tells `swarm-not-registered-yet` for its
 * `memberGraceMs` (30 s by default) after it started, and then `swarm-not-found`.
 */
export const REGISTERED_PATIENCE_MS = 60_000;

/** Refusals that a later ask may not get. */
const ASK_AGAIN: ReadonlySet<SignallingError['code']> = new Set([
  'swarm-not-registered-yet',
  'rate-limited',
  'signalling-lost',
]);

/**
 * What an asker is told when the connection stayed lost for all its patience (`signalling-lost` says the client is
 * reconnecting, which it no longer does for this asker).
 */
export const SIGNALLING_UNREACHABLE: SignallingError = {
  code: 'signalling-lost',
  message: 'The signalling server could not be reached: check the network, or that the server runs, and try again.',
};

export interface UntilRegisteredOptions {
  /** Told each time the server answers that it does not know the swarm yet (it has just started), not for a `rate-limited`. */
  readonly onWaiting?: (error: SignallingError) => void;
  /** Whether the asker gave up (its tab left, its process is stopping): no more asks, the last answer is returned. */
  readonly cancelled?: () => boolean;
  readonly intervalMs?: number;
  readonly patienceMs?: number;
  /** The refusals asked again on (by default `swarm-not-registered-yet`, `rate-limited` and `signalling-lost`). */
  readonly askAgain?: ReadonlySet<SignallingError['code']>;
}

/**
 * Asks (`swarm:join`, `swarm:watch`) until the answer is anything but `swarm-not-registered-yet` or
 * `rate-limited`: a server that has just restarted does not know a swarm until its members, reconnecting,
 * register it again, and a screen or tab opened in that moment waits for them instead of being told the swarm
 * has ended; and a classroom behind one address joining all at once may find the address over a budget for a
 * moment (the large answers sent to it, say), which a later ask is within. Only the first is told (`onWaiting`).
 * A connection lost while asking (the server restarting again, Wi-Fi roaming) is waited for too: its client
 * reconnects by itself, and the next ask after that goes through; a tab or screen entering then failed for good,
 * telling its user it was reconnecting.
 */
export async function untilRegistered<T extends object>(
  ask: () => Promise<SignallingResult<T>>,
  options: UntilRegisteredOptions = {},
): Promise<SignallingResult<T>> {
  const {
    intervalMs = REGISTERED_ASK_INTERVAL_MS,
    patienceMs = REGISTERED_PATIENCE_MS,
    askAgain = ASK_AGAIN,
  } = options;
  // The monotonic clock: the wall clock set by a sync (or a laptop's wake-up) gave up at the first ask, or asked for
  // an hour (found by review).
  const deadlineMs = performance.now() + patienceMs;
  for (;;) {
    const answer = await ask();
    if (answer.ok || !askAgain.has(answer.error.code)) return answer;
    if (options.cancelled?.()) return answer;
    if (performance.now() + intervalMs > deadlineMs)
      return answer.error.code === 'signalling-lost' ? { ok: false, error: SIGNALLING_UNREACHABLE } : answer;
    if (answer.error.code === 'swarm-not-registered-yet') options.onWaiting?.(answer.error);
    await new Promise((resume) => setTimeout(resume, intervalMs));
    if (options.cancelled?.()) return answer;
  }
}
