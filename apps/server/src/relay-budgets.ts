import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import type { SocketId } from './swarm-registry';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type RelayBudgetLimits = Pick<ServerLimits, 'relayByteBurstPerTarget' | 'relayBytesPerSecPerTarget'>;

/** How often, at most, budgets that have refilled are dropped (as one is used, never on a timer). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Each socket's budget of the signals relayed to it (`signal:relay`), whoever sends them: a token bucket of
 * `relayByteBurstPerTarget` bytes, refilled at `relayBytesPerSecPerTarget`. Each sender's own budgets bound what it
 * sends, not what many send to one target: members of a swarm together could queue more for a classmate than the
 * server holds for a socket (`maxSocketBacklogBytes`), and its connection was closed as a drop, again after each
 * resume (found by review). A relay past the budget is refused to its sender; its target is sent nothing.
 *
 * Kept by each process for the relays it makes (a target on another process, through Redis, has a budget in each
 * sender's process). A budget goes with its socket's disconnect here, and one of a socket elsewhere once it is full
 * again (dropped as budgets are used, at most once a minute, so no timer outlives the server).
 */
export interface RelayBudgets {
  /** Takes `bytes` from `target`'s budget and says true, or says false, taking nothing, when fewer are left. */
  tryRelay(target: SocketId, bytes: number): boolean;
  /** `target` disconnected: its budget goes. */
  forget(target: SocketId): void;
  /** Targets with a budget held: relayed to lately. */
  readonly size: number;
}

export function createRelayBudgets(limits: RelayBudgetLimits, nowMs: ClockMs = () => performance.now()): RelayBudgets {
  const capacity = limits.relayByteBurstPerTarget;
  const buckets = new Map<SocketId, TokenBucket>();
  let sweptAtMs = nowMs();
  const sweep = (): void => {
    if (nowMs() - sweptAtMs < SWEEP_INTERVAL_MS) return;
    sweptAtMs = nowMs();
    for (const [target, bucket] of buckets) if (bucket.balance() >= capacity) buckets.delete(target);
  };
  return {
    tryRelay(target, bytes) {
      sweep();
      let bucket = buckets.get(target);
      if (!bucket) {
        bucket = createTokenBucket({ capacity, refillPerSec: limits.relayBytesPerSecPerTarget, nowMs });
        buckets.set(target, bucket);
      }
      return bucket.tryTake(bytes);
    },
    forget(target) {
      buckets.delete(target);
    },
    get size() {
      return buckets.size;
    },
  };
}
