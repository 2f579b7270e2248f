import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type AddressBudgetLimits = Pick<ServerLimits, 'receivedBytesPerSecPerAddress' | 'receivedByteBurstPerAddress'>;

/**
 * The bytes all sockets of one address may send, together. A socket's own budget starts full, so
 * without this a client dropped for its debt would reconnect and spend another burst, again and again;
 * the address's budget outlives its sockets until its debt is repaid. An address's budget is held while
 * it has sockets, then, once the last one left, only until it would be full again (an unref'd timer), so
 * nothing stays behind an address that behaved.
 */
export interface AddressBudgets {
  /** The byte budget `address`'s sockets share, with one more socket on it. */
  open(address: AddressKey): TokenBucket;
  /** One socket of `address` is gone. */
  close(address: AddressKey): void;
  /** Whether `address` owes bytes: its new connections are refused until it has repaid them. */
  inDebt(address: AddressKey): boolean;
  /** Addresses with a budget held: connected, or repaying. */
  readonly size: number;
  /** Clears the repayment timers (the server is closing). */
  dispose(): void;
}

/** The deepest an address's debt goes, in bursts: repaid within two bursts' refill of its sockets' stopping. */
export const ADDRESS_MAX_DEBT_BURSTS = 2;

interface Entry {
  readonly bucket: TokenBucket;
  sockets: number;
  /** Set while no socket is left and the budget is still refilling. */
  forget?: ReturnType<typeof setTimeout> | undefined;
}

export function createAddressBudgets(limits: AddressBudgetLimits, nowMs?: ClockMs): AddressBudgets {
  const entries = new Map<AddressKey, Entry>();
  const capacity = limits.receivedByteBurstPerAddress;

  return {
    open(address) {
      const entry = entries.get(address) ?? {
        bucket: createTokenBucket({
          capacity,
          refillPerSec: limits.receivedBytesPerSecPerAddress,
          // Deep enough to tell sockets that run the address up (a whole burst in debt, `FrameVerdict`), no deeper:
          // a hundred sockets each sending at its own rate ran it 2 GB into debt in ten minutes, and classmates
          // behind the same NAT stayed refused for eleven minutes after they stopped (found by review).
          maxDebt: ADDRESS_MAX_DEBT_BURSTS * capacity,
          ...(nowMs && { nowMs }),
        }),
        sockets: 0,
      };
      clearTimeout(entry.forget);
      entry.forget = undefined;
      entry.sockets++;
      entries.set(address, entry);
      return entry.bucket;
    },

    close(address) {
      const entry = entries.get(address);
      if (!entry || --entry.sockets > 0) return;
      const refillMs = ((capacity - entry.bucket.balance()) / limits.receivedBytesPerSecPerAddress) * 1000;
      if (refillMs <= 0) {
        entries.delete(address);
        return;
      }
      entry.forget = setTimeout(() => entries.delete(address), refillMs);
      entry.forget.unref();
    },

    inDebt: (address) => (entries.get(address)?.bucket.balance() ?? 0) < 0,

    get size() {
      return entries.size;
    },

    dispose() {
      for (const entry of entries.values()) clearTimeout(entry.forget);
      entries.clear();
    },
  };
}
