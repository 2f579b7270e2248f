import type {
  Manifest,
  PeerRole,
  RunParticipant,
  RunPhase,
  RunState,
  SwarmMode,
  SwarmProgress,
} from '@swarmlab/protocol';
import { clientServerBoundOfTotals, p2pBoundOfTotals, TheoryInputError } from '@swarmlab/theory';

/**
 * A finished run as it is kept in the browser and exported: the configuration, the measured times and
 * the seed's bounds for exactly that configuration.
 *
 * The bounds use the emulated link rates (docs/THEORY.md). Where an upload had no cap (an unshaped link), the peer's
 * measured peak rate stands in for it and `boundsEstimated` is true: the bound is then an estimate. A download without
 * a cap is unlimited (F/d_min drops out): its peak measures what the swarm supplied, not the link.
 */
export interface RunRecord {
  /** `<swarmId>#<runNumber>`: unique, so a run seen twice is kept once. */
  readonly id: string;
  readonly swarmId: string;
  readonly runNumber: number;
  readonly startedAt: string;
  readonly mode: SwarmMode;
  readonly fileName: string;
  readonly fileBytes: number;
  readonly chunkBytes: number;
  /** N: leechers that took part to the end (flagged ones, whose reports the server refused, not counted). */
  readonly leechers: number;
  /**
   * Of `leechers`, those with no row in `peers`: they completed and left, and the server no longer listed them (it
   * keeps the latest 64 departed participants). Absent in runs kept before it was recorded.
   */
  readonly unlistedLeechers?: number;
  /**
   * Of `leechers`, those that joined after the start: each counts in N, its completion timed from the start, so its
   * lateness reads as the swarm's slowness. Absent in runs kept before it was recorded.
   */
  readonly lateLeechers?: number;
  readonly abandonedLeechers: number;
  /**
   * Leechers outside `leechers` and without a row: the server refused their reports (faster than their caps allow,
   * `flagged`), so they count neither in N nor in the bounds. The summary said how many; the export had no trace of
   * them (found by review). Absent in runs kept before it was recorded.
   */
  readonly flaggedLeechers?: number;
  /** u_s, B/s; null: no cap. */
  readonly seederUploadBytesPerSec: number | null;
  /** u_i and d_i the run was configured with (before per-peer overrides); null: no cap. */
  readonly peerUploadBytesPerSec: number | null;
  readonly peerDownloadBytesPerSec: number | null;
  /** Selfish leechers (left on completion) by default in this run. */
  readonly leaveOnComplete: boolean;
  /**
   * How the run ended: it finished, or it was stopped or interrupted before every leecher completed (kept too: the
   * completions of 29 students of 30 were lost when the teacher stopped the run for the last, found by review).
   * Absent in runs kept before stopped ones were: finished.
   */
  readonly phase?: Exclude<RunPhase, 'running'>;
  /** Why an `interrupted` run could not be measured to its end. */
  readonly interruption?: string | null;
  /** Null for a run that did not finish. */
  readonly distributionSec: number | null;
  readonly clientServerBoundSec: number | null;
  readonly p2pBoundSec: number | null;
  /** The bound of the run's own architecture. */
  readonly boundSec: number | null;
  /** distributionSec / boundSec; null without either. */
  readonly ratio: number | null;
  readonly boundsEstimated: boolean;
  /**
   * The rates the bounds were computed from, B/s, after per-peer overrides and with measured peaks standing in
   * for links without a cap, so a student can redo the arithmetic: u_s, Σu_i and d_min (null: no cap on any
   * download). Absent in runs kept before they were recorded.
   */
  readonly model?: {
    readonly serverUploadBytesPerSec: number;
    readonly totalPeerUploadBytesPerSec: number;
    readonly minPeerDownloadBytesPerSec: number | null;
    /** What the N got from leechers outside N: D_p2p counts it against N·F. Absent in older runs. */
    readonly uncountedUploadedBytes?: number;
  };
  /** How long into the run the signalling server restarted (the run then measured on the tabs' clocks), s. */
  readonly restoredAfterSec?: number | null;
  /** Bytes uploaded by everyone in the run, and the seeder's share of them (0..1). */
  readonly uploadedBytes: number;
  readonly seederUploadShare: number | null;
  readonly peers: readonly RunRecordPeer[];
}

export interface RunRecordPeer {
  readonly peerId: string;
  /** The name its user chose, as the screens showed it when the run finished; absent before names were kept. */
  readonly name?: string | null;
  readonly role: PeerRole;
  readonly uploadBytesPerSec: number | null;
  readonly downloadBytesPerSec: number | null;
  readonly leaveOnComplete: boolean;
  /** Null for the seeder. */
  readonly completedAfterSec: number | null;
  /** How long after the run's start it took part (0: from the start); absent in runs kept before it was recorded. */
  readonly joinedAfterSec?: number;
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
}

/** The model's inputs for one run, and its bounds. */
export interface RunBounds {
  readonly peerCount: number;
  readonly serverUploadBytesPerSec: number;
  readonly totalPeerUploadBytesPerSec: number;
  readonly minPeerDownloadBytesPerSec: number;
  readonly clientServerSec: number | null;
  readonly p2pSec: number | null;
  /** Some rate in the model is a measured peak, not a cap. */
  readonly estimated: boolean;
  /** D_cs rests on an estimate (u_s has no cap); D_p2p does when u_s or any u_i has none. */
  readonly clientServerEstimated: boolean;
  readonly p2pEstimated: boolean;
  /** Σu_i rests on an estimate: some leecher's upload has no cap. */
  readonly peerUploadEstimated: boolean;
  /**
   * Why `p2pSec` is unknown though the run's rates are: a client-server run whose leechers have no upload
   * cap (they uploaded nothing, so no peak can stand in for their u_i). Null otherwise.
   */
  readonly p2pUnknownReason: string | null;
}

/** Why a client-server run without leecher upload caps gives no D_p2p. */
export const P2P_UNKNOWN_IN_CLIENT_SERVER =
  'leechers do not upload in client-server, and without a u_i cap there is no upload rate to put in the bound';

/**
 * The participants whose reports the server believes: a flagged one (a report of it was refused as
 * impossible) counts neither in N, nor in the bounds, nor in the bytes, as in the server's run time.
 */
export function believedParticipants(run: RunState): RunParticipant[] {
  return run.participants.filter((peer) => peer.flagged === null);
}

/**
 * Bytes uploaded in `run` by the participants the server believes, those it no longer lists included, and the
 * seeder's part of them.
 */
export function uploadedBytesOf(run: RunState): { readonly allBytes: number; readonly seederBytes: number } {
  const believed = believedParticipants(run);
  return {
    allBytes: believed.reduce((sum, peer) => sum + peer.uploadedBytes, run.unlisted.uploadedBytes),
    seederBytes: believed.filter((peer) => peer.role === 'seeder').reduce((sum, peer) => sum + peer.uploadedBytes, 0),
  };
}

/** A leecher that took part this long after the start, or longer, joined late (within it: with the start's click). */
export const LATE_JOIN_MS = 1000;

/** Leechers counted in `run` (unflagged) that took part after its start: timed from the start all the same. */
export function lateLeechers(run: RunState): number {
  return believedParticipants(run).filter((peer) => peer.role === 'leecher' && peer.tookPartAfterMs >= LATE_JOIN_MS)
    .length;
}

/** Leechers of `run` the server flagged: listed, not counted. */
export function flaggedLeechers(run: RunState): number {
  return run.participants.filter((peer) => peer.role === 'leecher' && peer.flagged !== null).length;
}

/**
 * The seeder's upload cap in `run`: its own setting, which the run resolved (a "Set links" of the seeder,
 * `null` for none, overrides the run form's u_s); the form's only when no seeder took part.
 */
function seederCapOf(run: RunState): number | null {
  const seeder = run.participants.find((peer) => peer.role === 'seeder');
  return seeder ? seeder.settings.uploadBytesPerSec : run.config.seederUploadBytesPerSec;
}

/** The bounds for `run` (running or finished); peers' peak rates stand in for links without a cap. */
export function boundsOfRun(run: RunState, fileBytes: number, progress: SwarmProgress | undefined): RunBounds {
  // Reports of this run only: until a tab's first report of a new run, its row holds the previous run's peaks, and the
  // bounds shown at each start were the previous run's, then jumped (found by review).
  const rows = new Map(
    (progress?.peers ?? []).map((peer) => [
      peer.peerId,
      peer.report?.runNumber === run.runNumber ? peer.report : undefined,
    ]),
  );
  // The server keeps each participant's highest peak of the run, also once its tab is closed (its row gone);
  // the row's latest report may be a broadcast newer.
  const peakUploadOf = (peer: RunParticipant): number =>
    Math.max(peer.peakUploadBytesPerSec, rows.get(peer.peerId)?.peakUploadBytesPerSec ?? 0);
  let estimated = false;
  const rateOr = (cap: number | null, peak: number | undefined): number => {
    if (cap !== null) return cap;
    estimated = true;
    return peak ?? 0;
  };
  const believed = believedParticipants(run);
  const seeder = run.participants.find((peer) => peer.role === 'seeder');
  const leechers = believed.filter((peer) => peer.role === 'leecher');
  const serverUploadBytesPerSec = rateOr(seederCapOf(run), seeder && peakUploadOf(seeder));
  // Read before the leechers' rates are looked at: D_cs needs only u_s (and d_min, never estimated).
  const clientServerEstimated = estimated;
  // In client-server the leechers never upload: their peaks (about 0) would say P2P cannot beat it.
  const p2pUnknownReason =
    run.config.mode === 'client-server' &&
    // Some leecher the server no longer lists had no upload cap, or a listed one has none.
    (run.unlisted.uploadEstimated || leechers.some((peer) => peer.settings.uploadBytesPerSec === null))
      ? P2P_UNKNOWN_IN_CLIENT_SERVER
      : null;
  // Completed leechers the server no longer lists (past the most departed ones it keeps) count as listed ones: their
  // Σu_i and their lowest d_i (only the sum and the least count in the bounds), added as totals: a list of a rate per
  // peer as long as a hostile server's count threw or took hundreds of MB at every broadcast (found by review).
  const { unlisted } = run;
  if (unlisted.uploadEstimated) estimated = true;
  const totalPeerUploadBytesPerSec = leechers.reduce(
    (sum, peer) => sum + rateOr(peer.settings.uploadBytesPerSec, peakUploadOf(peer)),
    unlisted.leechers > 0 ? unlisted.uploadBytesPerSec : 0,
  );
  const peerUploadEstimated =
    unlisted.uploadEstimated || leechers.some((peer) => peer.settings.uploadBytesPerSec === null);
  // An uncapped download is unlimited in the model (d_i = ∞): F/d_min then drops out.
  const minPeerDownloadBytesPerSec = leechers.reduce(
    (min, peer) => Math.min(min, peer.settings.downloadBytesPerSec ?? Infinity),
    unlisted.leechers > 0 ? (unlisted.minDownloadBytesPerSec ?? Infinity) : Infinity,
  );
  const peerCount = leechers.length + unlisted.leechers;
  const totals = {
    peerCount,
    fileBytes,
    serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec,
    minPeerDownloadBytesPerSec,
  };
  return {
    peerCount,
    serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec,
    minPeerDownloadBytesPerSec,
    clientServerSec: secondsOrNull(() => clientServerBoundOfTotals(totals).seconds),
    // What the N got from leechers outside N delivered part of the N copies (docs/THEORY.md).
    p2pSec: p2pUnknownReason
      ? null
      : secondsOrNull(
          () => p2pBoundOfTotals({ ...totals, uncountedUploadedBytes: run.uncountedUploadedBytes }).seconds,
        ),
    estimated,
    clientServerEstimated,
    p2pEstimated: estimated,
    peerUploadEstimated,
    p2pUnknownReason,
  };
}

/**
 * The record of a run once it ended (finished, stopped or interrupted); undefined while it goes on. `namesSeen`: the
 * name each peer's row showed in the tables seen before this one (for participants that left since).
 */
export function recordOfRun(
  swarmId: string,
  manifest: Manifest,
  run: RunState,
  progress: SwarmProgress | undefined,
  namesSeen: ReadonlyMap<string, string | null> = new Map(),
): RunRecord | undefined {
  if (run.phase === 'running' || (run.phase === 'finished' && run.distributionMs === null)) return undefined;
  const bounds = boundsOfRun(run, manifest.sizeBytes, progress);
  const distributionSec = run.phase === 'finished' && run.distributionMs !== null ? run.distributionMs / 1000 : null;
  const boundSec = run.config.mode === 'p2p' ? bounds.p2pSec : bounds.clientServerSec;
  const believed = believedParticipants(run);
  // A participant that left before the end is in no row of the table any more: its name is the one its row showed
  // in an earlier table this page saw (`namesSeen`). Without it, a student who completed and closed the laptop was
  // exported under a name made up from its peer id, which no screen had shown (found by review).
  const names = new Map(namesSeen);
  for (const peer of progress?.peers ?? []) names.set(peer.peerId, peer.name ?? null);
  const { allBytes: uploadedBytes, seederBytes: seederUploaded } = uploadedBytesOf(run);
  return {
    id: `${swarmId}#${run.runNumber}`,
    swarmId,
    runNumber: run.runNumber,
    startedAt: new Date(run.startedAtEpochMs).toISOString(),
    mode: run.config.mode,
    fileName: manifest.name,
    fileBytes: manifest.sizeBytes,
    chunkBytes: manifest.chunkBytes,
    leechers: bounds.peerCount,
    unlistedLeechers: run.unlisted.leechers,
    lateLeechers: lateLeechers(run),
    abandonedLeechers: run.abandonedLeechers,
    flaggedLeechers: flaggedLeechers(run),
    seederUploadBytesPerSec: seederCapOf(run),
    peerUploadBytesPerSec: run.config.peerUploadBytesPerSec,
    peerDownloadBytesPerSec: run.config.peerDownloadBytesPerSec,
    leaveOnComplete: run.config.leaveOnComplete,
    phase: run.phase,
    interruption: run.interruption,
    distributionSec,
    clientServerBoundSec: bounds.clientServerSec,
    p2pBoundSec: bounds.p2pSec,
    boundSec,
    ratio: distributionSec === null || boundSec === null || boundSec === 0 ? null : distributionSec / boundSec,
    boundsEstimated: run.config.mode === 'p2p' ? bounds.p2pEstimated : bounds.clientServerEstimated,
    model: {
      serverUploadBytesPerSec: bounds.serverUploadBytesPerSec,
      totalPeerUploadBytesPerSec: bounds.totalPeerUploadBytesPerSec,
      minPeerDownloadBytesPerSec: Number.isFinite(bounds.minPeerDownloadBytesPerSec)
        ? bounds.minPeerDownloadBytesPerSec
        : null,
      uncountedUploadedBytes: run.uncountedUploadedBytes,
    },
    restoredAfterSec: run.restoredAfterMs === null ? null : run.restoredAfterMs / 1000,
    uploadedBytes,
    seederUploadShare: uploadedBytes > 0 ? seederUploaded / uploadedBytes : null,
    peers: believed.map((peer) => ({
      peerId: peer.peerId,
      name: names.get(peer.peerId) ?? null,
      role: peer.role,
      uploadBytesPerSec: peer.settings.uploadBytesPerSec,
      downloadBytesPerSec: peer.settings.downloadBytesPerSec,
      leaveOnComplete: peer.settings.leaveOnComplete,
      completedAfterSec: peer.completedAfterMs === null ? null : peer.completedAfterMs / 1000,
      joinedAfterSec: peer.tookPartAfterMs / 1000,
      uploadedBytes: peer.uploadedBytes,
      downloadedBytes: peer.downloadedBytes,
    })),
  };
}

/** Before any byte moved (no peak yet) a bound is undefined, not an error. */
function secondsOrNull(compute: () => number): number | null {
  try {
    return compute();
  } catch (error) {
    if (error instanceof TheoryInputError) return null;
    throw error;
  }
}
