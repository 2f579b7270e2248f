import type { ClockMs } from './clock-ms';
import { FRAME_COST_FLOOR_BYTES, type ServerLimits } from './limits';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type SocketBudgetLimits = Pick<
  ServerLimits,
  'messagesPerSec' | 'messageBurst' | 'receivedBytesPerSec' | 'receivedByteBurst' | 'receivedByteBurstPerAddress'
>;

/**
 * What one socket may cost the server: requests (a token each, `messagesPerSec`, `messageBurst`) and
 * received bytes (`receivedBytesPerSec`, `receivedByteBurst`), the bytes also counted against the budget
 * its address's sockets share (`address-budgets.ts`). Bytes are charged per frame as it arrives, before
 * socket.io parses it, so every event pays, acknowledged or not, known or not, valid or not.
 */
export interface SocketBudget {
  /**
   * Charges a received frame: its length plus `FRAME_COST_FLOOR_BYTES`, into debt if need be, and says what is to
   * become of the socket (`FrameVerdict`).
   */
  received(frameBytes: number): FrameVerdict;
  /** Whether an event may be handled now: it takes a request token, and neither budget may be in debt. */
  admit(): boolean;
}

/**
 * What a received frame makes of its socket:
 * - `within`: nothing;
 * - `own-debt`: its own debt exceeds a whole burst, or it is in debt itself while its address's debt exceeds a whole
 *   burst: it went on sending long after its requests were refused, and is disconnected;
 * - `address-debt`: its address's debt exceeds a whole burst while this socket, within its own budget, spent more
 *   than a bystander would (`bystanderSpendBytes`), lately or over time (at over half its own rate: a hundred
 *   sockets each sending at exactly its own rate kept their budgets whole and were never dropped, found by
 *   review): it may be one of many sockets running the address up, or an
 *   honest tab that just sent a large request (a big file's manifest, offers to 24 peers). Its connection is closed as
 *   a drop: a classmate behind the same NAT keeps its place for its grace period, and takes it back if the address
 *   repaid by then (it was disconnected as a deliberate leave, its place given up and its download counted
 *   abandoned at once; found by review).
 * A socket of the address that spent no more than a bystander only waits, refused `rate-limited`.
 */
export type FrameVerdict = 'within' | 'own-debt' | 'address-debt';

/**
 * What a socket may have spent of its own budget, not yet refilled, and still count as a bystander of its
 * address's debt: a quarter of its burst, at most 256 KiB (many progress reports; far less than a flood).
 */
export function bystanderSpendBytes(limits: Pick<SocketBudgetLimits, 'receivedByteBurst'>): number {
  return Math.min(256 * 1024, limits.receivedByteBurst / 4);
}

export function createSocketBudget(limits: SocketBudgetLimits, address: TokenBucket, nowMs?: ClockMs): SocketBudget {
  const clock = nowMs && { nowMs };
  const requests = createTokenBucket({ capacity: limits.messageBurst, refillPerSec: limits.messagesPerSec, ...clock });
  const bytes = createTokenBucket({
    capacity: limits.receivedByteBurst,
    refillPerSec: limits.receivedBytesPerSec,
    ...clock,
  });
  // What it sends over time, against half its rate: an honest tab's reports stay well under (about 23 KB/s for a
  // class of 64), a socket sending at its own rate to keep `bytes` whole drains this at half that rate.
  const sustained = createTokenBucket({
    capacity: limits.receivedByteBurst,
    refillPerSec: limits.receivedBytesPerSec / 2,
    maxDebt: limits.receivedByteBurst,
    ...clock,
  });
  const bystanderBalance = limits.receivedByteBurst - bystanderSpendBytes(limits);
  return {
    received(frameBytes) {
      const cost = frameBytes + FRAME_COST_FLOOR_BYTES;
      bytes.charge(cost);
      sustained.charge(cost);
      address.charge(cost);
      const own = bytes.balance();
      if (own < -limits.receivedByteBurst) return 'own-debt';
      if (address.balance() >= -limits.receivedByteBurstPerAddress) return 'within';
      // The address a whole burst in debt: a socket that spent more than a little of its own budget lately may have
      // taken part in running it up (many sockets, each within its own budget, could otherwise flood the address
      // for ever); one that sent only reports, its budget nearly whole, is a bystander and only waits.
      if (own < 0) return 'own-debt';
      return own >= bystanderBalance && sustained.balance() >= bystanderBalance ? 'within' : 'address-debt';
    },
    admit() {
      return bytes.balance() >= 0 && address.balance() >= 0 && requests.tryTake();
    },
  };
}
