import type { SignallingError, SignallingResult } from '@swarmlab/protocol';
import { untilRegistered } from './until-registered';

/**
 * Refusals of what a client says of itself unasked (its name as it enters, a tab's link's own settings) that a later
 * send may not get: a class behind one address coming back at once after a server restart runs the address over its
 * budget for a moment, and every name was lost for the lesson, the link's settings with them (found by review). The
 * headless peer's `--name` was lost the same way (found by review).
 */
export const PASSING_REFUSALS: ReadonlySet<SignallingError['code']> = new Set<SignallingError['code']>([
  'timeout',
  'rate-limited',
  'internal-error',
  'signalling-lost',
]);

/** Between two sends of the same thing. */
export const OWN_SEND_INTERVAL_MS = 2000;

/**
 * Sends what `send` sends until the server takes it, refuses it for good, or `patienceMs` passed (a minute,
 * `REGISTERED_PATIENCE_MS`, by default); `cancelled`: whether it is no longer to be sent (the client left, its
 * connection was replaced, or it sends a newer one).
 */
export function sentUntilTaken(
  send: () => Promise<SignallingResult>,
  cancelled: () => boolean,
  patienceMs?: number,
): Promise<SignallingResult> {
  return untilRegistered(send, {
    askAgain: PASSING_REFUSALS,
    intervalMs: OWN_SEND_INTERVAL_MS,
    cancelled,
    ...(patienceMs !== undefined && { patienceMs }),
  });
}
