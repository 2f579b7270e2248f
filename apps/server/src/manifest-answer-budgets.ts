import type { Manifest } from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import { createTokenBucket, type TokenBucket } from './token-bucket';

export type ManifestAnswerLimits = Pick<ServerLimits, 'manifestBytesPerSecPerAddress' | 'manifestByteBurstPerAddress'>;

/** How often, at most, budgets that have refilled are dropped (on an answer, never on a timer). */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Each network address's budget of manifest bytes the server sends it in answers (`swarm:join`, `swarm:watch`),
 * a token bucket of `manifestByteBurstPerAddress` refilled at `manifestBytesPerSecPerAddress`. A request of a
 * few dozen bytes is answered with the whole manifest, up to a megabyte: without this, a client looping watch
 * and leave made the server serialize and send a thousand times what it was charged, a gigabyte a second from
 * one address at its received-byte budget, and more than a core of `JSON.stringify`.
 *
 * An answer is admitted while the budget is not in debt and then charged what it carried, so the burst is what
 * a whole classroom behind one address joining a swarm of the largest file at once needs. A budget is kept only
 * while it is not full again.
 */
export interface ManifestAnswerBudgets {
  /** Whether `address` may be sent a manifest now: its budget is not in debt (else refuse `rate-limited`). */
  mayAnswer(address: AddressKey): boolean;
  /** `manifest` was sent to `address`: its bytes are charged, into debt if need be. */
  answered(address: AddressKey, manifest: Manifest): void;
  /** Addresses with a budget held (they were sent manifests lately). */
  readonly size: number;
}

/** Each manifest's size as JSON, measured once: it is immutable, and a swarm answers it to every newcomer. */
const wireBytesOf = new WeakMap<Manifest, number>();

/** `manifest`'s UTF-8 bytes as JSON, as socket.io sends it. */
export function manifestWireBytes(manifest: Manifest): number {
  let bytes = wireBytesOf.get(manifest);
  if (bytes === undefined) {
    bytes = Buffer.byteLength(JSON.stringify(manifest));
    wireBytesOf.set(manifest, bytes);
  }
  return bytes;
}

export function createManifestAnswerBudgets(limits: ManifestAnswerLimits, nowMs: ClockMs): ManifestAnswerBudgets {
  const capacity = limits.manifestByteBurstPerAddress;
  const refillPerSec = limits.manifestBytesPerSecPerAddress;
  const budgets = new Map<AddressKey, TokenBucket>();
  let lastSweepMs = nowMs();

  const sweep = (): void => {
    if (nowMs() - lastSweepMs < SWEEP_INTERVAL_MS) return;
    lastSweepMs = nowMs();
    for (const [address, bucket] of budgets) if (bucket.balance() >= capacity) budgets.delete(address);
  };

  return {
    mayAnswer: (address) => (budgets.get(address)?.balance() ?? capacity) >= 0,

    answered(address, manifest) {
      sweep();
      const bucket = budgets.get(address) ?? createTokenBucket({ capacity, refillPerSec, nowMs });
      budgets.set(address, bucket);
      bucket.charge(manifestWireBytes(manifest));
    },

    get size() {
      return budgets.size;
    },
  };
}
