import { SwarmEngine, type AsyncChunkStore, type Clock, type DropReason, type SwarmSnapshot } from '@swarmlab/engine';
import { browserClock } from '@swarmlab/webrtc';
import {
  Bitfield,
  chunkCount,
  type Manifest,
  type PeerRunSettings,
  type ResumedRun,
  type RunStarted,
  type Sha256,
} from '@swarmlab/protocol';
import type { RunLinks } from '@swarmlab/webrtc';
import type { RunProgress } from '@swarmlab/webrtc';
import { corruptingLink } from './corrupting-link';

/** A peer this tab's engine disconnected for misbehaving, as the user is told of it. */
export interface DroppedPeer {
  readonly peerId: string;
  readonly reason: DropReason;
  readonly detail: string;
}

/** What this tab did in the run it is in (or was last in). */
export interface OwnRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  /** Left the run after completing (a selfish leecher): no more uploads. */
  readonly leftOnCompletion: boolean;
}

export interface EngineRunOptions {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly localPeerId: string;
  readonly started: RunStarted;
  /** This tab's settings in the run (mode and caps come from here and the run's config). */
  readonly settings: PeerRunSettings;
  /**
   * Where the chunks are: the seeder's file (read on demand), kept from run to run, or a leecher's store
   * for this run (IndexedDB in the browser), empty or holding what a reloaded tab had.
   */
  readonly store: AsyncChunkStore;
  /** The seeder holds the whole file from the start. */
  readonly seeding: boolean;
  /** Chunks a leecher's store already holds, verified (a reloaded tab resuming). */
  readonly heldChunks?: Bitfield;
  readonly sha256: Sha256;
  /** Test switch (`TestSwitches`): this tab corrupts this fraction of the blocks it sends. */
  readonly corruptBlocksFraction?: number;
  /** The engine's time: `browserClock` by default, whose timers keep their pace in a hidden tab. */
  readonly clock?: Clock;
  /** A leecher's engine holds every chunk (each verified on arrival). */
  readonly onComplete: () => void;
}

/**
 * This tab's part in one run: a fresh `SwarmEngine` over the run's links, sampled on demand. The
 * samples it keeps (the latest one, the peak rates) are what progress reports say; drawing them is
 * someone else's concern (`EngineDisplay`). Once ended or left, the engine is gone but what it did
 * stays readable until the next run replaces this object.
 */
export class EngineRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  readonly store: AsyncChunkStore;
  #leftOnCompletion = $state(false);
  readonly #ownRun = $derived.by((): OwnRun => ({
    started: this.started,
    settings: this.settings,
    leftOnCompletion: this.#leftOnCompletion,
  }));
  #engine: SwarmEngine | undefined;
  #droppedPeers = $state.raw<readonly DroppedPeer[]>([]);
  readonly #corruptBlocksFraction: number;
  readonly #clock: Clock;
  /** When this tab heard of the run's start, and held the whole file, on its monotonic clock. */
  readonly #startedAtMs: number;
  #completedAtMs: number | null = null;
  #latest: SwarmSnapshot | undefined;
  #peakUploadBytesPerSec = 0;
  #peakDownloadBytesPerSec = 0;

  constructor(options: EngineRunOptions) {
    const { manifest, started, settings, seeding, heldChunks } = options;
    this.started = started;
    this.settings = settings;
    this.store = options.store;
    this.#clock = options.clock ?? browserClock;
    this.#startedAtMs = this.#clock.nowMs();
    const initialChunks = seeding ? Bitfield.full(chunkCount(manifest)) : heldChunks;
    const engine = new SwarmEngine({
      manifest,
      contentId: options.contentId,
      localPeerId: options.localPeerId,
      store: this.store,
      mode: started.config.mode,
      linkCaps: {
        ...(settings.uploadBytesPerSec !== null && { uploadBytesPerSec: settings.uploadBytesPerSec }),
        ...(settings.downloadBytesPerSec !== null && { downloadBytesPerSec: settings.downloadBytesPerSec }),
      },
      ...(initialChunks ? { initialChunks } : {}),
      clock: this.#clock,
      random: Math.random,
      sha256: options.sha256,
    });
    this.#corruptBlocksFraction = options.corruptBlocksFraction ?? 0;
    engine.events.on('peer-dropped', ({ peerId, reason, detail }) => {
      console.warn(`swarmlab: dropped peer ${peerId} (${reason}): ${detail}`);
      this.#droppedPeers = [...this.#droppedPeers, { peerId, reason, detail }];
    });
    this.#engine = engine;
    if (seeding) return;
    const completed = (): void => {
      this.#completedAtMs ??= this.#clock.nowMs();
      options.onComplete();
    };
    engine.events.on('complete', completed);
    // A tab reloaded after it had every chunk: complete from the start, which the engine does not announce.
    if (heldChunks?.isComplete) queueMicrotask(() => this.#engine === engine && completed());
  }

  get runNumber(): number {
    return this.started.runNumber;
  }

  get ownRun(): OwnRun {
    return this.#ownRun;
  }

  /** The engine is moving bytes: neither ended (the run stopped) nor left (on completion). */
  get transferring(): boolean {
    return this.#engine !== undefined;
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

  /** What progress reports say of this run: this tab is in it while its engine runs, and after leaving on completion. */
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

  /**
   * The run as this tab knows it, to register it again with a server that forgot it: its start and
   * completion on this tab's monotonic clock, and `participants` (the members this tab last saw). Null
   * when this tab is no longer in the run (it ended, or was stopped).
   */
  resumedRun(participants: ResumedRun['participants']): ResumedRun | null {
    if (!this.progress.runNumber) return null;
    const nowMs = this.#clock.nowMs();
    return {
      runNumber: this.runNumber,
      config: this.started.config,
      settings: this.settings,
      elapsedMs: nowMs - this.#startedAtMs,
      completedAfterMs: this.#completedAtMs === null ? null : this.#completedAtMs - this.#startedAtMs,
      participants,
    };
  }

  /** The peers this tab's engine disconnected in this run for misbehaving (bad data, protocol violations). */
  get droppedPeers(): readonly DroppedPeer[] {
    return this.#droppedPeers;
  }

  /** Takes part in the run over `transport`, unless this tab is out of the run. */
  addTransport(transport: RunLinks): void {
    if (!this.#engine || this.#leftOnCompletion || transport.closed) return;
    const link = transport.open(this.runNumber);
    const fraction = this.#corruptBlocksFraction;
    this.#engine.addLink(fraction > 0 ? corruptingLink(link, fraction) : link);
  }

  /** Copies the engine's state (and keeps its peak rates); nothing once the engine is gone. */
  sample(): SwarmSnapshot | undefined {
    if (!this.#engine) return undefined;
    const snapshot = this.#engine.snapshot();
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

  /** The run stopped (or this tab leaves the swarm): the engine closes its links. */
  end(): void {
    this.#engine?.destroy();
    this.#engine = undefined;
  }
}
