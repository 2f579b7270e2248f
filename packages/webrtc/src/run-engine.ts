import {
  SwarmEngine,
  type AsyncChunkStore,
  type Clock,
  type DropReason,
  type PeerLink,
  type SwarmSnapshot,
} from '@swarmlab/engine';
import {
  Bitfield,
  chunkCount,
  chunkLengthBytes,
  MAX_RESUMED_PARTICIPANTS,
  MAX_RESUMED_RUN_MS,
  type Manifest,
  type PeerRunSettings,
  type ResumedRun,
  type RunStarted,
  type Sha256,
  type SwarmProgress,
} from '@swarmlab/protocol';
import type { RunProgress } from './progress-reporter';
import type { RunLinks } from './run-links';

/**
 * A run start as this peer heard it: `heardAtMs`, on its clock, when it heard it (`heardNow`). An engine is built
 * later (a reloaded tab checks its stored chunks first, a headless peer its previous download), and the run's age
 * counts from the hearing, not from the engine.
 */
export type HeardRun = RunStarted & { readonly heardAtMs?: number };

/** `run`, stamped as heard now on `clock`, unless it was stamped already (heard earlier, kept since). */
export function heardNow(run: HeardRun, clock: Pick<Clock, 'nowMs'>): HeardRun {
  return run.heardAtMs === undefined ? { ...run, heardAtMs: clock.nowMs() } : run;
}

export interface RunEngineDeps {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly localPeerId: string;
  readonly started: HeardRun;
  /** This peer's settings in the run (its caps, whether it leaves on completion). */
  readonly settings: PeerRunSettings;
  /** The seeder's file, or this run's leecher store. */
  readonly store: AsyncChunkStore;
  readonly seeding: boolean;
  /** A leecher's chunks already in `store` (a reloaded tab's, checked): announced, not fetched again. */
  readonly heldChunks?: Bitfield | undefined;
  readonly sha256: Sha256;
  /** The engine's time: a tab's `browserClock` (its timers keep their pace while hidden), Node's own clock. */
  readonly clock: Clock;
  /** A leecher holds every chunk, each verified on arrival (or held them all from the start). */
  readonly onComplete: () => void;
  readonly onPeerDropped?: (peerId: string, reason: DropReason, detail: string) => void;
  /** A chunk of `store` could not be read to serve a peer (the request was refused; `error`: the store's). */
  readonly onChunkUnreadable?: (chunkIndex: number, error: unknown) => void;
  /** A verified chunk could not be written to `store` (`error`: its `put`'s); it is fetched again. */
  readonly onChunkUnstorable?: (chunkIndex: number, error: unknown) => void;
  /** Wraps each link the engine gets (a test switch corrupts blocks this way); the link as it is otherwise. */
  readonly wrapLink?: (link: PeerLink) => PeerLink;
}

/**
 * One peer's part in one run, a tab's or a headless peer's: a fresh `SwarmEngine` over the run's links,
 * sampled on demand (the samples it keeps, the latest one and the peak rates, are what progress reports say),
 * with its start and completion on the peer's own monotonic clock (what it tells a server that restarted).
 * Once ended or left, the engine is gone but what it did stays readable.
 */
export class RunEngine {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  readonly store: AsyncChunkStore;
  readonly #deps: RunEngineDeps;
  #engine: SwarmEngine | undefined;
  #leftOnCompletion = false;
  readonly #startedAtMs: number;
  #completedAtMs: number | null = null;
  #latest: SwarmSnapshot | undefined;
  #peakUploadBytesPerSec = 0;
  #peakDownloadBytesPerSec = 0;
  /** The bytes of the chunks a reloaded leecher started with, read back from its store. */
  #keptBytes = 0;

  constructor(deps: RunEngineDeps) {
    const { manifest, started, settings, seeding, heldChunks } = deps;
    this.#deps = deps;
    this.started = started;
    this.settings = settings;
    this.store = deps.store;
    // Dated from the run's start, not this engine's: a member that joined or reloaded during the run, first to
    // register it again after a restart, told the server the run was younger than it was (the seeder, at its cap
    // since the start, was then refused as faster than its cap, and flagged; found by review). Its age counts
    // from when this peer heard of it, if it says.
    this.#startedAtMs = (started.heardAtMs ?? deps.clock.nowMs()) - (started.elapsedMs ?? 0);
    const initialChunks = seeding ? Bitfield.full(chunkCount(manifest)) : heldChunks;
    if (!seeding && heldChunks)
      for (let index = 0; index < heldChunks.chunkCount; index++)
        if (heldChunks.has(index)) this.#keptBytes += chunkLengthBytes(manifest, index);
    const engine = new SwarmEngine({
      manifest,
      contentId: deps.contentId,
      localPeerId: deps.localPeerId,
      store: deps.store,
      mode: started.config.mode,
      linkCaps: {
        ...(settings.uploadBytesPerSec !== null && { uploadBytesPerSec: settings.uploadBytesPerSec }),
        ...(settings.downloadBytesPerSec !== null && { downloadBytesPerSec: settings.downloadBytesPerSec }),
      },
      ...(initialChunks ? { initialChunks } : {}),
      seeds: seeding,
      clock: deps.clock,
      random: Math.random,
      sha256: deps.sha256,
    });
    engine.events.on('peer-dropped', ({ peerId, reason, detail }) => deps.onPeerDropped?.(peerId, reason, detail));
    engine.events.on('chunk-unreadable', ({ chunkIndex, error }) => deps.onChunkUnreadable?.(chunkIndex, error));
    engine.events.on('chunk-unstorable', ({ chunkIndex, error }) => deps.onChunkUnstorable?.(chunkIndex, error));
    this.#engine = engine;
    if (seeding) return;
    const completed = (): void => {
      this.#completedAtMs ??= deps.clock.nowMs();
      deps.onComplete();
    };
    engine.events.on('complete', completed);
    // Reloaded after it had every chunk: complete from the start, which the engine does not announce.
    if (heldChunks?.isComplete) queueMicrotask(() => this.#engine === engine && completed());
  }

  get runNumber(): number {
    return this.started.runNumber;
  }

  /** The engine is moving bytes: neither ended (the run stopped) nor left (on completion). */
  get transferring(): boolean {
    return this.#engine !== undefined;
  }

  get leftOnCompletion(): boolean {
    return this.#leftOnCompletion;
  }

  /** The latest sample; none before the first. */
  get latestSnapshot(): SwarmSnapshot | undefined {
    return this.#latest;
  }

  /** The highest rates sampled in this run: estimates of u_i and d_i where a link has no cap. */
  get peakUploadBytesPerSec(): number {
    return this.#peakUploadBytesPerSec;
  }

  get peakDownloadBytesPerSec(): number {
    return this.#peakDownloadBytesPerSec;
  }

  /** What progress reports say of this run: the peer is in it while its engine runs, and after leaving on completion. */
  get progress(): RunProgress {
    const inRun = this.transferring || this.#leftOnCompletion;
    return {
      snapshot: this.#latest,
      runNumber: inRun ? this.runNumber : null,
      transferring: this.transferring,
      peakUploadBytesPerSec: this.#peakUploadBytesPerSec,
      peakDownloadBytesPerSec: this.#peakDownloadBytesPerSec,
    };
  }

  /** When the run started, on this peer's clock (`deps.clock`): as it heard it, less the run's age then. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  /**
   * The run as this peer knows it, to register it again with a server that forgot it: its start and
   * completion on this peer's monotonic clock, and `participants` (the members it last saw). Null once it is
   * out of the run (it ended, or was stopped).
   */
  resumedRun(participants: ResumedRun['participants']): ResumedRun | null {
    if (!this.progress.runNumber) return null;
    const nowMs = this.#deps.clock.nowMs();
    // At most what a server takes back (`MAX_RESUMED_RUN_MS`, a week): past it, every ask was refused as an invalid
    // payload, for good, and the tab never took its place back. Not left out: a server that still has the run would
    // take this tab for a fresh engine, and count what it sent twice (found by review). A server that has the run
    // reads only the completion, for a place it kept (the report of it could not reach it); a restarted one dates a run
    // older than a week from a week ago.
    const atMost = (ms: number): number => Math.min(ms, MAX_RESUMED_RUN_MS);
    return {
      runNumber: this.runNumber,
      config: this.started.config,
      settings: this.settings,
      elapsedMs: atMost(nowMs - this.#startedAtMs),
      completedAfterMs: this.#completedAtMs === null ? null : atMost(this.#completedAtMs - this.#startedAtMs),
      participants,
    };
  }

  /**
   * `resumedRun` with the members of `latest`, the latest progress table this peer saw; null also when that
   * table says this run ended (a server that restarted must not take up a finished run).
   */
  resumedRunAfter(latest: SwarmProgress | undefined): ResumedRun | null {
    // Over, as the table says: this run ended, or a newer one started since (this tab heard neither, away meanwhile).
    // A newer one's table made a restarted server register this run again as running (found by review).
    const shown = latest?.run;
    if (
      shown &&
      (shown.runNumber > this.runNumber || (shown.runNumber === this.runNumber && shown.phase !== 'running'))
    )
      return null;
    // With each one's settings in this run as the table shows them (the links a screen in control set among them;
    // a row's own links are for the next run), which a restarted server believes from its controller only.
    // Only a table of this run: the first table of a new run comes up to 250 ms after its `run:started`, and the
    // previous run's settings would be believed for it (found by review); until it comes, what `run:started` told
    // every member (the settings of those who took part from the start).
    const ofThisRun = latest?.run?.runNumber === this.runNumber ? latest.run.participants : [];
    const inRun = new Map<string, PeerRunSettings>(Object.entries(this.started.settings));
    for (const participant of ofThisRun) inRun.set(participant.peerId, participant.settings);
    const members =
      latest?.peers.map(({ peerId, role }) => {
        const settings = inRun.get(peerId);
        return { peerId, role, ...(settings && { settings }) };
      }) ?? [];
    return this.resumedRun(members.slice(0, MAX_RESUMED_PARTICIPANTS));
  }

  /** Takes part in the run over `transport`, unless out of the run. */
  addTransport(transport: RunLinks): void {
    if (!this.#engine || this.#leftOnCompletion || transport.closed) return;
    const link = transport.open(this.runNumber);
    this.#engine.addLink(this.#deps.wrapLink ? this.#deps.wrapLink(link) : link);
  }

  /** Copies the engine's state (and keeps its peak rates); nothing once the engine is gone. */
  sample(): SwarmSnapshot | undefined {
    if (!this.#engine) return undefined;
    const sampled = this.#engine.snapshot();
    // What a reloaded leecher kept was received in this run too, before the reload: its reports say so (the
    // server believes no chunk held beyond what was received).
    const snapshot =
      this.#keptBytes === 0 ? sampled : { ...sampled, downloadedBytes: sampled.downloadedBytes + this.#keptBytes };
    this.#latest = snapshot;
    this.#peakUploadBytesPerSec = Math.max(this.#peakUploadBytesPerSec, snapshot.uploadBytesPerSec);
    this.#peakDownloadBytesPerSec = Math.max(this.#peakDownloadBytesPerSec, snapshot.downloadBytesPerSec);
    return snapshot;
  }

  /** A selfish leecher's exit after completing: no more uploads, still counted in the run. */
  leave(): void {
    this.#leftOnCompletion = true;
    this.end();
  }

  /** The run stopped (or the peer leaves the swarm): the engine closes its links. */
  end(): void {
    this.#engine?.destroy();
    this.#engine = undefined;
  }
}
