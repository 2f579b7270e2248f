import {
  MAX_BLOCK_BYTES,
  MAX_CAP_BYTES_PER_SEC,
  RATE_WINDOW_MS,
  type Manifest,
  type PeerRole,
  type ProgressReport,
} from '@swarmlab/protocol';

/**
 * What is physically possible for a progress report (issue #10 §3): the server cannot see the bytes a
 * tab moves, but it knows the file, the run's caps and, on its own clock, how long each peer has taken
 * part. A report beyond these bounds is refused and its sender flagged (see docs/TRUST.md). Every
 * allowance below errs towards believing: an honest tab must never be refused.
 */

/**
 * No browser link comes near it (data channels carry tens of MB/s): what a link without a cap stands
 * for, and the ceiling of every reported rate. It is also the protocol's largest cap.
 */
export const PHYSICAL_MAX_BYTES_PER_SEC = MAX_CAP_BYTES_PER_SEC;

/**
 * Most a peer downloads in a run, in files: the endgame asks a block of at most two peers
 * (`endgameMaxRequestsPerBlock`) and a chunk that fails its hash is fetched again, so an honest peer
 * stays under twice the file; three leave room for both at once.
 */
export const DOWNLOAD_FILE_FACTOR = 3;
/** Plus this many chunks: a tiny file's endgame is all of it. */
export const DOWNLOAD_SLACK_CHUNKS = 4;

/**
 * How far over its cap a reported rate (a two-second average) may be. A shaped upload exceeds its cap by
 * its burst and one block at most; a shaped download paces its requests, but blocks an uploader held back
 * can arrive together. Twice the cap plus `RATE_SLACK_BYTES_PER_SEC` covers both.
 */
export const RATE_CAP_FACTOR = 2;
export const RATE_SLACK_BYTES_PER_SEC = 1024 * 1024;

/**
 * What one token bucket may pass above its rate, in seconds of that rate: its burst (the engine's is
 * 0.05 s, at least a block) five times over. One message more (`MAX_BLOCK_BYTES`) goes through when the
 * balance is just positive.
 */
export const SHAPING_ALLOWANCE_SEC = 0.25;

/**
 * Progress may run this much ahead of what the caps allow and still be believed: token buckets are
 * exact, this covers timer and clock granularity. The server's times (the start broadcast → the
 * report's receipt) only add to a tab's own transfer time.
 */
export const PROGRESS_TIME_TOLERANCE = 0.9;

/** A rate in bytes/s; `null` for a link without a cap. */
type Cap = number | null;

/** Bytes a shaped link may pass in `elapsedMs`: its rate's worth, its burst and one message. */
export function bytesThroughCap(cap: Cap, elapsedMs: number): number {
  return bytesThroughCapSpans([{ cap, elapsedMs }]);
}

/**
 * Bytes one sender's shaped link may pass in several spans of time (at the cap of each): each span's rate's worth,
 * and one burst and one message among them all, the largest cap's. Granted once per span, the burst made a sender
 * that left and came back a few dozen times vouch for a whole file it never sent (found by review).
 */
export function bytesThroughCapSpans(spans: readonly CapSpan[]): number {
  let rateBytes = 0;
  let allowance = 0;
  for (const { cap, elapsedMs } of spans) {
    const rate = cap ?? PHYSICAL_MAX_BYTES_PER_SEC;
    rateBytes += (rate * Math.max(0, elapsedMs)) / 1000;
    allowance = Math.max(allowance, Math.max(MAX_BLOCK_BYTES, rate * SHAPING_ALLOWANCE_SEC) + MAX_BLOCK_BYTES);
  }
  return (rateBytes + allowance) / PROGRESS_TIME_TOLERANCE;
}

/** A shaped link's cap over a span of time. */
export interface CapSpan {
  readonly cap: Cap;
  readonly elapsedMs: number;
}

/**
 * What a leecher may have received in `elapsedMs`: the smaller of what its download cap passes and what its senders'
 * upload caps pass together, those there all along over the whole time, those that left over the time each was
 * there with it, one burst among them (`bytesThroughCapSpans`). Counted over the whole time, or each with a burst of
 * its own, forty puppets joining and leaving at once let a completion 0.2 s into a run bounded at 4.2 s be believed
 * (found by review).
 */
export function receivableBytes(run: {
  readonly elapsedMs: number;
  readonly downloadBytesPerSec: Cap;
  readonly senderUploadBytesPerSec: readonly Cap[];
  readonly departedSenderSpans?: readonly CapSpan[];
}): number {
  const present = run.senderUploadBytesPerSec.reduce<number>(
    (sum, cap) => sum + bytesThroughCap(cap, run.elapsedMs),
    0,
  );
  const departed = run.departedSenderSpans?.length ? bytesThroughCapSpans(run.departedSenderSpans) : 0;
  return Math.min(bytesThroughCap(run.downloadBytesPerSec, run.elapsedMs), present + departed);
}

/** Highest rate a link with `cap` may report. */
export function maxReportedRate(cap: Cap): number {
  return cap === null
    ? PHYSICAL_MAX_BYTES_PER_SEC
    : Math.min(PHYSICAL_MAX_BYTES_PER_SEC, cap * RATE_CAP_FACTOR + RATE_SLACK_BYTES_PER_SEC);
}

/** Most bytes one peer downloads in one run of `manifest`'s file. */
export function maxDownloadedBytes(manifest: Manifest): number {
  return manifest.sizeBytes * DOWNLOAD_FILE_FACTOR + manifest.chunkBytes * DOWNLOAD_SLACK_CHUNKS;
}

/** Bytes the chunks a report holds add up to, at least (the last chunk may be the short one). */
export function heldBytesAtLeast(report: ProgressReport, manifest: Manifest): number {
  if (report.chunksHeld === 0) return 0;
  const lastChunkBytes =
    manifest.sizeBytes - (Math.ceil(manifest.sizeBytes / manifest.chunkBytes) - 1) * manifest.chunkBytes;
  return report.chunksHeld * manifest.chunkBytes - (manifest.chunkBytes - lastChunkBytes);
}

/** What bounds one report; the run's part is absent for a report of no run going on. */
export interface ReportBoundsInput {
  readonly manifest: Manifest;
  /** The sender's role in the swarm (the founder seeds, whatever its report says). */
  readonly role: PeerRole;
  /** Peers that may have received from the sender: everyone who took part in a run with it, at most. */
  readonly peerCount: number;
  /** What the others reported sending it in the run its report names (`ParticipantContext`). */
  readonly witnessedBytes?: number;
  readonly run?: {
    /** How long the sender has taken part in the run, on the server's clock. */
    readonly elapsedMs: number;
    readonly uploadBytesPerSec: Cap;
    readonly downloadBytesPerSec: Cap;
    /** The upload caps of every other participant that may have sent to it (u_s, and each u_j in p2p). */
    readonly senderUploadBytesPerSec: readonly Cap[];
    /** Leechers that left the run before completing: each one's cap over the time it overlapped this peer's. */
    readonly departedSenderSpans?: readonly CapSpan[];
  };
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toPrecision(3)} MiB`;

/**
 * The one-line reason `report` is physically impossible, or undefined when it is possible: byte counts
 * beyond what the file allows, rates beyond the caps (or 10 GB/s), a leecher holding more than it
 * received, or progress faster than its caps and its senders' let it arrive since it took part.
 */
export function implausibilityOf(report: ProgressReport, input: ReportBoundsInput): string | undefined {
  const { manifest, role, run } = input;
  const downloadLimit = maxDownloadedBytes(manifest);
  if (report.downloadedBytes > downloadLimit)
    return `downloadedBytes: ${report.downloadedBytes} is more than ${DOWNLOAD_FILE_FACTOR} times the file`;
  const uploadLimit = downloadLimit * Math.max(1, input.peerCount - 1);
  if (report.uploadedBytes > uploadLimit)
    return `uploadedBytes: ${report.uploadedBytes} is more than ${Math.max(1, input.peerCount - 1)} peers could download`;

  const sentTo = sentToMisfit(report);
  if (sentTo !== undefined) return sentTo;

  const rates: [keyof ProgressReport & `${string}BytesPerSec`, Cap][] = [
    ['uploadBytesPerSec', run?.uploadBytesPerSec ?? null],
    ['peakUploadBytesPerSec', run?.uploadBytesPerSec ?? null],
    ['downloadBytesPerSec', run?.downloadBytesPerSec ?? null],
    ['peakDownloadBytesPerSec', run?.downloadBytesPerSec ?? null],
  ];
  for (const [field, cap] of rates) {
    const limit = maxReportedRate(cap);
    if (report[field] > limit)
      return `${field}: ${report[field]} B/s is beyond ${cap === null ? 'any link' : `its cap of ${cap} B/s`}`;
  }

  // A rate is what moved over the window, divided by it: a peak beyond what the totals moved is made up. Believed, one
  // leecher's 9.9 GB/s peak with nothing uploaded stood in for its u_i in an uncapped run, and every screen and the
  // export measured the class against a quarter of its bound (found by review).
  const peaks: [keyof ProgressReport & `peak${string}`, number][] = [
    ['peakUploadBytesPerSec', report.uploadedBytes],
    ['peakDownloadBytesPerSec', report.downloadedBytes],
  ];
  for (const [field, totalBytes] of peaks) {
    const windowBytes = (report[field] * RATE_WINDOW_MS) / 1000;
    if (windowBytes > totalBytes + MAX_BLOCK_BYTES)
      return `${field}: ${report[field]} B/s over ${RATE_WINDOW_MS / 1000} s is more than the ${totalBytes} bytes it reports moving`;
  }

  // Only a run's own reports measure anything: once it is over, a tab whose page reloaded during it keeps
  // reporting chunks its new engine never counted, and the server no longer keeps what it received before.
  if (!run) return undefined;
  const received = Math.max(report.downloadedBytes, input.witnessedBytes ?? 0);
  if (role === 'leecher' && heldBytesAtLeast(report, manifest) > received)
    return `downloadedBytes: it holds ${report.chunksHeld} chunks but received only ${received} bytes`;

  const seconds = (run.elapsedMs / 1000).toFixed(3);
  if (report.uploadedBytes > bytesThroughCap(run.uploadBytesPerSec, run.elapsedMs))
    return `uploadedBytes: ${mib(report.uploadedBytes)} in ${seconds} s is faster than its upload cap`;
  if (role !== 'leecher') return undefined;
  const receivable = receivableBytes(run);
  // What it holds arrived too: judged by its own count alone, a tab that set its own d_i to 10 kB/s, downloaded at the
  // class's pace and said it received 100 kB was believed once its senders' accounts covered the file, and its d_i
  // became d_min: every screen and the export measured the class at 0.02 × its bound (found by review).
  const arrivedBytes = Math.max(report.downloadedBytes, heldBytesAtLeast(report, manifest));
  if (arrivedBytes > receivable) {
    const what = report.complete ? 'a completion' : `${mib(arrivedBytes)} received`;
    return `${what} after ${seconds} s is faster than its download cap and its senders' upload caps allow (${mib(receivable)} at most)`;
  }
  return undefined;
}

/**
 * What a report says it sent each neighbour must add up to what it says it sent in all (the engine's
 * per-peer totals are its upload split by peer), and name each neighbour once.
 */
function sentToMisfit(report: ProgressReport): string | undefined {
  const named = new Set<string>();
  let total = 0;
  for (const { peerId, bytes } of report.sentTo) {
    if (named.has(peerId)) return `sentTo: names ${peerId} twice`;
    named.add(peerId);
    total += bytes;
  }
  // The sum of floating-point figures may land a hair above the total: a byte spares it.
  if (total > report.uploadedBytes + 1)
    return `sentTo: adds up to ${total} bytes, more than the ${report.uploadedBytes} it uploaded`;
  return undefined;
}
