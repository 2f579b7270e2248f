import { MemoryChunkStore, SwarmEngine, systemClock, type ChunkStore, type SwarmSnapshot } from '@swarmlab/engine';
import {
  Bitfield,
  buildManifest,
  chunkCount,
  contentIdOf,
  PROGRESS_REPORT_INTERVAL_MS,
  type IceServer,
  type Manifest,
  type ProgressReport,
  type SignalData,
  type SignallingError,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { browserPeerFactory, SignallingClient, SwarmConnector, type PeerFactory } from '@swarmlab/webrtc';
import { pageSha256 } from '../page-sha256';
import { wholeFileSha256 } from '../whole-file-hash';
import { RateHistory } from './rate-history.svelte';

export type SessionPhase = 'idle' | 'preparing' | 'connecting' | 'running' | 'failed' | 'closed';
export type SessionRole = 'seeder' | 'leecher';

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

/**
 * One tab's membership of one swarm, as reactive state for the UI: it prepares the manifest, talks to
 * the signalling server, runs the engine over WebRTC links and samples its state a few times a second.
 */
export class SwarmSession {
  phase = $state<SessionPhase>('idle');
  role = $state<SessionRole | undefined>();
  /** A message for the user when `phase` is `failed`. */
  error = $state<string | undefined>();
  /** 0..1 while hashing a file to seed or to check the downloaded one. */
  progress = $state(0);
  manifest = $state.raw<Manifest | undefined>();
  contentId = $state<string | undefined>();
  swarmId = $state<string | undefined>();
  snapshot = $state.raw<SwarmSnapshot | undefined>();
  swarmProgress = $state.raw<SwarmProgress | undefined>();
  /** SHA-256 of the whole file, once this tab holds all of it. */
  fileSha256 = $state<string | undefined>();
  readonly rates = new RateHistory();

  readonly #deps: SwarmSessionDeps;
  readonly #sha256 = pageSha256();
  readonly #earlySignals: Array<{ from: string; signal: SignalData }> = [];
  readonly #keepEarlySignal = (event: { from: string; signal: SignalData }): void =>
    void this.#earlySignals.push(event);
  #signalling: SignallingClient | undefined;
  #connector: SwarmConnector | undefined;
  #engine: SwarmEngine | undefined;
  #store: ChunkStore | undefined;
  #timers: Array<ReturnType<typeof setInterval>> = [];

  constructor(deps: SwarmSessionDeps = {}) {
    this.#deps = deps;
  }

  /** Hashes `file`, registers a new swarm and starts seeding it. */
  async seed(file: SourceFile): Promise<void> {
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
    const store = MemoryChunkStore.fromFile(file.bytes, manifest.chunkBytes);
    this.phase = 'connecting';
    const signalling = this.#connectSignalling();
    const created = await signalling.createSwarm({ manifest, contentId });
    if (!created.ok) return this.#fail(describeError(created.error));
    this.swarmId = created.swarmId;
    this.#start({
      manifest,
      contentId,
      store,
      localPeerId: created.peerId,
      iceServers: created.iceServers,
      seeding: true,
    });
    void this.#hashWholeFile();
  }

  /** Joins the swarm a link names, checking the server's manifest against the link's content id. */
  async join(swarmId: string, contentId: string): Promise<void> {
    this.role = 'leecher';
    this.phase = 'connecting';
    this.swarmId = swarmId;
    const signalling = this.#connectSignalling();
    const joined = await signalling.joinSwarm({ swarmId });
    if (!joined.ok) return this.#fail(describeError(joined.error));
    if ((await contentIdOf(joined.manifest, this.#sha256)) !== contentId)
      return this.#fail('The file this swarm offers does not match the link: the link may be damaged or forged.');
    const engine = this.#start({
      manifest: joined.manifest,
      contentId,
      store: new MemoryChunkStore(),
      localPeerId: joined.peerId,
      iceServers: joined.iceServers,
      seeding: false,
    });
    engine.events.on('complete', () => {
      // Tell the server first: the whole-file hash below keeps the page busy for a moment.
      this.#sample();
      void this.#report().then(() => this.#hashWholeFile());
    });
    this.#connector?.connectTo(joined.peers);
  }

  /** The file as a Blob, once complete (chunks are not copied). */
  fileBlob(): Blob | undefined {
    if (!this.#store || !this.manifest || !this.snapshot?.complete) return undefined;
    const chunks: BlobPart[] = [];
    for (let index = 0; index < chunkCount(this.manifest); index++)
      chunks.push(this.#store.get(index) as Uint8Array<ArrayBuffer>);
    return new Blob(chunks, { type: 'application/octet-stream' });
  }

  /** Leaves the swarm: closes every connection and stops reporting. */
  leave(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#connector?.destroy();
    this.#engine?.destroy();
    this.#signalling?.disconnect();
    if (this.phase !== 'failed') this.phase = 'closed';
  }

  #connectSignalling(): SignallingClient {
    const signalling = SignallingClient.connect(this.#deps.signallingUrl);
    signalling.socket.on('swarm:progress', (progress) => (this.swarmProgress = progress));
    // A peer that joins right after us may send its offer before our connector exists: keep it.
    signalling.socket.on('signal:relay', this.#keepEarlySignal);
    this.#signalling = signalling;
    return signalling;
  }

  #start(options: {
    manifest: Manifest;
    contentId: string;
    store: ChunkStore;
    localPeerId: string;
    iceServers: readonly IceServer[];
    seeding: boolean;
  }): SwarmEngine {
    const { manifest, contentId, store, localPeerId, iceServers, seeding } = options;
    this.manifest = manifest;
    this.contentId = contentId;
    this.#store = store;
    const engine = new SwarmEngine({
      manifest,
      contentId,
      localPeerId,
      store,
      ...(seeding ? { initialChunks: Bitfield.full(chunkCount(manifest)) } : {}),
      clock: systemClock,
      random: Math.random,
      sha256: this.#sha256,
    });
    this.#engine = engine;
    engine.events.on('peer-dropped', ({ peerId, reason, detail }) =>
      console.warn(`swarmlab: dropped peer ${peerId} (${reason}): ${detail}`),
    );
    engine.events.on('peer-disconnected', ({ peerId, reason }) =>
      console.info(`swarmlab: peer ${peerId} disconnected: ${reason}`),
    );
    this.#connector = new SwarmConnector({
      signalling: this.#signalling!,
      iceServers,
      createPeer: this.#deps.createPeer ?? browserPeerFactory,
      onLink: (link) => engine.addLink(link),
    });
    this.#signalling!.socket.off('signal:relay', this.#keepEarlySignal);
    for (const { from, signal } of this.#earlySignals.splice(0)) this.#connector.acceptSignal(from, signal);
    this.phase = 'running';
    this.#sample();
    this.#timers.push(
      setInterval(() => this.#sample(), SNAPSHOT_INTERVAL_MS),
      setInterval(() => void this.#report(), PROGRESS_REPORT_INTERVAL_MS),
    );
    void this.#report();
    return engine;
  }

  #sample(): void {
    if (!this.#engine) return;
    const snapshot = this.#engine.snapshot();
    this.snapshot = snapshot;
    this.rates.add(systemClock.nowMs(), snapshot.uploadBytesPerSec, snapshot.downloadBytesPerSec);
  }

  async #report(): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot || !this.#signalling || !this.role) return;
    const report: ProgressReport = {
      role: this.role,
      chunksHeld: snapshot.chunksHeld,
      complete: snapshot.complete,
      uploadedBytes: snapshot.uploadedBytes,
      downloadedBytes: snapshot.downloadedBytes,
      uploadBytesPerSec: snapshot.uploadBytesPerSec,
      downloadBytesPerSec: snapshot.downloadBytesPerSec,
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
    this.fileSha256 = await wholeFileSha256(chunks, (hashed) => (this.progress = hashed / manifest.sizeBytes));
  }

  #fail(message: string): void {
    this.error = message;
    this.phase = 'failed';
    this.leave();
  }
}

/** The user-facing sentence for a refusal from the signalling server. */
export function describeError(error: SignallingError): string {
  switch (error.code) {
    case 'swarm-not-found':
      return 'This swarm link is unknown or has ended: every peer has left, or the server was restarted. Ask for a new link.';
    case 'swarm-full':
      return 'This swarm is full: it has as many peers as the server allows.';
    case 'timeout':
      return 'The signalling server did not answer. Check that it is running and reachable.';
    default:
      return error.message;
  }
}
