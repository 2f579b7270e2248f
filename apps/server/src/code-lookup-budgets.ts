import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import { AddressBuckets } from './address-buckets';

export type CodeLookupLimits = Pick<
  ServerLimits,
  'failedCodeLookupBurstPerAddress' | 'failedCodeLookupsPerHourPerAddress'
>;

/**
 * Each network address's budget of join-code lookups that named no swarm: a token bucket holding
 * `failedCodeLookupBurstPerAddress`, refilled at `failedCodeLookupsPerHourPerAddress`. A miss takes a
 * token; an address without one has every lookup refused, hits included, so trying codes tells it nothing
 * more until it has waited. This bound is what makes six characters unguessable (docs/TRUST.md). A budget
 * is kept only while it is not full again.
 */
export interface CodeLookupBudgets {
  /**
   * Takes a token from `address`'s budget for a lookup about to be made, which may miss, and says whether
   * it had one (if not, refuse the lookup). Taken before the lookup, not after a miss: socket.io hands a
   * burst of requests to their handlers before any lookup has answered, and each must find the budget
   * already smaller.
   */
  reserve(address: AddressKey): boolean;
  /** The lookup `reserve` was for named a swarm: its token comes back. */
  found(address: AddressKey): void;
  /** Addresses with a budget held (they missed lately). */
  readonly size: number;
}

export function createCodeLookupBudgets(limits: CodeLookupLimits, nowMs: ClockMs): CodeLookupBudgets {
  const buckets = new AddressBuckets({
    capacity: limits.failedCodeLookupBurstPerAddress,
    refillPerSec: limits.failedCodeLookupsPerHourPerAddress / 3600,
    nowMs,
  });
  return {
    reserve: (address) => buckets.of(address).tryTake(1),
    found: (address) => buckets.existing(address)?.charge(-1),
    get size() {
      return buckets.size;
    },
  };
}
