import { MemoryChunkStore, SwarmEngine, systemClock, type ChunkStore, type SwarmSnapshot } from '@swarmlab/engine';
import {
  Bitfield,
  buildManifest,
  chunkCount,
  contentIdOf,
  PROGRESS_REPORT_INTERVAL_MS,
  type IceServer,
  type Manifest,
  type PeerOverride,
  type PeerRole,
  type PeerRunSettings,
  type ProgressReport,
  type RunConfig,
  type RunStarted,
  type SignalData,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { browserPeerFactory, RunLinks, SignallingClient, SwarmConnector, type PeerFactory } from '@swarmlab/webrtc';
import type { PeerLink } from '@swarmlab/engine';
import { bytesToBase64 } from '../base64';
import { pageSha256 } from '../page-sha256';
import { wholeFileSha256 } from '../whole-file-hash';
import { RateHistory } from './rate-history.svelte';
import { describeError } from '../describe-error';
import type { RunController } from './run-controller';

/**
 * - `waiting`: in the swarm, connected to its peers, no run going on for this tab (before the first
 *   run, after a stop, or after leaving a run on completion).
 * - `running`: this tab's engine is transferring in the current run.
 */
export type SessionPhase = 'idle' | 'preparing' | 'connecting' | 'waiting' | 'running' | 'failed' | 'closed';

/** How often the UI copies the engine's state. */
const SNAPSHOT_INTERVAL_MS = 250;

export interface SwarmSessionDeps {
  /** Signalling server; the page's own origin when absent. */
  readonly signallingUrl?: string;
  readonly createPeer?: PeerFactory;
}

/** A file the user offers: its name and bytes. */
export interface SourceFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What this tab did in the run it is in (or was last in). */
export interface OwnRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  /** Left the run after completing (a selfish leecher): no more uploads. */
  readonly leftOnCompletion: boolean;
}

/**
 * One tab's membership of one swarm, as reactive state for the UI: it prepares the manifest, talks to
 * the signalling server, keeps a WebRTC connection to every peer it meets, and for each run the server
 * starts builds a fresh engine over those connections (`RunLinks` keeps runs apart on one channel).
 * It samples the engine a few times a second and reports to the server, which shows every screen the
 * whole swarm.
 */
export class SwarmSession implements RunController {
  phase = $state<SessionPhase>('idle');
  role = $state<PeerRole | undefined>();
  /** A message for the user when `phase` is `failed`. */
  error = $state<string | undefined>();
  /** 0..1 while hashing a file to seed or to check the downloaded one. */
  progress = $state(0);
  manifest = $state.raw<Manifest | undefined>();
  contentId = $state<string | undefined>();
  swarmId = $state<string | undefined>();
  peerId = $state<string | undefined>();
  snapshot = $state.raw<SwarmSnapshot | undefined>();
  swarmProgress = $state.raw<SwarmProgress | undefined>();
  ownRun = $state.raw<OwnRun | undefined>();
  /** SHA-256 of the whole file, once this tab holds all of it. */
  fileSha256 = $state<string | undefined>();
  /** Peers with an open WebRTC connection to this tab. */
  connectedPeers = $state(0);
  readonly rates = new RateHistory();

  readonly #deps: SwarmSessionDeps;
  readonly #sha256 = pageSha256();
  readonly #earlySignals: Array<{ from: string; signal: SignalData }> = [];
  readonly #keepEarlySignal = (event: { from: string; signal: SignalData }): void =>
    void this.#earlySignals.push(event);
  // Plain bookkeeping, never rendered (`connectedPeers` is its reactive count).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #transports = new Map<string, RunLinks>();
  #signalling: SignallingClient | undefined;
  #connector: SwarmConnector | undefined;
  #engine: SwarmEngine | undefined;
  /** The seeder's whole file; kept from run to run. */
  #seedStore: ChunkStore | undefined;
  #store: ChunkStore | undefined;
  #timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(deps: SwarmSessionDeps = {}) {
    this.#deps = deps;
  }

  /** Hashes `file`, registers a new swarm with `config` for its runs, and waits for a run to start. */
  async seed(file: SourceFile, config?: RunConfig): Promise<void> {
    this.role = 'seeder';
    this.phase = 'preparing';
    const manifest = await buildManifest({
      name: file.name,
      sizeBytes: file.bytes.length,
      read: async (offsetBytes, lengthBytes) => file.bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
      sha256: this.#sha256,
      onProgress: (hashed, total) => (this.progress = hashed / total),
    });
    const contentId = await contentIdOf(manifest, this.#sha256);
    this.#seedStore = MemoryChunkStore.fromFile(file.bytes, manifest.chunkBytes);
    this.phase = 'connecting';
    const signalling = this.#connectSignalling();
    const created = await signalling.createSwarm({ manifest, contentId, ...(config && { config }) });
    if (!created.ok) return this.#fail(describeError(created.error));
    this.swarmId = created.swarmId;
    this.#enter({ manifest, contentId, peerId: created.peerId, iceServers: created.iceServers });
    void this.#hashWholeFile();
  }

  /**
   * Joins the swarm a link names, checking the server's manifest against the link's content id, with
   * this tab's own settings `override` (from its link); takes part in the run going on, if any.
   */
  async join(swarmId: string, contentId: string, override: PeerOverride = {}): Promise<void> {
    this.role = 'leecher';
    this.phase = 'connecting';
    this.swarmId = swarmId;
    const signalling = this.#connectSignalling();
    const joined = await signalling.joinSwarm({ swarmId });
    if (!joined.ok) return this.#fail(describeError(joined.error));
    if ((await contentIdOf(joined.manifest, this.#sha256)) !== contentId)
      return this.#fail('The file this swarm offers does not match the link: the link may be damaged or forged.');
    this.#enter({ manifest: joined.manifest, contentId, peerId: joined.peerId, iceServers: joined.iceServers });
    if (Object.keys(override).length > 0) {
      const configured = await this.configurePeer(joined.peerId, override);
      if (configured) console.warn(`swarmlab: ${configured}`);
    }
    if (joined.run) this.#startRun(joined.run);
    this.#connector?.connectTo(joined.peers);
  }

  /** Starts a run for the whole swarm; resolves to a message for the user if the server refused. */
  async startRun(config: RunConfig): Promise<string | undefined> {
    const result = await this.#signalling?.startRun({ config });
    return result && !result.ok ? describeError(result.error) : undefined;
  }

  /** Stops the run going on, for the whole swarm. */
  async stopRun(): Promise<string | undefined> {
    const result = await this.#signalling?.stopRun();
    return result && !result.ok ? describeError(result.error) : undefined;
  }

  /** Sets a peer's own settings (this tab's or another's) for the runs that start from now on. */
  async configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined> {
    const result = await this.#signalling?.configurePeer({ peerId, override });
    return result && !result.ok ? describeError(result.error) : undefined;
  }

  /** The file as a Blob, once complete (chunks are not copied). */
  fileBlob(): Blob | undefined {
    const store = this.#store;
    if (!store || !this.manifest || !this.snapshot?.complete) return undefined;
    const chunks: BlobPart[] = [];
    for (let index = 0; index < chunkCount(this.manifest); index++)
      chunks.push(store.get(index) as Uint8Array<ArrayBuffer>);
    return new Blob(chunks, { type: 'application/octet-stream' });
  }

  /** Leaves the swarm: closes every connection and stops reporting. */
  leave(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#engine?.destroy();
    this.#engine = undefined;
    for (const transport of this.#transports.values()) transport.destroy();
    this.#transports.clear();
    this.#connector?.destroy();
    this.#signalling?.disconnect();
    if (this.phase !== 'failed') this.phase = 'closed';
  }

  #connectSignalling(): SignallingClient {
    const signalling = SignallingClient.connect(this.#deps.signallingUrl);
    signalling.socket.on('swarm:progress', (progress) => (this.swarmProgress = progress));
    signalling.socket.on('run:started', (run) => this.#startRun(run));
    signalling.socket.on('run:stopped', ({ runNumber }) => {
      if (this.ownRun?.started.runNumber === runNumber) this.#endRun();
    });
    // A peer that joins right after us may send its offer before our connector exists: keep it.
    signalling.socket.on('signal:relay', this.#keepEarlySignal);
    this.#signalling = signalling;
    return signalling;
  }

  /** In the swarm: connect to peers as they come, report a few times a second, wait for a run. */
  #enter(options: { manifest: Manifest; contentId: string; peerId: string; iceServers: readonly IceServer[] }): void {
    this.manifest = options.manifest;
    this.contentId = options.contentId;
    this.peerId = options.peerId;
    this.#store = this.#seedStore;
    this.#connector = new SwarmConnector({
      signalling: this.#signalling!,
      iceServers: options.iceServers,
      createPeer: this.#deps.createPeer ?? browserPeerFactory,
      onLink: (link) => this.#addTransport(link),
    });
    this.#signalling!.socket.off('signal:relay', this.#keepEarlySignal);
    for (const { from, signal } of this.#earlySignals.splice(0)) this.#connector.acceptSignal(from, signal);
    this.phase = 'waiting';
    this.#timers.push(
      setInterval(() => this.#sample(), SNAPSHOT_INTERVAL_MS),
      setInterval(() => void this.#report(), PROGRESS_REPORT_INTERVAL_MS),
    );
    void this.#report();
  }

  #addTransport(link: PeerLink): void {
    const peerId = link.remotePeerId;
    this.#transports.get(peerId)?.destroy();
    const transport = new RunLinks(link, {
      onClose: () => {
        if (this.#transports.get(peerId) === transport) this.#transports.delete(peerId);
        this.connectedPeers = this.#transports.size;
      },
    });
    this.#transports.set(peerId, transport);
    this.connectedPeers = this.#transports.size;
    const run = this.ownRun;
    if (this.#engine && run && !run.leftOnCompletion) this.#engine.addLink(transport.open(run.started.runNumber));
  }

  /** Drops the previous run's engine (and a leecher's chunks) and starts `run` over every connection. */
  #startRun(run: RunStarted): void {
    const manifest = this.manifest;
    const peerId = this.peerId;
    if (!manifest || !peerId || this.phase === 'closed' || this.phase === 'failed') return;
    if (this.ownRun && this.ownRun.started.runNumber >= run.runNumber) return;
    const settings = run.settings[peerId];
    if (!settings) return;
    this.#engine?.destroy();
    const seeding = this.role === 'seeder';
    const store = seeding ? this.#seedStore! : new MemoryChunkStore();
    this.#store = store;
    if (!seeding) this.fileSha256 = undefined;
    this.ownRun = { started: run, settings, leftOnCompletion: false };
    this.rates.reset();
    const engine = new SwarmEngine({
      manifest,
      contentId: this.contentId!,
      localPeerId: peerId,
      store,
      mode: run.config.mode,
      linkCaps: {
        ...(settings.uploadBytesPerSec !== null && { uploadBytesPerSec: settings.uploadBytesPerSec }),
        ...(settings.downloadBytesPerSec !== null && { downloadBytesPerSec: settings.downloadBytesPerSec }),
      },
      ...(seeding ? { initialChunks: Bitfield.full(chunkCount(manifest)) } : {}),
      clock: systemClock,
      random: Math.random,
      sha256: this.#sha256,
    });
    this.#engine = engine;
    engine.events.on('peer-dropped', ({ peerId: dropped, reason, detail }) =>
      console.warn(`swarmlab: dropped peer ${dropped} (${reason}): ${detail}`),
    );
    if (!seeding) {
      engine.events.on('complete', () => {
        // Tell the server first: the whole-file hash below keeps the page busy for a moment.
        this.#sample();
        void this.#report().then(() => {
          if (this.#engine === engine && settings.leaveOnComplete) this.#leaveRun();
          return this.#hashWholeFile();
        });
      });
    }
    for (const transport of this.#transports.values()) {
      if (!transport.closed) engine.addLink(transport.open(run.runNumber));
    }
    this.phase = 'running';
    this.#sample();
    void this.#report();
  }

  /** A selfish leecher's exit after completing: it stops uploading but stays in the swarm for later runs. */
  #leaveRun(): void {
    if (this.ownRun) this.ownRun = { ...this.ownRun, leftOnCompletion: true };
    this.#sample();
    this.#engine?.destroy();
    this.#engine = undefined;
    this.phase = 'waiting';
  }

  /** The run was stopped: drop the engine and wait for the next. */
  #endRun(): void {
    this.#engine?.destroy();
    this.#engine = undefined;
    this.phase = 'waiting';
  }

  #sample(): void {
    const engine = this.#engine;
    if (!engine) return;
    const snapshot = engine.snapshot();
    this.snapshot = snapshot;
    this.rates.add(systemClock.nowMs(), snapshot.uploadBytesPerSec, snapshot.downloadBytesPerSec);
  }

  async #report(): Promise<void> {
    const manifest = this.manifest;
    if (!manifest || !this.#signalling || !this.role) return;
    const snapshot = this.snapshot;
    const inRun = this.#engine !== undefined || this.ownRun?.leftOnCompletion === true;
    const bits =
      snapshot?.bits ??
      (this.role === 'seeder' ? Bitfield.full(chunkCount(manifest)) : new Bitfield(chunkCount(manifest))).toBytes();
    const report: ProgressReport = {
      role: this.role,
      runNumber: inRun ? (this.ownRun?.started.runNumber ?? null) : null,
      bitsBase64: bytesToBase64(bits),
      chunksHeld: snapshot?.chunksHeld ?? (this.role === 'seeder' ? chunkCount(manifest) : 0),
      complete: snapshot?.complete ?? this.role === 'seeder',
      uploadedBytes: snapshot?.uploadedBytes ?? 0,
      downloadedBytes: snapshot?.downloadedBytes ?? 0,
      uploadBytesPerSec: this.#engine ? (snapshot?.uploadBytesPerSec ?? 0) : 0,
      downloadBytesPerSec: this.#engine ? (snapshot?.downloadBytesPerSec ?? 0) : 0,
      peakUploadBytesPerSec: this.rates.peakUploadBytesPerSec,
      peakDownloadBytesPerSec: this.rates.peakDownloadBytesPerSec,
    };
    await this.#signalling.reportProgress(report);
  }

  async #hashWholeFile(): Promise<void> {
    const manifest = this.manifest;
    const store = this.#store;
    if (!manifest || !store) return;
    const chunks = Array.from({ length: chunkCount(manifest) }, (_, index) => store.get(index)!);
    const sha256 = await wholeFileSha256(chunks, (hashed) => (this.progress = hashed / manifest.sizeBytes));
    // A new run may have started meanwhile, with a store that is not this file yet.
    if (this.#store === store) this.fileSha256 = sha256;
  }

  #fail(message: string): void {
    this.error = message;
    this.phase = 'failed';
    this.leave();
  }
}
