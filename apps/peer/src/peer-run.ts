import { SwarmEngine, type AsyncChunkStore, type Clock, type SwarmSnapshot } from '@swarmlab/engine';
import {
  Bitfield,
  chunkCount,
  type Manifest,
  type PeerRunSettings,
  type ResumedRun,
  type RunStarted,
  type Sha256,
} from '@swarmlab/protocol';
import type { RunLinks, RunProgress } from '@swarmlab/webrtc';

export interface PeerRunDeps {
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly localPeerId: string;
  readonly started: RunStarted;
  /** This peer's settings in the run (its caps, whether it leaves on completion). */
  readonly settings: PeerRunSettings;
  /** The seeder's file, or this run's fresh leecher store. */
  readonly store: AsyncChunkStore;
  readonly seeding: boolean;
  readonly sha256: Sha256;
  readonly clock: Clock;
  /** A leecher's engine holds every chunk, each verified on arrival. */
  readonly onComplete: () => void;
  readonly onPeerDropped?: (peerId: string, detail: string) => void;
}

/**
 * A headless peer's part in one run, as a tab's `EngineRun` is (apps/web): a fresh `SwarmEngine` over the
 * run's links, sampled on demand for the progress reports. Once ended or left, what it did stays readable.
 */
export class PeerRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  readonly store: AsyncChunkStore;
  readonly #clock: Clock;
  #engine: SwarmEngine | undefined;
  #leftOnCompletion = false;
  readonly #startedAtMs: number;
  #completedAtMs: number | null = null;
  #latest: SwarmSnapshot | undefined;
  #peakUploadBytesPerSec = 0;
  #peakDownloadBytesPerSec = 0;

  constructor(deps: PeerRunDeps) {
    const { manifest, started, settings } = deps;
    this.started = started;
    this.settings = settings;
    this.store = deps.store;
    this.#clock = deps.clock;
    this.#startedAtMs = deps.clock.nowMs();
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
      ...(deps.seeding && { initialChunks: Bitfield.full(chunkCount(manifest)) }),
      clock: deps.clock,
      random: Math.random,
      sha256: deps.sha256,
    });
    engine.events.on('peer-dropped', ({ peerId, reason, detail }) =>
      deps.onPeerDropped?.(peerId, `${reason}: ${detail}`),
    );
    engine.events.on('complete', () => {
      this.#completedAtMs ??= this.#clock.nowMs();
      deps.onComplete();
    });
    this.#engine = engine;
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

  get latestSnapshot(): SwarmSnapshot | undefined {
    return this.#latest;
  }

  /** What progress reports say of this run (a peer is in it while its engine runs, and after leaving on completion). */
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

  /** The run as this peer knows it, to register it again with a server that forgot it; null once out of it. */
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

  /** Takes part in the run over `transport`, unless out of the run. */
  addTransport(transport: RunLinks): void {
    if (!this.#engine || this.#leftOnCompletion || transport.closed) return;
    this.#engine.addLink(transport.open(this.runNumber));
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

  /** The run stopped (or the peer leaves the swarm): the engine closes its links. */
  end(): void {
    this.#engine?.destroy();
    this.#engine = undefined;
  }
}
