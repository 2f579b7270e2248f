import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import type { SocketId } from './swarm-registry';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type RelayBudgetLimits = Pick<ServerLimits, 'relayByteBurstPerPair' | 'relayBytesPerSecPerPair'>;

/** How often, at most, budgets that have refilled are dropped (as one is used, never on a timer). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The budget of the signals each socket has relayed to each other (`signal:relay`): a token bucket per (sender,
 * target) pair of `relayByteBurstPerPair` bytes, refilled at `relayBytesPerSecPerPair`. A target has at most its
 * swarm's other members as senders, so what they relay to it together stays under what the server queues for a socket
 * (`maxSocketBacklogBytes`): each sender's own budgets bound what it sends, not what many send to one socket, and 48
 * sockets of one address had a classmate's connection closed as a drop, again after each resume. One budget per
 * target, whoever sent, let a dozen members keep it empty with small signals, within their own budgets: every
 * newcomer's offer to the seeder was refused (found by review). A pair's budget is its sender's alone, so what other
 * members send never refuses it. A relay past it is refused to its sender; its target is sent nothing.
 *
 * Keyed by socket, not peer id: a member leaving and joining again under a new peer id gets no fresh budget. Kept by
 * the sender's process (its socket is there), so with several processes (Redis) a target is sent no more at once than
 * with one (a budget per target in each process multiplied by their number). A pair goes when either socket
 * disconnects here; one whose target is on another process goes once it is full again (dropped as budgets are used,
 * at most once a minute, so no timer outlives the server): the pairs held are those used in the last minute or two.
 */
export interface RelayBudgets {
  /** Takes `bytes` from the budget of `sender`'s relays to `target` and says true, or says false, taking nothing. */
  tryRelay(sender: SocketId, target: SocketId, bytes: number): boolean;
  /** `socket` disconnected: the budgets of the pairs it is in, as sender or target, go. */
  forget(socket: SocketId): void;
  /** (sender, target) pairs with a budget held: relayed between lately. */
  readonly size: number;
}

export function createRelayBudgets(limits: RelayBudgetLimits, nowMs: ClockMs = () => performance.now()): RelayBudgets {
  const capacity = limits.relayByteBurstPerPair;
  /** Each sender's budgets, by target. */
  const bySender = new Map<SocketId, Map<SocketId, TokenBucket>>();
  /** Each target's senders with a budget, so that its disconnect finds them. */
  const sendersOf = new Map<SocketId, Set<SocketId>>();
  let pairCount = 0;

  const drop = (sender: SocketId, target: SocketId): void => {
    const targets = bySender.get(sender);
    if (!targets?.delete(target)) return;
    pairCount -= 1;
    if (targets.size === 0) bySender.delete(sender);
    const senders = sendersOf.get(target);
    senders?.delete(sender);
    if (senders?.size === 0) sendersOf.delete(target);
  };

  let sweptAtMs = nowMs();
  const sweep = (): void => {
    if (nowMs() - sweptAtMs < SWEEP_INTERVAL_MS) return;
    sweptAtMs = nowMs();
    for (const [sender, targets] of bySender)
      for (const [target, bucket] of targets) if (bucket.balance() >= capacity) drop(sender, target);
  };

  return {
    tryRelay(sender, target, bytes) {
      sweep();
      let targets = bySender.get(sender);
      if (!targets) bySender.set(sender, (targets = new Map()));
      let bucket = targets.get(target);
      if (!bucket) {
        bucket = createTokenBucket({ capacity, refillPerSec: limits.relayBytesPerSecPerPair, nowMs });
        targets.set(target, bucket);
        pairCount += 1;
        let senders = sendersOf.get(target);
        if (!senders) sendersOf.set(target, (senders = new Set()));
        senders.add(sender);
      }
      return bucket.tryTake(bytes);
    },
    forget(socket) {
      for (const target of [...(bySender.get(socket)?.keys() ?? [])]) drop(socket, target);
      for (const sender of [...(sendersOf.get(socket) ?? [])]) drop(sender, socket);
    },
    get size() {
      return pairCount;
    },
  };
}
