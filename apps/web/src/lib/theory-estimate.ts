import type { SwarmProgress } from '@swarmlab/protocol';
import { clientServerBound, p2pBound, TheoryInputError, type ClientServerBound, type P2pBound } from '@swarmlab/theory';

/**
 * The model's inputs as this swarm ran, and its bounds. Until links are shaped, u_s, u_i and d_i are
 * the peak rates each peer measured (labelled as estimates on screen).
 */
export interface TheoryEstimate {
  readonly fileBytes: number;
  readonly peerCount: number;
  readonly serverUploadBytesPerSec: number;
  readonly totalPeerUploadBytesPerSec: number;
  readonly minPeerDownloadBytesPerSec: number;
  readonly clientServer: ClientServerBound | undefined;
  readonly p2p: P2pBound | undefined;
  readonly elapsedSec: number | undefined;
  readonly distributionSec: number | undefined;
}

export function estimateTheory(fileBytes: number, progress: SwarmProgress | undefined): TheoryEstimate {
  const reports = (progress?.peers ?? []).flatMap((peer) => (peer.report ? [peer.report] : []));
  const leechers = reports.filter((report) => report.role === 'leecher');
  const seeder = reports.find((report) => report.role === 'seeder');
  const serverUploadBytesPerSec = seeder?.peakUploadBytesPerSec ?? 0;
  const peerUploadBytesPerSec = leechers.map((report) => report.peakUploadBytesPerSec);
  const peerDownloadBytesPerSec = leechers.map((report) => report.peakDownloadBytesPerSec);
  const input = { peerCount: leechers.length, fileBytes, serverUploadBytesPerSec, peerDownloadBytesPerSec };
  return {
    fileBytes,
    peerCount: leechers.length,
    serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec: peerUploadBytesPerSec.reduce((sum, rate) => sum + rate, 0),
    minPeerDownloadBytesPerSec: peerDownloadBytesPerSec.length ? Math.min(...peerDownloadBytesPerSec) : 0,
    clientServer: boundOrUndefined(() => clientServerBound(input)),
    p2p: boundOrUndefined(() => p2pBound({ ...input, peerUploadBytesPerSec })),
    elapsedSec: progress?.elapsedMs == null ? undefined : progress.elapsedMs / 1000,
    distributionSec: progress?.distributionMs == null ? undefined : progress.distributionMs / 1000,
  };
}

/** Before any byte moved, rates are zero and the bounds are undefined, not an error. */
function boundOrUndefined<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof TheoryInputError) return undefined;
    throw error;
  }
}
