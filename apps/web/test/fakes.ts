import { EventEmitter } from 'node:events';
import type { PeerFactory } from '@swarmlab/webrtc';
import {
  DEFAULT_RUN_CONFIG,
  NO_UNLISTED_PARTICIPANTS,
  type Manifest,
  type PeerOverride,
  type PeerRole,
  type RunConfig,
  type RunParticipant,
  type RunPhase,
  type RunState,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { CONTROL_UNKNOWN, type RunControl } from '../src/lib/control';
import type { AppSession, AppWatch, AppWindow, AppWindowEvent } from '../src/lib/state/app-controller.svelte';
import type { KeptSeed, SeedPlace, UnregisteredSeed } from '../src/lib/state/swarm-session.svelte';
import type { ChunkSource } from '../src/lib/storage/chunk-source';
import type { OnSwarmBroadcast } from '../src/lib/state/swarm-broadcast';

export const SWARM_A = 'A'.repeat(22);
export const SWARM_B = 'B'.repeat(22);
export const CONTENT_A = 'a'.repeat(64);
export const CONTENT_B = 'b'.repeat(64);

export const FILE_BYTES = 4 * 1024 * 1024;
export const manifest: Manifest = {
  formatVersion: 1,
  name: 'test.bin',
  sizeBytes: FILE_BYTES,
  chunkBytes: 256 * 1024,
  chunkSha256: [],
};

/** `localStorage` in memory. */
export function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

function participant(peerId: string, role: PeerRole, completedAfterMs: number | null): RunParticipant {
  return {
    peerId,
    role,
    settings: { uploadBytesPerSec: 1e6, downloadBytesPerSec: null, leaveOnComplete: false },
    completedAfterMs,
    uploadedBytes: role === 'seeder' ? FILE_BYTES : 0,
    downloadedBytes: role === 'seeder' ? 0 : FILE_BYTES,
    present: true,
    leftRun: false,
    flagged: null,
    witnessedBytes: role === 'seeder' ? 0 : FILE_BYTES,
    corroborated: role === 'leecher' && completedAfterMs !== null,
    peakUploadBytesPerSec: 0,
    tookPartAfterMs: 0,
  };
}

/** Run `runNumber` of a seeder and two leechers, `elapsedMs` in; finished ones took 8 s. */
export function runState(runNumber: number, phase: RunPhase, elapsedMs = 8_000): RunState {
  const finished = phase === 'finished';
  return {
    runNumber,
    phase,
    config: { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 2e6, peerUploadBytesPerSec: 1e6 },
    startedAtEpochMs: Date.UTC(2026, 0, 5, 9, 0, 0),
    elapsedMs,
    distributionMs: finished ? 8_000 : null,
    participants: [
      participant('seed', 'seeder', null),
      participant('leech0', 'leecher', finished ? 7_000 : null),
      participant('leech1', 'leecher', finished ? 8_000 : null),
    ],
    unlisted: NO_UNLISTED_PARTICIPANTS,
    abandonedLeechers: 0,
    uncountedUploadedBytes: 0,
    restoredAfterMs: null,
    interruption: null,
  };
}

/** A broadcast of swarm `swarmId`; every peer reports `downloadBytesPerSec` in `run`. */
export function swarmProgress(swarmId: string, run: RunState | null, downloadBytesPerSec = 1e6): SwarmProgress {
  return {
    swarmId,
    config: run?.config ?? DEFAULT_RUN_CONFIG,
    run,
    flows: [],
    peers: (run?.participants ?? []).map((peer, index) => ({
      peerId: peer.peerId,
      role: peer.role,
      joinedAfterMs: index * 100,
      override: {},
      flagged: null,
      away: false,
      report: {
        role: peer.role,
        runNumber: run!.runNumber,
        bitsBase64: '',
        chunksHeld: 0,
        complete: false,
        uploadedBytes: 0,
        downloadedBytes: 0,
        uploadBytesPerSec: 0,
        downloadBytesPerSec: peer.role === 'leecher' ? downloadBytesPerSec : 0,
        peakUploadBytesPerSec: 0,
        peakDownloadBytesPerSec: 0,
      },
    })),
  };
}

type AppEvent = Parameters<AppWindow['addEventListener']>[0];

/**
 * A page for the app controller: a URL, a session history that moves it (without `hashchange`, as in
 * browsers), and listeners that can be counted and fired.
 */
export class FakeWindow implements AppWindow {
  readonly location = { hash: '', search: '', pathname: '/', origin: 'http://swarm.test' };
  readonly urls: string[] = [];
  readonly history = {
    pushState: (_data: unknown, _unused: string, url?: string | URL | null) => this.#navigate(url),
    replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => this.#navigate(url),
  };
  readonly #listeners = new Map<AppEvent, Set<(event: AppWindowEvent) => void>>();

  constructor(url = '/') {
    this.#navigate(url);
  }

  addEventListener(type: AppEvent, listener: (event: AppWindowEvent) => void): void {
    const listeners = this.#listeners.get(type) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(type, listeners);
  }

  removeEventListener(type: AppEvent, listener: (event: AppWindowEvent) => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  listenerCount(type: AppEvent): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  fire(type: AppEvent, event: AppWindowEvent = {}): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener(event);
  }

  /** The user opens `url` in this page (a link, the address bar): a new hash fires `hashchange`. */
  open(url: string): void {
    const before = this.location.hash;
    this.#navigate(url);
    if (this.location.hash !== before) this.fire('hashchange');
  }

  #navigate(url: string | URL | null | undefined): void {
    if (url === null || url === undefined) return;
    const { pathname, search, hash } = this.location;
    const next = new URL(url, `${this.location.origin}${pathname}${search}${hash}`);
    this.location.pathname = next.pathname;
    this.location.search = next.search;
    this.location.hash = next.hash;
    this.urls.push(`${next.pathname}${next.search}${next.hash}`);
  }
}

/** A session that records what the controller asks of it; `finishSeeding` plays the server's answer. */
export class FakeSession implements AppSession {
  swarmId: string | undefined;
  contentId: string | undefined;
  controlSecret: string | undefined;
  joined: { swarmId: string; contentId: string; override: PeerOverride; control?: string } | undefined;
  seeded: { file: ChunkSource; config: RunConfig } | undefined;
  unregisteredSeed: UnregisteredSeed | undefined;
  seededPrepared: UnregisteredSeed | undefined;
  seedPlace: SeedPlace | undefined;
  reseeded: { file: ChunkSource; place: SeedPlace } | undefined;
  keptSeed: KeptSeed | undefined;
  resumedSeed: KeptSeed | undefined;
  seederElsewhere = false;
  get canReturn(): boolean {
    return this.swarmId !== undefined;
  }
  control: RunControl = CONTROL_UNKNOWN;
  holdsUnsavedFile = false;
  leaveCalls = 0;
  /** Whether each leave kept the stored chunks (a page unloading) or not. */
  readonly keptStoredChunks: boolean[] = [];
  readonly onBroadcast: OnSwarmBroadcast;
  #seedingDone: (() => void) | undefined;

  constructor(onBroadcast: OnSwarmBroadcast) {
    this.onBroadcast = onBroadcast;
  }

  seed(file: ChunkSource, config: RunConfig): Promise<void> {
    this.seeded = { file, config };
    return new Promise((resolve) => (this.#seedingDone = resolve));
  }

  seedPrepared(unregistered: UnregisteredSeed): Promise<void> {
    this.seededPrepared = unregistered;
    return new Promise((resolve) => (this.#seedingDone = resolve));
  }

  /** The server created the swarm: the session now has its ids (and its control secret), and `seed` resolves. */
  finishSeeding(swarmId: string, contentId: string, controlSecret?: string): void {
    this.swarmId = swarmId;
    this.contentId = contentId;
    this.controlSecret = controlSecret;
    this.#seedingDone?.();
  }

  async join(swarmId: string, contentId: string, override: PeerOverride, control?: string): Promise<void> {
    this.swarmId = swarmId;
    this.contentId = contentId;
    this.joined = { swarmId, contentId, override, ...(control !== undefined && { control }) };
  }

  async reseed(file: ChunkSource, place: SeedPlace): Promise<void> {
    this.swarmId = place.swarmId;
    this.contentId = place.contentId;
    this.reseeded = { file, place };
    // A turn first (the hashing), so a test may set what the server's answer waits for.
    await Promise.resolve();
    await this.reseedTaken;
  }

  /** What `reseed` waits for after its first turn, as a seeder's place is taken: a test settles it. */
  reseedTaken: Promise<void> = Promise.resolve();
  seedsSwarm = false;

  async resumeSeed(kept: KeptSeed): Promise<void> {
    this.swarmId = kept.place.swarmId;
    this.contentId = kept.place.contentId;
    this.resumedSeed = kept;
  }

  /** Whether each leave was to keep the swarm (`LeaveOptions.keepSwarm`). */
  readonly keptSwarm: boolean[] = [];
  leave(options: { keepStoredChunks?: boolean; keepSwarm?: boolean } = {}): void {
    this.leaveCalls++;
    this.keptStoredChunks.push(options.keepStoredChunks ?? false);
    this.keptSwarm.push(options.keepSwarm ?? false);
  }
}

export class FakeWatch implements AppWatch {
  readonly swarmId: string;
  watchedContentId: string | undefined;
  closeCalls = 0;
  readonly onBroadcast: OnSwarmBroadcast;
  /** The control secret it was opened with. */
  readonly control: string | undefined;

  constructor(swarmId: string, onBroadcast: OnSwarmBroadcast, control?: string) {
    this.swarmId = swarmId;
    this.onBroadcast = onBroadcast;
    this.control = control;
  }

  async watch(contentId: string): Promise<void> {
    this.watchedContentId = contentId;
  }

  close(): void {
    this.closeCalls++;
  }
}

/** Peers that never connect: for tests about a tab's place and its stores, not about data. */
export const silentPeers: PeerFactory = () =>
  Object.assign(new EventEmitter(), {
    destroyed: false,
    destroy() {
      this.destroyed = true;
    },
    signal() {},
  }) as unknown as ReturnType<PeerFactory>;
