import type { SwarmSnapshot } from '@swarmlab/engine';
import { Bitfield, MAX_SENT_TO_PEERS, PROGRESS_REPORT_INTERVAL_MS, type ProgressReport } from '@swarmlab/protocol';
import { everyMs } from './browser-clock';
import { bytesToBase64 } from './base64';

/** What a progress report says of this tab's part in runs (`EngineRun.progress`). */
export interface RunProgress {
  /** The engine's latest sample (this run's, or the last run's between runs); none before any run. */
  readonly snapshot: SwarmSnapshot | undefined;
  /** The run this tab is in: its engine runs, or it left on completion. `null` otherwise. */
  readonly runNumber: number | null;
  /** An engine is moving bytes now; rates are reported as zero otherwise. */
  readonly transferring: boolean;
  readonly peakUploadBytesPerSec: number;
  readonly peakDownloadBytesPerSec: number;
}

/** Before this tab's first run. */
export const NO_RUN_PROGRESS: RunProgress = {
  snapshot: undefined,
  runNumber: null,
  transferring: false,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
};

/** What a progress report says of this tab, read when the report is sent. */
export interface ReportedState extends RunProgress {
  readonly role: ProgressReport['role'];
  readonly chunkCount: number;
  /**
   * Its tries to connect fail and none is open (`ConnectTrouble.cannotConnect`: not a seeder's trouble, whose peers
   * fail to reach it, nor a peer's that reaches others but not the seeder).
   */
  readonly cannotConnect?: boolean;
}

/** The report for `state`; before any run, a seeder holds every chunk and a leecher none. */
export function progressReportOf(state: ReportedState): ProgressReport {
  const { role, chunkCount, snapshot, transferring } = state;
  const seeder = role === 'seeder';
  const bits = snapshot?.bits ?? (seeder ? Bitfield.full(chunkCount) : new Bitfield(chunkCount)).toBytes();
  return {
    role,
    runNumber: state.runNumber,
    bitsBase64: bytesToBase64(bits),
    chunksHeld: snapshot?.chunksHeld ?? (seeder ? chunkCount : 0),
    complete: snapshot?.complete ?? seeder,
    uploadedBytes: snapshot?.uploadedBytes ?? 0,
    downloadedBytes: snapshot?.downloadedBytes ?? 0,
    uploadBytesPerSec: transferring ? (snapshot?.uploadBytesPerSec ?? 0) : 0,
    downloadBytesPerSec: transferring ? (snapshot?.downloadBytesPerSec ?? 0) : 0,
    peakUploadBytesPerSec: state.peakUploadBytesPerSec,
    peakDownloadBytesPerSec: state.peakDownloadBytesPerSec,
    ...(state.cannotConnect === true && { cannotConnect: true }),
    sentTo: sentToOf(snapshot?.sentBytesByPeer),
  };
}

/**
 * What this tab sent each neighbour in the run: the server adds up what the others say they sent a peer
 * to corroborate its completion. Past the protocol's cap (never, in a swarm the server allows), the
 * largest figures, which matter most to the others' completions.
 */
function sentToOf(sentBytesByPeer: ReadonlyMap<string, number> | undefined): ProgressReport['sentTo'] {
  const sentTo = [...(sentBytesByPeer ?? [])].map(([peerId, bytes]) => ({ peerId, bytes }));
  if (sentTo.length <= MAX_SENT_TO_PEERS) return sentTo;
  return sentTo.sort((a, b) => b.bytes - a.bytes).slice(0, MAX_SENT_TO_PEERS);
}

export interface ProgressReporterOptions {
  /** This tab's state now; nothing to report while `undefined`. */
  readonly read: () => ReportedState | undefined;
  /** Sends one report (resolves once the server acknowledged it, or gave up). */
  readonly send: (report: ProgressReport) => Promise<unknown>;
  readonly intervalMs?: number;
}

/**
 * Tells the server this tab's progress every `PROGRESS_REPORT_INTERVAL_MS` (the server's broadcasts,
 * and so every screen's view of this tab, are only as fresh as these), and at once when something
 * worth telling happens (a run starts, the file completes).
 */
export class ProgressReporter {
  readonly #options: ProgressReporterOptions;
  #stopTimer: (() => void) | undefined;
  #stopped = false;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
  }

  /** Reports now and then every interval, until `stop`. */
  start(): void {
    if (this.#stopped || this.#stopTimer !== undefined) return;
    // On the worker's timers (`everyMs`): Chromium would run a hidden tab's own timers once a second.
    this.#stopTimer = everyMs(this.#options.intervalMs ?? PROGRESS_REPORT_INTERVAL_MS, () => void this.reportNow());
    void this.reportNow();
  }

  /** Sends a report now (none once stopped); resolves when the server has it. */
  async reportNow(): Promise<void> {
    if (this.#stopped) return;
    const state = this.#options.read();
    if (state) await this.#options.send(progressReportOf(state));
  }

  stop(): void {
    this.#stopped = true;
    this.#stopTimer?.();
    this.#stopTimer = undefined;
  }
}
