import type { SignallingError, SignallingResult } from '@swarmlab/protocol';

/** Between two asks while the server waits for a swarm's members to register it again. */
export const REGISTERED_ASK_INTERVAL_MS = 1000;
/**
 * The most a client waits, whatever the server says: a server tells `swarm-not-registered-yet` for its
 * `memberGraceMs` (30 s by default) after it started, and then `swarm-not-found`.
 */
export const REGISTERED_PATIENCE_MS = 60_000;

export interface UntilRegisteredOptions {
  /** Told each time the server answers that it does not know the swarm yet (it has just started). */
  readonly onWaiting?: (error: SignallingError) => void;
  /** Whether the asker gave up (its tab left, its process is stopping): no more asks, the last answer is returned. */
  readonly cancelled?: () => boolean;
  readonly intervalMs?: number;
  readonly patienceMs?: number;
}

/**
 * Asks (`swarm:join`, `swarm:watch`) until the answer is anything but `swarm-not-registered-yet`: a server
 * that has just restarted does not know a swarm until its members, reconnecting, register it again, and
 * a screen or tab opened in that moment waits for them instead of being told the swarm has ended.
 */
export async function untilRegistered<T extends object>(
  ask: () => Promise<SignallingResult<T>>,
  options: UntilRegisteredOptions = {},
): Promise<SignallingResult<T>> {
  const { intervalMs = REGISTERED_ASK_INTERVAL_MS, patienceMs = REGISTERED_PATIENCE_MS } = options;
  const deadlineMs = Date.now() + patienceMs;
  for (;;) {
    const answer = await ask();
    if (answer.ok || answer.error.code !== 'swarm-not-registered-yet') return answer;
    if (options.cancelled?.() || Date.now() + intervalMs > deadlineMs) return answer;
    options.onWaiting?.(answer.error);
    await new Promise((resume) => setTimeout(resume, intervalMs));
    if (options.cancelled?.()) return answer;
  }
}
