import type { Manifest } from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import { AddressBuckets } from './address-buckets';

export type AnswerBudgetLimits = Pick<ServerLimits, 'answerBytesPerSecPerAddress' | 'answerByteBurstPerAddress'>;

/**
 * Each network address's budget of the large answers the server sends it: `swarm:join` (the manifest) and
 * `swarm:watch` (the manifest and the whole progress table), a token bucket of `answerByteBurstPerAddress`
 * refilled at `answerBytesPerSecPerAddress`. A request of a few dozen bytes is answered with up to a megabyte:
 * without this, a client looping watch and leave made the server serialize and send a thousand times what it
 * was charged, a gigabyte a second from one address at its received-byte budget, and more than a core of
 * `JSON.stringify`. Charging the manifest alone left a small file's swarm answering its 40 KB table 30 times
 * over what was charged (found by review).
 *
 * An answer is admitted while the budget is not in debt and then charged what it carried, so the burst is what
 * a whole classroom behind one address joining a swarm of the largest file at once needs. A budget is kept only
 * while it is not full again.
 */
export interface AnswerBudgets {
  /** Whether `address` may be sent a large answer now: its budget is not in debt (else refuse `rate-limited`). */
  mayAnswer(address: AddressKey): boolean;
  /** An answer of `bytes` (`manifestWireBytes`, `jsonBytes`) was sent to `address`: charged, into debt if need be. */
  answered(address: AddressKey, bytes: number): void;
  /** Addresses with a budget held (they were answered lately). */
  readonly size: number;
}

/** Each manifest's size as JSON, measured once: it is immutable, and a swarm answers it to every newcomer. */
const wireBytesOf = new WeakMap<Manifest, number>();

/** `manifest`'s UTF-8 bytes as JSON, as socket.io sends it. */
export function manifestWireBytes(manifest: Manifest): number {
  let bytes = wireBytesOf.get(manifest);
  if (bytes === undefined) {
    bytes = jsonBytes(manifest);
    wireBytesOf.set(manifest, bytes);
  }
  return bytes;
}

/** `value`'s UTF-8 bytes as JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

export function createAnswerBudgets(limits: AnswerBudgetLimits, nowMs: ClockMs): AnswerBudgets {
  const buckets = new AddressBuckets({
    capacity: limits.answerByteBurstPerAddress,
    refillPerSec: limits.answerBytesPerSecPerAddress,
    nowMs,
  });
  return {
    mayAnswer: (address) => buckets.balance(address) >= 0,
    answered: (address, bytes) => buckets.of(address).charge(bytes),
    get size() {
      return buckets.size;
    },
  };
}
