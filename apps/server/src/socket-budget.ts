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
   * Charges a received frame: its length plus `FRAME_COST_FLOOR_BYTES`, into debt if need be. False once the
   * socket's debt exceeds a whole burst, or its address's does while this socket is in debt itself: it went on
   * sending long after its requests were refused, and is to be disconnected. A socket of the address that did
   * not run up the debt (a classmate behind the same school NAT, reporting its progress) only waits: it was
   * disconnected too, as a deliberate leave, its place given up and its download counted abandoned.
   */
  received(frameBytes: number): boolean;
  /** Whether an event may be handled now: it takes a request token, and neither budget may be in debt. */
  admit(): boolean;
}

export function createSocketBudget(limits: SocketBudgetLimits, address: TokenBucket, nowMs?: ClockMs): SocketBudget {
  const clock = nowMs && { nowMs };
  const requests = createTokenBucket({ capacity: limits.messageBurst, refillPerSec: limits.messagesPerSec, ...clock });
  const bytes = createTokenBucket({
    capacity: limits.receivedByteBurst,
    refillPerSec: limits.receivedBytesPerSec,
    ...clock,
  });
  return {
    received(frameBytes) {
      const cost = frameBytes + FRAME_COST_FLOOR_BYTES;
      bytes.charge(cost);
      address.charge(cost);
      const ownDebt = bytes.balance();
      if (ownDebt < -limits.receivedByteBurst) return false;
      return address.balance() >= -limits.receivedByteBurstPerAddress || ownDebt >= 0;
    },
    admit() {
      return bytes.balance() >= 0 && address.balance() >= 0 && requests.tryTake();
    },
  };
}
