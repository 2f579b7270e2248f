import type { Browser } from '@playwright/test';
import { measureRawChannelTransfers, receiverCountedBytes, type RawChannelResult } from './raw-channel';
import { fixed, rateAtMedianTime } from './stats';

/**
 * The bare RTCDataChannel an unshaped swarm's goodput is compared with (`goodput / raw`): transfers on one
 * connection, the first on the fresh connection, the rest once it has settled.
 */
export interface RawReference {
  /**
   * The reference: a transfer's bytes over the median of the settled connection's transfer times (the fresh one's
   * rate alone if there is no other).
   */
  readonly bytesPerSec: number;
  /** The fresh connection's transfer: what the reference was before 2026-12-02, printed for comparison. */
  readonly freshBytesPerSec: number;
}

/**
 * The reference from one connection's transfers, in the order they ran, each of the same bytes. A fresh connection's
 * socket refuses packets early on and SCTP waits to resend them, for longer or shorter (bench/README.md, `mesh`); the
 * swarm's runs go over connections made while its tabs were set up, and show no packet discarded. Comparing them with
 * a fresh transfer made the ratio follow that transfer's luck (0.55–1.64 × the same goodput), so the fresh one
 * is left out of the reference (found by review). The settled ones' rate is their bytes over their median time, as
 * the swarm's goodput is: the median of their rates differs for an even count (10 and 20 MB/s: 15 against 13.33;
 * found by review).
 * @throws RangeError for no transfers.
 */
export function rawReferenceOf(
  transfers: readonly Pick<RawChannelResult, 'bytes' | 'messageBytes' | 'seconds' | 'bytesPerSec'>[],
): RawReference {
  const [fresh, ...settled] = transfers;
  if (!fresh) throw new RangeError('a raw reference needs at least one transfer');
  return {
    bytesPerSec:
      settled.length > 0
        ? rateAtMedianTime(
            receiverCountedBytes(fresh),
            settled.map((transfer) => transfer.seconds),
          )
        : fresh.bytesPerSec,
    freshBytesPerSec: fresh.bytesPerSec,
  };
}

/** Measures the reference in `browser`: one fresh transfer of `bytes`, then `settledTransfers` on the same connection. */
export async function measureRawReference(
  browser: Browser,
  bytes: number,
  settledTransfers: number,
): Promise<RawReference> {
  const transfers = await measureRawChannelTransfers(browser, { bytes, transfers: 1 + settledTransfers });
  const reference = rawReferenceOf(transfers);
  const each = (some: readonly RawChannelResult[]): string =>
    some.map((transfer) => `${fixed(transfer.bytesPerSec / 1e6)} (${transfer.packetsDiscardedOnSend})`).join(', ');
  console.log(
    `raw RTCDataChannel (same browser, before the swarm): ${fixed(reference.bytesPerSec / 1e6)} MB/s at the median ` +
      `time of ${transfers.length - 1} transfer(s) of ${bytes} bytes on a settled connection: ${each(transfers.slice(1))} ` +
      `MB/s (packets discarded on send); its first transfer, fresh: ${each(transfers.slice(0, 1))}`,
  );
  return reference;
}
