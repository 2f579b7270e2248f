import { clientServerBoundFromTotals, p2pBoundFromTotals } from './bounds';
import {
  requireFileBytes,
  requirePeerDownloadRate,
  requireFiniteTotals,
  requirePeerUploadRate,
  requirePositiveInteger,
  requirePositiveRate,
} from './validate';

export interface BoundCurveInput {
  /** F */
  readonly fileBytes: number;
  /** u_s */
  readonly serverUploadBytesPerSec: number;
  /** u: every peer's upload rate; 0 means peers never upload. */
  readonly peerUploadBytesPerSec: number;
  /** d: every peer's download rate; `Infinity` (the default) means unlimited. */
  readonly peerDownloadBytesPerSec?: number;
  /** The values of N to evaluate, in the order the points should come back. */
  readonly peerCounts: readonly number[];
}

/** One point of the distribution-time-against-N chart. */
export interface BoundCurvePoint {
  readonly peerCount: number;
  readonly clientServerSec: number;
  readonly p2pSec: number;
}

/**
 * Both bounds for a swarm of identical peers at each N, for the chart of distribution time against N:
 * `D_cs` grows linearly, `D_p2p` levels off as N grows when peers upload.
 * Throws {@link TheoryInputError} on inputs that make the bounds meaningless.
 */
export function boundCurve(input: BoundCurveInput): BoundCurvePoint[] {
  const peerDownloadBytesPerSec = input.peerDownloadBytesPerSec ?? Infinity;
  requireFileBytes('fileBytes', input.fileBytes);
  requirePositiveRate('serverUploadBytesPerSec', input.serverUploadBytesPerSec);
  requirePeerUploadRate('peerUploadBytesPerSec', input.peerUploadBytesPerSec);
  requirePeerDownloadRate('peerDownloadBytesPerSec', peerDownloadBytesPerSec);
  input.peerCounts.forEach((peerCount, index) => requirePositiveInteger(`peerCounts[${index}]`, peerCount));

  return input.peerCounts.map((peerCount) => {
    requireFiniteTotals(
      peerCount,
      input.fileBytes,
      input.serverUploadBytesPerSec,
      peerCount * input.peerUploadBytesPerSec,
    );
    const totals = {
      peerCount,
      fileBytes: input.fileBytes,
      serverUploadBytesPerSec: input.serverUploadBytesPerSec,
      totalPeerUploadBytesPerSec: peerCount * input.peerUploadBytesPerSec,
      minPeerDownloadBytesPerSec: peerDownloadBytesPerSec,
    };
    return {
      peerCount,
      clientServerSec: clientServerBoundFromTotals(totals).seconds,
      p2pSec: p2pBoundFromTotals(totals).seconds,
    };
  });
}
