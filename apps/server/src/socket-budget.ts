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
   * Charges a received frame: its length plus `FRAME_COST_FLOOR_BYTES`, into debt if need be. False once
   * the socket's debt, or its address's, exceeds a whole burst: the socket went on sending long after its
   * requests were refused, and is to be disconnected.
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
      return bytes.balance() >= -limits.receivedByteBurst && address.balance() >= -limits.receivedByteBurstPerAddress;
    },
    admit() {
      return bytes.balance() >= 0 && address.balance() >= 0 && requests.tryTake();
    },
  };
}
