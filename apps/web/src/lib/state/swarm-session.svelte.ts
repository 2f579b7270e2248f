import type { SwarmSnapshot } from '@swarmlab/engine';
import {
  chunkCount,
  type DisplayName,
  type FormerPlace,
  type IceServer,
  type JoinCode,
  type Manifest,
  type MemberKey,
  type PeerOverride,
  type PeerRunSettings,
  type PeerRole,
  type RunConfig,
  type SignallingError,
  type RunStarted,
  type SwarmProgress,
  type SwarmSeal,
} from '@swarmlab/protocol';
import {
  browserClock,
  everyMs,
  heardNow,
  pageHasWebRtc,
  randomToken,
  rejoinRequestOf,
  swarmMemoryOf,
  untilRegistered,
  type ConnectTroubleNotice,
  type PeerFactory,
  type RejoinRequest,
  type RejoinStatus,
  type SwarmMemory,
} from '@swarmlab/webrtc';
import { pageSha256 } from '../page-sha256';
import type { ChunkSource } from '../storage/chunk-source';
import { pageChunkDatabase } from '../storage/chunk-database';
import type { IdbChunkStore } from '../storage/idb-chunk-store';
import { LeecherStorage, STORE_TOUCH_INTERVAL_MS, type StorePlace } from '../storage/leecher-storage';
import { readErrorOf, storageMessageOf, StoredFileGoneError, type StorageError } from '../storage/storage-error';
import { browserEstimate } from '../storage/storage-quota';
import { hashStoredFile } from '../storage/stored-file-hash';
import { pageTabChannel, TabIdentity } from '../storage/tab-id';
import { NO_WEBRTC_MESSAGE, userMessageOf } from '../user-message';
import { EngineDisplay } from './engine-display.svelte';
import { EngineRun, type DroppedPeer, type EngineRunOptions, type OwnRun } from './engine-run.svelte';
import type { TestSwitches } from '../test-switches';
import { sentUntilTaken } from '@swarmlab/webrtc';
import {
  CONTENT_MISMATCH_MESSAGE,
  manifestMatchesLink,
  notThisSwarmsFileMessage,
  prepareSeed,
  seededFileGoneMessage,
  unreadableFileMessage,
  type PreparedSeed,
} from './file-preparation';
import { documentVisibility, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';
import { NO_RUN_PROGRESS, ProgressReporter, type ReportedState } from '@swarmlab/webrtc';
import type { RateHistory } from './rate-history.svelte';
import { CONTROL_UNKNOWN, IN_CONTROL, MEMBER_WITHOUT_CONTROL, type RunControl } from '../control';
import { NO_RUN_REQUESTS, type RunController, type RunRequests } from './run-controller';
import type { OnSwarmBroadcast } from './swarm-broadcast';
import { runIsOver, RunOverWaits } from './run-over';
import { SwarmMembership } from './swarm-membership.svelte';
import type { MemberPlaces } from './member-places';
import { pageStorage } from './page-storage';
import { SeederWait } from './seeder-wait.svelte';
import { RECONNECTED_NOTICE_MS } from '../signalling-message';
import { testDelay } from '../test-delays';

/**
 * - `waiting`: in the swarm, connected to its peers, no run going on for this tab (before the first
 *   run, after a stop, or after leaving a run on completion).
 * - `running`: this tab's engine is transferring in the current run.
 */
export type SessionPhase = 'idle' | 'preparing' | 'connecting' | 'waiting' | 'running' | 'failed' | 'closed';

/** How often the engine is sampled, for the reports and the screen: four times a second reads as live. */
export const SNAPSHOT_INTERVAL_MS = 250;

/**
 * How often a peer's own page redraws what changes (its bitmap and status, the swarm's table): every
 * redraw of a visible tab costs a frame (style, layout, paint), and a swarm on one machine has many such
 * tabs. Measured with `bench swarm --peers 8 --file-bytes 32MiB` (unshaped, CPU-bound, runs vary by about
 * 10 %): four redraws a second 22.6–23.6 s, two 21.6–24.9 s (median 21.6), one 19.7–19.9 s. Twice a
 * second still reads as live; the overview screen, which is there to be watched, redraws with every
 * broadcast.
 */
export const DISPLAY_INTERVAL_MS = 500;

export interface SwarmSessionOptions {
  /** Signalling server; the page's own origin when absent. */
  readonly signallingUrl?: string;
  readonly createPeer?: PeerFactory;
  readonly onBroadcast?: OnSwarmBroadcast;
  /** Whether the page is seen: a hidden tab draws nothing (the document's, by default). */
  readonly visibility?: PageVisibility;
  /** Test-only behaviour, honoured by a test build only (`test-switches.ts`); none by default. */
  readonly testSwitches?: TestSwitches;
  /** The name this tab's user chose, if any: sent once the tab is in the swarm. */
  readonly displayName?: () => DisplayName | undefined;
  /** Where a leecher keeps its chunks: IndexedDB, this tab's stores (made when first needed, by default). */
  readonly storage?: () => LeecherStorage;
  /** `SEEDER_RETURN_WAIT_MS` (`seeder-wait.svelte.ts`) by default (tests shorten it). */
  readonly seederReturnWaitMs?: number;
  /** This tab's places in swarms, kept over a reload (in memory only, and lost with the page, if absent). */
  readonly places?: MemberPlaces;
  /** This tab's id (`TabIdentity`), which its places and stores are kept under; the page's by default. */
  readonly tabId?: () => Promise<string>;
  /** How long its name and its link's settings are sent again while refused for a moment (`own-sends.ts`). */
  readonly ownSendPatienceMs?: number;
}

let tabIdentity: TabIdentity | undefined;
/**
 * The page's one tab identity: it answers the other tabs for its id as long as the page lives. The app claims
 * it as the page loads, so a tab duplicated later finds its original answering.
 */
export function pageTabIdentity(): TabIdentity {
  tabIdentity ??= new TabIdentity(pageStorage('sessionStorage'), pageTabChannel());
  return tabIdentity;
}

/** What seeding a swarm again from a tab takes (`SwarmSession.seedPlace`). */
export interface SeedPlace {
  readonly swarmId: string;
  readonly contentId: string;
  /** The swarm's file description: the file picked again must have its bytes, and takes its name. */
  readonly manifest: Manifest;
  readonly control: string;
  readonly seal: SwarmSeal;
  readonly iceServers: readonly IceServer[];
  /**
   * What the tab remembers of the swarm's runs (the latest run number, its settings): a swarm the server forgot
   * meanwhile (every member left) is registered again numbering its runs after those, as a restarted server
   * does; from 1, its runs' records would collide with the kept ones and be dropped from the history.
   */
  readonly memory: SwarmMemory;
}

/**
 * A seeder's tab that left its swarm as the page went into the back/forward cache still holds its file: what
 * seeding the swarm again from it takes, when the page comes back (`SwarmSession.keptSeed`).
 */
export interface KeptSeed {
  readonly seed: PreparedSeed;
  readonly place: SeedPlace;
}

/** Refusals of a swarm's creation that a later try may not get: the server full, busy, or out of reach. */
const CREATE_REFUSALS_THAT_PASS: ReadonlySet<SignallingError['code']> = new Set<SignallingError['code']>([
  'too-many-swarms',
  'too-many-swarms-from-address',
  'too-many-connections',
  'rate-limited',
  'signalling-lost',
  'timeout',
  'internal-error',
]);

/** A hashed file whose swarm the server did not register, and the run settings it was to have. */
export interface UnregisteredSeed {
  readonly seed: PreparedSeed;
  readonly config?: RunConfig;
}

/**
 * How a session ends: a reload (the page unloads) or a failure keeps the stored chunks and the place, to resume;
 * leaving deletes them. A failure of the storage itself keeps the place only (`keepPlace`).
 */
export interface LeaveOptions {
  readonly keepStoredChunks?: boolean;
  readonly keepPlace?: boolean;
  /**
   * The swarm is to outlive this leave: the page is unloading (`pagehide`: a reload may follow), or the tab takes the
   * seeder's place next (`reseed`). Its last member then goes as a dropped connection does, its place kept for its
   * grace period; left, the swarm ended with it, and came back (restored) under a new join code.
   */
  readonly keepSwarm?: boolean;
}

/**
 * One tab's membership of one swarm, as reactive state for the UI. It prepares the file
 * (`file-preparation.ts`), joins through a `SwarmMembership` (signalling and connections), runs an
 * `EngineRun` for each run the server starts, samples it four times a second for the reports
 * (`ProgressReporter`) and the screen (`EngineDisplay`), and hashes the whole file once complete.
 */
export class SwarmSession implements RunController {
  #phase = $state<SessionPhase>('idle');
  #role = $state<PeerRole | undefined>();
  /** The places this tab's pages before had, when their stores are this member's (see `join`). */
  #formerPeerIds: readonly string[] = [];
  /** Keeps this member's place and the former places its stores are under, for the next page of the tab. */
  #keptPlaces: ((storedUnder: readonly string[]) => void) | undefined;
  /** A failed entry's: the places its stores are under, when they are this tab's own (the swarm is gone). */
  #placesOfEntry: Omit<StorePlace, 'peerId'> | undefined;
  #error = $state<string | undefined>();
  #hashedFraction = $state(0);
  #manifest = $state.raw<Manifest | undefined>();
  #contentId = $state<string | undefined>();
  /** Its swarm ended, or its link does not match the swarm's file: "Back to this swarm" would fail again. */
  #noReturn = $state(false);
  #swarmId = $state<string | undefined>();
  #peerId = $state<string | undefined>();
  #control = $state.raw<RunControl>(CONTROL_UNKNOWN);
  /** The swarm's control secret, when this tab holds it (it created the swarm, or kept it over a reload). */
  #controlSecret = $state<string | undefined>();
  #joinCode = $state<JoinCode | undefined>();
  readonly #swarmProgress: ShownWhileVisible<SwarmProgress | undefined>;
  #fileSha256 = $state<string | undefined>();
  #fileSha256Error = $state<string | undefined>();
  /**
   * The store whose whole-file hash waits for its run to end (`RunOverWaits`); undefined when none waits. The
   * store, not a flag: the wait of an earlier completion, ending, must not clear a later one's.
   */
  #hashWaitsFor = $state.raw<IdbChunkStore | undefined>();
  readonly #runOver = new RunOverWaits(browserClock);
  #membership = $state.raw<SwarmMembership | undefined>();
  #run = $state.raw<EngineRun | undefined>();
  /**
   * The signalling connection's story since it was first lost; undefined while it never was, and again
   * `RECONNECTED_NOTICE_MS` after it is back ("Reconnected" stayed on every student's page for the lesson).
   */
  #signalling = $state.raw<RejoinStatus | undefined>();
  #signallingNoticeTimer: ReturnType<typeof setTimeout> | undefined;
  #seederElsewhere = $state(false);
  /** See `seederAwaited`. */
  readonly #seederWait: SeederWait;
  /** Joining a swarm a server that has just started does not know yet: its members register it again. */
  #waitingForSwarm = $state(false);
  /** This tab's proof of its place, and the swarm's seal: to take its place back after a drop or a restart. */
  #memberKey: MemberKey | undefined;
  #seal: SwarmSeal | undefined;
  #iceServers: readonly IceServer[] = [];
  readonly #display: EngineDisplay;

  readonly #options: SwarmSessionOptions;
  readonly #sha256 = pageSha256();
  /** Aborted when the tab leaves: a seed's preparation then stops reading the file. */
  readonly #preparing = new AbortController();
  /** The seeder's file (read on demand) and its hash; kept from run to run. */
  #seed: PreparedSeed | undefined;
  /** See `unregisteredSeed`. */
  #unregistered = $state.raw<UnregisteredSeed | undefined>();
  #storage: LeecherStorage | undefined;
  /** A leecher's store for the run it is in (or was last in), in IndexedDB. */
  #leecherStore: IdbChunkStore | undefined;
  /** The store whose whole file was last given to Save (`holdsUnsavedFile`). */
  #savedStoreKey: string | undefined;
  /** A file kept from before a reload is being read back and checked (`#offerKeptFile`): leaving deletes it. */
  #checkingKeptFile = false;
  /** Chunks a reloaded tab found in its store for the run it rejoined. */
  #resumedChunks = $state(0);
  /** Counts run starts, so an older one still opening its store gives way. */
  #runStarts = 0;
  /** The run whose store is opening (a reloaded tab checks its chunks for seconds): a stop must cancel it. */
  #startingRunNumber: number | undefined;
  /** Stores being opened, until each is taken or given up (a stopped run's may still be checking). */
  #storesOpening = 0;
  /** See `keptRunNumber`. */
  #keptRunNumber = $state<number | undefined>();
  /** A reloaded tab checks the chunks it stored before the reload, before it takes part in the run. */
  #checkingStoredChunks = $state(false);
  /** Left as a page unloads (a reload, the back-forward cache): the stored chunks stay for the next visit. */
  #leftKeepingChunks = false;
  /** The link's own settings (`?up=…&leave=1`), while the server has not taken them. */
  #unsentOverride: PeerOverride | undefined;
  /** Why the server has not taken the tab's name, or its link's settings, sent unasked (`ownSendTrouble`). */
  #nameTrouble = $state<string | undefined>();
  #linkTrouble = $state<string | undefined>();
  /** Counts the name's sends: an older one still asked again stops once a newer one is sent. */
  #nameTurn = 0;
  /** Counts the link's sends and the tab's own settings set by hand: an older send still asked again stops then. */
  #linkTurn = 0;
  /** The run whose stores' memory was let go as the server's table showed it over (`#releaseMemoryIfRunOver`). */
  #memoryReleasedFor: EngineRun | undefined;
  /** The runs whose completion this tab handled (`#completed`). */
  readonly #completedRuns = new WeakSet<EngineRun>();
  /** A start the server sent while this tab was still joining (it checks the manifest first): taken on entry. */
  #earlyStart: RunStarted | undefined;
  #stopTouching: (() => void) | undefined;
  #reporter: ProgressReporter | undefined;
  #stopSampling: (() => void) | undefined;

  constructor(options: SwarmSessionOptions = {}) {
    this.#options = options;
    this.#seederWait = new SeederWait(options.seederReturnWaitMs);
    const visibility = options.visibility ?? documentVisibility();
    this.#display = new EngineDisplay(visibility, DISPLAY_INTERVAL_MS);
    this.#swarmProgress = new ShownWhileVisible<SwarmProgress | undefined>(visibility, undefined, DISPLAY_INTERVAL_MS);
  }

  get phase(): SessionPhase {
    return this.#phase;
  }

  /** Whether this tab, joining, waits for a restarted server to know its swarm again (`phase` is `connecting`). */
  get waitingForSwarm(): boolean {
    return this.#waitingForSwarm;
  }

  /** Whether it holds the seeder's place in its swarm now (`AppSession.seedsSwarm`). */
  get seedsSwarm(): boolean {
    return this.#role === 'seeder' && (this.#phase === 'waiting' || this.#phase === 'running');
  }

  get role(): PeerRole | undefined {
    return this.#role;
  }

  /** A message for the user when `phase` is `failed`. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Whether this completed leecher's whole-file hash waits for the run to end. */
  get hashWaitsForRunEnd(): boolean {
    return this.#hashWaitsFor !== undefined && this.#hashWaitsFor === this.#leecherStore;
  }

  /** Whether this tab is checking the chunks it stored before a reload (`hashedFraction` says how far). */
  get checkingStoredChunks(): boolean {
    return this.#checkingStoredChunks;
  }

  /** 0..1 while hashing a file to seed or to check the downloaded one. */
  get hashedFraction(): number {
    return this.#hashedFraction;
  }

  /**
   * Shows how much of a hashing pass is done, in whole percents: the passes report every chunk (8,192 of a
   * 2 GiB file), and a state that does not change wakes no effect.
   */
  #showHashed(fraction: number): void {
    this.#hashedFraction = Math.floor(fraction * 100) / 100;
  }

  get manifest(): Manifest | undefined {
    return this.#manifest;
  }

  get contentId(): string | undefined {
    return this.#contentId;
  }

  get swarmId(): string | undefined {
    return this.#swarmId;
  }

  /**
   * Whether "Back to this swarm" can take this tab back in after a failure: it knows its swarm, from the link it
   * opened, whether it was in the swarm or refused before (full, unreachable, timed out). A refused join knows no
   * content id yet, and the failure offered only the start page, which drops the link (found by review).
   */
  get canReturn(): boolean {
    return this.#swarmId !== undefined && !this.#noReturn;
  }

  get peerId(): string | undefined {
    return this.#peerId;
  }

  /** Whether this tab may start and stop runs and set other peers' links. */
  get control(): RunControl {
    return this.#control;
  }

  /** The swarm's control secret, once the server has taken it from this tab (for the control link). */
  get controlSecret(): string | undefined {
    return this.#controlSecret;
  }

  /** The swarm's short join code, for people to type instead of the link. */
  get joinCode(): JoinCode | undefined {
    return this.#joinCode;
  }

  /**
   * The server's latest broadcast of the whole swarm, as drawn (it holds still while the page is hidden). While the
   * tab's signalling connection is lost, or its place not taken back, it stands still and shows so, as an
   * overview's does: every peer away (no rates), no flows. The last rates looked live for up to a minute while the
   * server restarted (found by review).
   */
  get swarmProgress(): SwarmProgress | undefined {
    return this.#signallingLost ? this.#asLastHeard : this.#swarmProgress.shown;
  }

  /**
   * Whether the tab's signalling connection is lost, or its place in the swarm not yet taken back, or not to be (a
   * rejoin refused for good: no table comes any more).
   */
  readonly #signallingLost = $derived(
    this.#signalling?.state === 'lost' ||
      this.#signalling?.state === 'rejoining' ||
      this.#signalling?.state === 'failed',
  );
  /** The broadcast shown, as of when the tab last heard from the server (see `swarmProgress`). */
  readonly #asLastHeard = $derived.by(() => {
    const shown = this.#swarmProgress.shown;
    return shown && { ...shown, flows: [], peers: shown.peers.map((peer) => ({ ...peer, away: true })) };
  });

  /** The server's latest broadcast, drawn or not: for the test hook, never for drawing. */
  get latestSwarmProgress(): SwarmProgress | undefined {
    return this.#swarmProgress.latest;
  }

  /** The run this tab is in, or was last in. */
  get ownRun(): OwnRun | undefined {
    return this.#run?.ownRun;
  }

  /** The peers this tab disconnected in its current run for misbehaving (sending bad data, breaking the protocol). */
  get droppedPeers(): readonly DroppedPeer[] {
    return this.#run?.droppedPeers ?? [];
  }

  /** The signalling connection, once it was lost: reconnecting, taking this tab's place back, back, or failed. */
  get signalling(): RejoinStatus | undefined {
    return this.#signalling;
  }

  /** Leecher stores being opened now, each until it is taken for its run or given up (for tests). */
  get storesOpening(): number {
    return this.#storesOpening;
  }

  /** Chunks this tab found stored (and verified) when it rejoined the run after a reload. */
  get resumedChunks(): number {
    return this.#resumedChunks;
  }

  /**
   * The run whose whole file this tab kept from before a reload, offered for Save while no run goes on (the
   * join carries only a run going on); undefined otherwise, and once a new run starts (it starts empty).
   */
  get keptRunNumber(): number | undefined {
    return this.#keptRunNumber;
  }

  /** SHA-256 of the whole file, once this tab holds all of it. */
  get fileSha256(): string | undefined {
    return this.#fileSha256;
  }

  /** Why this tab's stored file could not be read back to hash it (its chunks were each verified). */
  get fileSha256Error(): string | undefined {
    return this.#fileSha256Error;
  }

  /** Peers with an open WebRTC connection to this tab. */
  get connectedPeers(): number {
    return this.#membership?.connectedPeers ?? 0;
  }

  /** Tries to connect that fail, as `ConnectTrouble.notice` tells them (on the seeder's page, of every peer). */
  get connectTrouble(): ConnectTroubleNotice | undefined {
    return this.#membership?.connectTrouble;
  }

  /** This tab's engine as drawn: its latest snapshot shown (it holds still while the page is hidden). */
  get snapshot(): SwarmSnapshot | undefined {
    return this.#display.snapshot;
  }

  /** The engine's latest sample, drawn or not: for the test hook, never for drawing. */
  get latestSnapshot(): SwarmSnapshot | undefined {
    return this.#run?.latestSnapshot;
  }

  /** This tab's throughput over the run, for its chart. */
  get rates(): RateHistory {
    return this.#display.rates;
  }

  /**
   * Hashes `file` in one streaming pass, registers a new swarm with `config` for its runs, and waits for a
   * run to start; the file is read again, by chunks, only as peers ask for them.
   */
  async seed(file: ChunkSource, config?: RunConfig): Promise<void> {
    // A seeder's refusal: headed "Downloading" without it (found by review).
    this.#role = 'seeder';
    if (this.#withoutWebRtc()) return;
    const prepared = await this.#prepare(file);
    if (!prepared) return;
    await this.#register(prepared, config);
  }

  /**
   * The file a seed hashed whose swarm the server did not register (unreachable, busy, too many swarms from the
   * address): `seedPrepared` registers it without reading the file again. A 16 GiB file was hashed again whole to
   * try again (found by review).
   */
  get unregisteredSeed(): UnregisteredSeed | undefined {
    return this.#unregistered;
  }

  /** Registers a new swarm for `unregistered`, a file an earlier session hashed (`unregisteredSeed`). */
  async seedPrepared(unregistered: UnregisteredSeed): Promise<void> {
    this.#role = 'seeder';
    if (this.#withoutWebRtc()) return;
    await this.#register(unregistered.seed, unregistered.config);
  }

  async #register(prepared: PreparedSeed, config: RunConfig | undefined): Promise<void> {
    const tabId = this.#tabId();
    this.#seed = prepared;
    this.#phase = 'connecting';
    const membership = this.#connect();
    const { manifest, contentId } = prepared;
    // Asked again on `rate-limited` and while the connection is lost, as a join is: the hashed file is not lost.
    const created = await untilRegistered(
      () => membership.createSwarm({ manifest, contentId, ...(config && { config }) }),
      { cancelled: () => this.#over },
    );
    const tabIdNow = await tabId;
    if (this.#over) return;
    if (!created.ok) {
      // Kept where a later try may be taken: not for a refusal every try gets (a manifest too large for the server).
      if (CREATE_REFUSALS_THAT_PASS.has(created.error.code))
        this.#unregistered = { seed: prepared, ...(config && { config }) };
      return this.#fail(userMessageOf(created.error));
    }
    this.#keepPlaceOnDrop(created.swarmId, { peerId: created.peerId, memberKey: created.memberKey }, tabIdNow);
    this.#swarmId = created.swarmId;
    this.#joinCode = created.joinCode;
    this.#controlSecret = created.controlSecret;
    this.#memberKey = created.memberKey;
    this.#seal = created.seal;
    this.#control = IN_CONTROL;
    this.#enter(membership, { manifest, contentId, peerId: created.peerId, iceServers: created.iceServers });
    this.#fileSha256 = prepared.fileSha256;
  }

  /**
   * Joins the swarm a link names, checking the server's manifest against the link's content id, with
   * this tab's own settings `override` (from its link); takes part in the run going on, if any. With
   * `control`, the swarm's control secret this tab kept (its creator's tab, reloaded), it runs the swarm.
   */
  async join(swarmId: string, contentId: string, override: PeerOverride = {}, control?: string): Promise<void> {
    this.#role = 'leecher';
    this.#swarmId = swarmId;
    if (this.#withoutWebRtc()) return;
    this.#phase = 'connecting';
    const membership = this.#connect();
    // Reloaded, it asks for its place back: the run then still counts what it received before. Asked again (its
    // answer lost with the connection), the same entry key finds the place the first ask made, not a second one.
    // Drawn for this entry, never the former place's key: a duplicated tab carries its original's session storage,
    // and would have taken the original's place (the original disconnected) as a join asked again.
    const tabId = await this.#tabId();
    if (this.#over) return;
    const formerPlace = this.#options.places?.get(swarmId, tabId);
    const storedUnder = this.#options.places?.storedUnder(swarmId, tabId) ?? [];
    const entryKey = randomToken();
    const joined = await untilRegistered(() => membership.joinSwarm(swarmId, control, formerPlace, entryKey), {
      onWaiting: () => (this.#waitingForSwarm = true),
      cancelled: () => this.#over,
    });
    this.#waitingForSwarm = false;
    if (this.#over) return;
    if (!joined.ok) {
      // The swarm is gone: no member holds a place in it, so what this tab stored under its places is its own, and a
      // leave deletes it (it stayed an hour, after a reload into a swarm that had ended; found by review).
      // Ended for good (a young server's wait is `untilRegistered`'s): opened again, it would be refused again.
      if (joined.error.code === 'swarm-not-found') this.#noReturn = true;
      if (joined.error.code === 'swarm-not-found' && formerPlace)
        this.#placesOfEntry = { swarmId, contentId, formerPeerIds: [formerPlace.peerId, ...storedUnder] };
      return this.#fail(userMessageOf(joined.error));
    }
    const answeredOn = membership.connectionNumber;
    // The run's age counts from its hearing, not from after the manifest's check and the link's settings. Held as an
    // early start, which a stop heard meanwhile cancels (it started after the check, however stopped; found by
    // review), and which the entry starts.
    const joinedRun = joined.run && heardNow(joined.run, browserClock);
    if (joinedRun && joinedRun.runNumber > (this.#earlyStart?.runNumber ?? 0)) this.#earlyStart = joinedRun;
    // Given a new place, the former ones' stores are this member's only if no member holds the place presented: a
    // duplicated tab that kept its original's tab id presents the original's place too, and deleted the original's
    // chunks as its own. Carried over reloads, as a reload between runs always gets a new place.
    const placeBack = formerPlace !== undefined && formerPlace.peerId === joined.peerId;
    const formerOwn = formerPlace !== undefined && !placeBack && !joined.peers.includes(formerPlace.peerId);
    // Given its place back (a reload during a run), the places before it stay its own too.
    this.#formerPeerIds = formerOwn ? [formerPlace.peerId, ...storedUnder] : placeBack ? storedUnder : [];
    const place = { peerId: joined.peerId, memberKey: joined.memberKey };
    this.#keptPlaces = (storedUnderNow) => this.#options.places?.keep(swarmId, place, tabId, storedUnderNow);
    this.#keptPlaces(this.#formerPeerIds);
    this.#joinCode = joined.joinCode;
    // Opened just after a restart: the seeder's tab may be among the members not back yet.
    if (joined.registeredAgain) this.#seederWait.back();
    this.#controlSecret = joined.inControl ? control : undefined;
    this.#control = joined.inControl ? IN_CONTROL : MEMBER_WITHOUT_CONTROL;
    this.#memberKey = joined.memberKey;
    this.#seal = joined.seal;
    if (!(await manifestMatchesLink(joined.manifest, contentId, this.#sha256))) {
      // The link is wrong, not the moment: opened again, it would join and be refused again.
      this.#noReturn = true;
      return this.#fail(CONTENT_MISMATCH_MESSAGE);
    }
    const checkDelayMs = this.#options.testSwitches?.joinCheckDelayMs ?? 0;
    if (checkDelayMs > 0) await testDelay(checkDelayMs);
    if (this.#over) return;
    this.#enter(membership, {
      manifest: joined.manifest,
      contentId,
      peerId: joined.peerId,
      iceServers: joined.iceServers,
      answeredOn,
    });
    if (Object.keys(override).length > 0) {
      // Kept until the server took it: a drop during the join (the place then taken back) made it refused.
      this.#unsentOverride = override;
      // Not waited for: asked again for up to a minute while refused (they apply from the next run).
      void this.#sendLinkOverride(membership, joined.peerId, override);
    }
    // No run started by the entry (none went on, or it was stopped meanwhile): a file kept from before is offered.
    const offering =
      !this.#run && this.#startingRunNumber === undefined && this.#role === 'leecher'
        ? this.#offerKeptFile()
        : Promise.resolve();
    // Chunks of swarms this browser left long ago (or tabs that crashed) go, in the background, once the kept file is
    // touched: a tab back after an hour (restored after the browser discarded it) had its file deleted as it was
    // checked (found by review).
    const cleanStale = () => void this.#leecherStorage().cleanStale();
    void offering.then(cleanStale, cleanStale);
    membership.connectTo(joined.peers);
  }

  /**
   * The seeder's tab may be on its way back (this tab's connection dropped, or the server restarted, and no table
   * since showed the seeder): the page says so, not "nobody seeds", and offers no reseed meanwhile.
   */
  get seederAwaited(): boolean {
    return this.#seederWait.awaited;
  }

  /**
   * The server refused this tab the seeder's role because another tab seeds the swarm now (`seeder-present`: the
   * file was picked again there while this one was away): opened again, it takes part as a peer.
   */
  get seederElsewhere(): boolean {
    return this.#seederElsewhere;
  }

  /**
   * What a new session needs to seed this swarm from this tab (`reseed`): this tab is a leecher holding the
   * swarm's control secret (its seeder's tab, reloaded: the picked file did not survive the reload).
   */
  get seedPlace(): SeedPlace | undefined {
    return this.#role === 'leecher' ? this.#place() : undefined;
  }

  /**
   * The file this tab seeded and its place in the swarm, kept once it left (the page went into the
   * back/forward cache, where the picked file survives): a new session seeds the swarm again from it
   * (`resumeSeed`) when the page comes back. Undefined unless this tab seeded a swarm it held control of.
   */
  get keptSeed(): KeptSeed | undefined {
    const [seed, place] = [this.#seed, this.#place()];
    return this.#role === 'seeder' && seed && place ? { seed, place } : undefined;
  }

  #place(): SeedPlace | undefined {
    const [swarmId, contentId, manifest] = [this.#swarmId, this.#contentId, this.#manifest];
    const [control, seal] = [this.#controlSecret, this.#seal];
    if (!swarmId || !contentId || !manifest || !control || !seal) return undefined;
    const memory = swarmMemoryOf(this.#swarmProgress.latest, this.#peerId ?? '', this.#run?.runNumber, true);
    return { swarmId, contentId, manifest, control, seal, iceServers: this.#iceServers, memory };
  }

  /**
   * Seeds the swarm of `place` from `file`, picked again: the tab that held the swarm's control secret
   * takes the seeder's place under a new peer id (the server takes back as seeder only the holder of the
   * control secret, and registers the swarm again if every member had left). A file that is not the
   * swarm's (other bytes, or another name: the name is in the manifest) is refused before anything is sent.
   */
  async reseed(file: ChunkSource, place: SeedPlace): Promise<void> {
    // A seeder's refusal, a file of another size's included: headed "Downloading" without it (found by review).
    this.#role = 'seeder';
    this.#swarmId = place.swarmId;
    this.#contentId = place.contentId;
    // A file of another size cannot be the swarm's: refused before it is read (it may be gigabytes).
    if (file.sizeBytes !== place.manifest.sizeBytes) return this.#fail(notThisSwarmsFileMessage(file, place.manifest));
    // Named as the swarm names it: a download renamed since ("lecture (1).bin") is still the swarm's file.
    const prepared = await this.#prepare(file, place.manifest.name);
    if (!prepared) return;
    if (prepared.contentId !== place.contentId) return this.#fail(notThisSwarmsFileMessage(file, place.manifest));
    await this.#takeSeederPlace(prepared, place);
  }

  /**
   * Seeds the swarm again from the file an earlier session of this tab seeded (`keptSeed`; the page came
   * back from the back/forward cache): the file is not read again, the place is taken as `reseed` takes it.
   */
  async resumeSeed(kept: KeptSeed): Promise<void> {
    this.#role = 'seeder';
    this.#swarmId = kept.place.swarmId;
    this.#contentId = kept.place.contentId;
    await this.#takeSeederPlace(kept.seed, kept.place);
  }

  async #takeSeederPlace(prepared: PreparedSeed, place: SeedPlace): Promise<void> {
    this.#seed = prepared;
    this.#phase = 'connecting';
    const tabId = this.#tabId();
    const membership = this.#connect();
    const { manifest, contentId } = prepared;
    const peerId = randomToken();
    const memberKey = randomToken();
    const { swarmId, seal, control } = place;
    const request = rejoinRequestOf(
      { swarmId, peerId, memberKey, seal, role: 'seeder', control, manifest, contentId },
      null,
      place.memory,
    );
    // Asked again on `rate-limited` (refused before anything was done), as a join is.
    const taken = await untilRegistered(() => membership.takePlace(request), { cancelled: () => this.#over });
    const tabIdNow = await tabId;
    if (this.#over) return;
    if (!taken.ok) {
      this.#seederElsewhere = taken.error.code === 'seeder-present';
      return this.#fail(userMessageOf(taken.error));
    }
    if (!taken.resumed.inControl)
      return this.#fail('The server did not take the control secret this tab kept: it cannot seed this swarm.');
    this.#keepPlaceOnDrop(swarmId, { peerId, memberKey }, tabIdNow);
    this.#joinCode = taken.resumed.joinCode;
    this.#controlSecret = control;
    this.#memberKey = memberKey;
    this.#seal = seal;
    this.#control = IN_CONTROL;
    // The server's, if it says them: it may have been given STUN/TURN since the place was kept.
    const iceServers = taken.resumed.iceServers ?? place.iceServers;
    this.#enter(membership, { manifest, contentId, peerId, iceServers });
    this.#fileSha256 = prepared.fileSha256;
    if (taken.resumed.run) this.#startRun(taken.resumed.run);
    membership.connectTo(taken.resumed.peers);
  }

  /**
   * This tab seeds `file`: hashes it in one streaming pass (the progress shown); undefined if it could not be
   * read (the tab then says why) or the tab left meanwhile.
   */
  async #prepare(file: ChunkSource, name?: string): Promise<PreparedSeed | undefined> {
    this.#role = 'seeder';
    this.#phase = 'preparing';
    try {
      const prepared = await prepareSeed(
        file,
        this.#sha256,
        (fraction) => this.#showHashed(fraction),
        this.#preparing.signal,
        name,
      );
      return this.#over ? undefined : prepared;
    } catch (error) {
      if (!this.#over) this.#fail(unreadableFileMessage(file.name, error));
      return undefined;
    }
  }

  /** Starts a run for the whole swarm; resolves to a message for the user if the server refused. */
  startRun(config: RunConfig): Promise<string | undefined> {
    return this.#runs.startRun(config);
  }

  /** Stops the run going on, for the whole swarm. */
  stopRun(): Promise<string | undefined> {
    return this.#runs.stopRun();
  }

  /** Sets a peer's own settings (this tab's or another's) for the runs that start from now on. */
  async configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined> {
    const membership = this.#membership;
    if (peerId !== this.#peerId || !membership) return this.#runs.configurePeer(peerId, override);
    // Its own links set by hand: the link's, still asked again, must not be sent after them (found by review).
    this.#linkTurn++;
    const set = await membership.configureOwnLinks(peerId, override);
    // Taken, the link's settings, if still unsent, must not replace them at the next reconnection; refused as the
    // controller's to set, the link's are refused as well. Either way nothing is left to send, and no trouble to
    // tell: it said to set them in the tab's row, where the controller's stand (found by review).
    if (set.ok || set.error.code === 'links-set-by-control') {
      this.#unsentOverride = undefined;
      this.#linkTrouble = undefined;
    }
    return set.ok ? undefined : userMessageOf(set.error);
  }

  /**
   * Why the server has not taken what this tab sent of itself unasked (its name as it entered, its link's own
   * settings), asked again for a minute (`own-sends.ts`); undefined once taken, or set again by hand.
   */
  get ownSendTrouble(): string | undefined {
    return this.#nameTrouble ?? this.#linkTrouble;
  }

  /**
   * Sets this tab's display name on every screen (null: back to the default one); resolves to a sentence
   * for the user if the server refused, or if this tab is in no swarm yet (the name is then sent on entry).
   */
  async rename(name: DisplayName | null): Promise<string | undefined> {
    const membership = this.#membership;
    if (!membership || this.#peerId === undefined || this.#over) return undefined;
    this.#nameTurn++;
    const named = await membership.setName(name);
    if (named.ok) this.#nameTrouble = undefined;
    return named.ok ? undefined : userMessageOf(named.error);
  }

  /**
   * The file as a Blob, once complete: the seeder's own file, or a Blob of the chunk Blobs a leecher
   * stored (Chromium keeps them on disk: no copy of the file in the page's memory). A leecher's chunks still
   * stored as bytes are rewritten as Blobs first (`onProgress`: the fraction done); that rejects with a
   * `StoreRewriteError` when the browser refuses (out of room).
   */
  async fileBlob(onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<Blob | undefined> {
    if (this.#seed) return this.#seed.store.fileBlob(onProgress, signal);
    const store = this.#leecherStore;
    if (this.#keptRunNumber === undefined || !store) {
      const snapshot = this.#run?.latestSnapshot;
      if (!snapshot?.complete) return undefined;
      // Shown complete, but its store gone meanwhile (a new run started: it opens its own, empty).
      if (!store) throw new StoredFileGoneError(0, snapshot.chunkCount);
    }
    const blob = await store.fileBlob(onProgress);
    this.#savedStoreKey = store.storeKey;
    return blob;
  }

  /**
   * This tab holds the whole file: its run's (it completed) or one kept from before a reload. Followed while the page
   * is hidden, unlike the snapshot drawn: a background tab's title said "Downloading" after it completed (found by
   * review).
   */
  get holdsWholeFile(): boolean {
    return this.#run?.complete === true || (this.#run === undefined && this.#keptRunNumber !== undefined);
  }

  /**
   * Whether this leecher tab holds a whole file it has not given to Save: leaving deletes it from the browser, so the
   * page asks first (a student's complete download went with a click on "Leave the swarm"; found by review).
   */
  get holdsUnsavedFile(): boolean {
    if (this.#role !== 'leecher') return false;
    // Still checking the file it kept before a reload: leaving went on without a word, and deleted it (found by review).
    if (this.#checkingKeptFile) return true;
    const store = this.#leecherStore;
    if (!store || store.storeKey === this.#savedStoreKey) return false;
    return this.#keptRunNumber !== undefined || this.#run?.complete === true;
  }

  /**
   * Leaves the swarm: closes every connection and stops reporting. A leecher's stored chunks are
   * deleted, unless the page is only unloading (`keepStoredChunks`: a reload resumes from them).
   */
  leave(options: LeaveOptions = {}): void {
    const asDrop = options.keepSwarm === true && this.#lastMember();
    // Its place, for the reload that may follow: the page presents it, and the server gives the away place up at once.
    if (asDrop) this.#keptPlaces?.(this.#formerPeerIds);
    this.#leftKeepingChunks = options.keepStoredChunks ?? false;
    clearTimeout(this.#signallingNoticeTimer);
    this.#seederWait.end();
    this.#preparing.abort();
    this.#runStarts++;
    this.#checkingStoredChunks = false;
    this.#stopTouching?.();
    const store = this.#leecherStore;
    store?.close();
    // A seed kept for the page's return (`keptSeed`) reads its chunks again then.
    this.#seed?.store.releaseMemory();
    if (store && !options.keepStoredChunks) void this.#storage?.forget(store.storeKey);
    // Every store of this tab for the swarm, not only the one open: a partial file kept from a stopped run, or the
    // chunks of an entry that failed, stayed on the student's laptop (found by review).
    const place = this.#storePlace() ?? this.#placesOfEntry;
    if (!options.keepStoredChunks && this.#role === 'leecher' && place) void this.#leecherStorage().forgetSwarm(place);
    if (!options.keepStoredChunks && !options.keepPlace && this.#swarmId) this.#options.places?.forget(this.#swarmId);
    this.#stopSampling?.();
    this.#reporter?.stop();
    this.#display.dispose();
    this.#swarmProgress.dispose();
    this.#run?.end();
    this.#membership?.close({ asDrop });
    if (this.#phase !== 'failed') this.#phase = 'closed';
    this.#runOver.releaseAll();
  }

  /**
   * Whether the swarm's latest table lists this tab alone: its leave would end the swarm (a teacher reloading the
   * seeder's tab before anyone joined came back to a swarm the server no longer knew, the projector told it had ended).
   */
  #lastMember(): boolean {
    const peers = this.#swarmProgress.latest?.peers;
    return peers !== undefined && this.#peerId !== undefined && peers.every((peer) => peer.peerId === this.#peerId);
  }

  /** This tab's id (`TabIdentity`), which its places and stores are kept under. */
  #tabId(): Promise<string> {
    return (this.#options.tabId ?? (() => pageTabIdentity().id()))();
  }

  /**
   * A seeder's place, kept only if it leaves as a dropped connection, its swarm's last member (`leave`): its reloaded
   * page presents it, and the server gives up the away place as that page joins. Not kept, the page took a new
   * place beside it, its old self shown "reconnecting" for the grace period, and a run started meanwhile had a
   * seeder that never came back. (Kept always, a seeder's page reloaded during a run would take its place in the
   * run back as a leecher's.)
   */
  #keepPlaceOnDrop(swarmId: string, place: FormerPlace, tabId: string): void {
    this.#keptPlaces = (storedUnder) => this.#options.places?.keep(swarmId, place, tabId, storedUnder);
  }

  get #over(): boolean {
    return this.#phase === 'closed' || this.#phase === 'failed';
  }

  get #runs(): RunRequests {
    return this.#membership?.runs ?? NO_RUN_REQUESTS;
  }

  /** Where this member's stores are: its swarm, content and place (undefined until it entered the swarm). */
  #storePlace(): StorePlace | undefined {
    const [swarmId, contentId, peerId] = [this.#swarmId, this.#contentId, this.#peerId];
    if (!swarmId || !contentId || !peerId) return undefined;
    return { swarmId, contentId, peerId, formerPeerIds: this.#formerPeerIds };
  }

  #leecherStorage(): LeecherStorage {
    this.#storage ??=
      this.#options.storage?.() ??
      new LeecherStorage({
        db: () => pageChunkDatabase(),
        tabId: () => pageTabIdentity().id(),
        sha256: this.#sha256,
        nowMs: () => Date.now(),
        estimate: browserEstimate(),
      });
    return this.#storage;
  }

  /**
   * Fails the session, saying why, where this page cannot make WebRTC connections (with the browser's own peers:
   * tests give theirs). It joined all the same, and waited for ever with no peer and no word, its peers saying
   * their network kept them apart (found by review).
   */
  #withoutWebRtc(): boolean {
    if (this.#options.createPeer || pageHasWebRtc()) return false;
    // Going back to the swarm fails the same way: not offered.
    this.#noReturn = true;
    this.#fail(NO_WEBRTC_MESSAGE);
    return true;
  }

  #connect(): SwarmMembership {
    const membership = new SwarmMembership({
      signallingUrl: this.#options.signallingUrl,
      createPeer: this.#options.createPeer,
      onProgress: (progress) => {
        this.#seederWait.seen(progress);
        this.#swarmProgress.set(progress);
        this.#runOver.seen(progress);
        this.#endRunIfStopped(progress);
        this.#releaseMemoryIfRunOver(progress);
        this.#dropEarlyStartIfOver(progress);
        this.#announce();
      },
      onRunStarted: (run) => this.#startRun(run),
      onRunStopped: (runNumber) => {
        if (this.#earlyStart?.runNumber === runNumber) this.#earlyStart = undefined;
        if (this.#startingRunNumber === runNumber) {
          // Stopped while its store opened: it must not start once the store is open.
          this.#runStarts++;
          this.#checkingStoredChunks = false;
          this.#startingRunNumber = undefined;
        } else if (this.#run?.runNumber === runNumber) this.#endRun(this.#run);
      },
      rejoinRequest: () => this.#rejoinRequest(),
      onRejoin: (status) => this.#rejoined(status),
    });
    this.#membership = membership;
    return membership;
  }

  /** What takes this tab's place back in its swarm; undefined until it is in one. */
  #rejoinRequest(): RejoinRequest | undefined {
    const [swarmId, peerId, memberKey, seal] = [this.#swarmId, this.#peerId, this.#memberKey, this.#seal];
    const [manifest, contentId, role] = [this.#manifest, this.#contentId, this.#role];
    if (!swarmId || !peerId || !memberKey || !seal || !manifest || !contentId || !role) return undefined;
    return rejoinRequestOf(
      { swarmId, peerId, memberKey, seal, role, control: this.#controlSecret, manifest, contentId },
      this.#run?.resumedRunAfter(this.#swarmProgress.latest) ?? null,
      swarmMemoryOf(this.#swarmProgress.latest, peerId, this.#run?.runNumber, this.#controlSecret !== undefined),
    );
  }

  /** Back in the swarm after a drop: a run that started meanwhile is joined, control is as the server says. */
  #rejoined(status: RejoinStatus): void {
    this.#signalling = status;
    clearTimeout(this.#signallingNoticeTimer);
    if (this.#over) return;
    // The seeder's tab may be on its way back too: a table without it is no sign that it left (seeder-wait.svelte.ts).
    if (status.state === 'lost' || status.state === 'rejoining') this.#seederWait.lost();
    else if (status.state === 'back') this.#seederWait.back();
    else {
      this.#seederWait.end();
      this.#seederElsewhere = status.error.code === 'seeder-present';
    }
    if (status.state !== 'back') return;
    this.#signallingNoticeTimer = setTimeout(() => {
      if (this.#signalling === status) this.#signalling = undefined;
    }, RECONNECTED_NOTICE_MS);
    const { run, inControl, joinCode, iceServers } = status.resumed;
    // The membership makes its connections with them from now on; a seed taken again later (`seedPlace`) too.
    if (iceServers !== undefined) this.#iceServers = iceServers;
    if (inControl) this.#control = IN_CONTROL;
    this.#joinCode = joinCode;
    // A server that restarted (whoever registered the swarm again) forgot the name; one that kept the place may
    // have refused it, sent as the tab entered across a drop. The name is the tab's own: sent again each time.
    const name = this.#options.displayName?.();
    if (name !== undefined && this.#membership) void this.#sendName(this.#membership, name);
    // The link's own settings, if the server refused them then (it would not have been told since).
    const override = this.#unsentOverride;
    if (override && this.#peerId !== undefined && this.#membership)
      void this.#sendLinkOverride(this.#membership, this.#peerId, override);
    if (run && (!this.#run || this.#run.runNumber < run.runNumber)) this.#startRun(run);
  }

  /**
   * Sends the link's own settings (`?up=…`) for this tab. Taken, or refused because the swarm's controller set this
   * tab's links (which stand: the link's are dropped for good), nothing is left to send; otherwise they are sent
   * again as the tab next takes its place back. Before, a refused one was sent again at every reconnection, and
   * taken once the controller's were cleared or forgotten by a restart (found by review).
   */
  async #sendLinkOverride(membership: SwarmMembership, peerId: string, override: PeerOverride): Promise<void> {
    // Asked again while the server refuses it for a moment: before, sent again only at the next reconnection. Not
    // across a reconnection (the tab sends it again once back: a loop each, and "not in a swarm" while rejoining),
    // nor after the tab's own links set by hand.
    const turn = ++this.#linkTurn;
    const connection = membership.connectionNumber;
    const cancelled = () =>
      this.#over ||
      this.#unsentOverride !== override ||
      turn !== this.#linkTurn ||
      membership.connectionNumber !== connection;
    const sent = await sentUntilTaken(
      () => membership.configureOwnLinks(peerId, override),
      cancelled,
      this.#options.ownSendPatienceMs,
    );
    if (cancelled()) return;
    const settled = sent.ok || sent.error.code === 'links-set-by-control';
    if (settled) this.#unsentOverride = undefined;
    if (!sent.ok) console.warn(`swarmlab: ${userMessageOf(sent.error)}`);
    this.#linkTrouble = settled
      ? undefined
      : `Your link's own settings were not sent to the server (${userMessageOf(sent.error)}): they are sent again as this tab reconnects, or set them in your row.`;
  }

  /** Sends this tab's name, unasked (as it enters, as it takes its place back), asked again while refused for a moment. */
  async #sendName(membership: SwarmMembership, name: DisplayName): Promise<void> {
    const turn = ++this.#nameTurn;
    const connection = membership.connectionNumber;
    const cancelled = () => this.#over || turn !== this.#nameTurn || membership.connectionNumber !== connection;
    const named = await sentUntilTaken(() => membership.setName(name), cancelled, this.#options.ownSendPatienceMs);
    if (cancelled()) return;
    this.#nameTrouble = named.ok
      ? undefined
      : `Your name was not sent to the server (${userMessageOf(named.error)}): save it again.`;
  }

  /** In the swarm: connect to peers as they come, sample and report a few times a second, wait for a run. */
  #enter(
    membership: SwarmMembership,
    entered: {
      manifest: Manifest;
      contentId: string;
      peerId: string;
      iceServers: readonly IceServer[];
      /** The connection the place was given on, when time passed since (see `SwarmMembership.enter`). */
      answeredOn?: number;
    },
  ): void {
    this.#manifest = entered.manifest;
    this.#contentId = entered.contentId;
    this.#peerId = entered.peerId;
    this.#iceServers = entered.iceServers;
    membership.enter(
      { localPeerId: entered.peerId, iceServers: entered.iceServers, seeds: this.#role === 'seeder' },
      (transport) => this.#run?.addTransport(transport),
      entered.answeredOn,
    );
    this.#phase = 'waiting';
    // On the worker's timers: a hidden tab's reports must keep their pace (see `browserClock`).
    this.#stopSampling = everyMs(SNAPSHOT_INTERVAL_MS, () => this.#sample());
    this.#reporter = new ProgressReporter({
      read: () => this.#reportedState(),
      send: (report) => membership.reportProgress(report),
    });
    this.#reporter.start();
    const name = this.#options.displayName?.();
    if (name !== undefined) void this.#sendName(membership, name);
    this.#announce();
    const early = this.#earlyStart;
    this.#earlyStart = undefined;
    if (early) this.#startRun(early);
  }

  /**
   * Drops the previous run's engine and starts `started` over every connection. A leecher first opens its
   * store for the run (new and empty, or what it held before a reload, checked), once the quota has room.
   */
  #startRun(heard: RunStarted): void {
    if (this.#over) return;
    // The run's age counts from now, however long its store takes to open (a reloaded tab checks its chunks).
    const started = heardNow(heard, browserClock);
    if (!this.#manifest || !this.#peerId) {
      // Still joining: the join's answer said no run (or an older one) went on; this start is newer.
      if (started.runNumber > (this.#earlyStart?.runNumber ?? 0)) this.#earlyStart = started;
      return;
    }
    if (this.#run && this.#run.runNumber >= started.runNumber) return;
    // This run, or a newer one, is opening its store (a reloaded tab checks its chunks a while): a start
    // heard again on a rejoin, or an older one the join's answer carried, must not cancel it.
    if (this.#startingRunNumber !== undefined && this.#startingRunNumber >= started.runNumber) return;
    const settings = started.settings[this.#peerId];
    if (!settings) return;
    const starting = ++this.#runStarts;
    // A check of an older start's store no longer shows (this start's own check shows from its first progress).
    this.#checkingStoredChunks = false;
    // It starts empty: a file kept from before a reload is offered until the run's store is open (its room is
    // counted as being freed, as the run then deletes it).
    const keptWhole = this.#keptRunNumber !== undefined;
    const previous = this.#run;
    previous?.end();
    if (this.#seed) return this.#runEngine(started, settings, { store: this.#seed.store, seeding: true });
    this.#startingRunNumber = started.runNumber;
    void this.#openLeecherStore(started, previous, starting, keptWhole).then(
      (opened) => {
        if (this.#startingRunNumber === started.runNumber) this.#startingRunNumber = undefined;
        if (opened)
          this.#runEngine(started, settings, { store: opened.store, seeding: false, heldChunks: opened.held });
        // Cancelled, and nothing newer starting or taken up since (a newer run's fresh store may open first: its
        // page was set waiting while it ran, found by review).
        else if (!this.#over && this.#startingRunNumber === undefined && this.#run === previous) this.#startCancelled();
      },
      (error: unknown) => {
        // IndexedDB failed under the check of what a reload kept (site data cleared, a listing that failed): the tab
        // says so and stops, rather than wait for a run it never joins. A read that failed, not storage the browser
        // refuses (that is `openRun`'s answer): it was told to allow the site to save data (found by review).
        if (this.#startingRunNumber === started.runNumber) this.#startingRunNumber = undefined;
        if (!this.#over && starting === this.#runStarts) this.#fail(storageMessageOf(readErrorOf(error)));
      },
    );
  }

  /**
   * This run's store; on a storage error the tab stops with its message (and undefined). Undefined too, the
   * store it opened forgotten, when start `starting` is no longer the latest (the tab left, or a newer run
   * started while this one's store was opened: a reloaded tab checking its chunks takes a while).
   */
  async #openLeecherStore(started: RunStarted, previous: EngineRun | undefined, starting: number, keptWhole: boolean) {
    this.#storesOpening++;
    try {
      return await this.#openLeecherStoreNow(started, previous, starting, keptWhole);
    } finally {
      this.#storesOpening--;
    }
  }

  async #openLeecherStoreNow(
    started: RunStarted,
    previous: EngineRun | undefined,
    starting: number,
    keptWhole: boolean,
  ) {
    const manifest = this.#manifest!;
    const previousChunks = previous?.latestSnapshot?.chunksHeld ?? 0;
    const opened = await this.#leecherStorage()
      .openRun({
        ...this.#storePlace()!,
        runNumber: started.runNumber,
        manifest,
        releasingBytes: keptWhole
          ? manifest.sizeBytes
          : Math.min(manifest.sizeBytes, previousChunks * manifest.chunkBytes),
        // Only while this start is the latest: a stopped or replaced run's check went on showing "Checking the
        // chunks…" over the newer run's status (found by review).
        onProgress: (fraction) => {
          if (starting !== this.#runStarts) return;
          this.#checkingStoredChunks = true;
          this.#showHashed(fraction);
        },
        onWriteFailed: (error) => this.#storageFailed(error),
        // Left, or a newer run started: its check stops (a run only stopped is checked on, its whole file offered).
        abandoned: () => this.#over || this.#newerRunThan(started.runNumber),
      })
      .finally(() => {
        if (starting === this.#runStarts) this.#checkingStoredChunks = false;
      });
    const checkDelayMs = this.#options.testSwitches?.resumeCheckDelayMs ?? 0;
    if (opened.ok && opened.held.count > 0 && checkDelayMs > 0) await testDelay(checkDelayMs);
    if (this.#over || starting !== this.#runStarts) {
      if (opened.ok) {
        opened.store.close();
        // Deleted (the run was stopped, a newer one started, or the tab left), unless the page is only
        // unloading: then it is kept for the next visit, which may already have opened it again (Back, then
        // Forward); or it holds the whole file (a reloaded tab's) of a run stopped while it was checked: it is
        // offered for Save then (`#startCancelled`), where it was deleted, the file of a run that finished.
        // A check cut short (a newer start, stopped since) judged nothing: what it did not check is kept too.
        const keep = this.#over
          ? this.#leftKeepingChunks
          : !this.#newerRunThan(started.runNumber) && (opened.held.isComplete || opened.checkCutShort);
        if (!keep) void this.#storage?.forget(opened.store.storeKey);
      }
      return undefined;
    }
    if (!opened.ok) {
      // Refused for room: the tab's other runs of the swarm go, whose room the check counted as being freed; kept,
      // they made the retry its message asks for fail again, for an hour (found by review). This run's chunks stay,
      // the part of the file the retry need not fetch again (`LeecherStorage.openRun`).
      // So for a disk so full that the store's record was refused (`no-room-to-open`), whose message says so: kept, the
      // last run's file could not be saved from the failed page anyway, and a later page deleted it unasked.
      if (opened.error.code === 'insufficient-storage' || opened.error.code === 'no-room-to-open') {
        const storage = this.#leecherStorage();
        if (opened.storeKey === undefined) void storage.forgetSwarm(this.#storePlace()!);
        else void storage.forgetOtherRuns(this.#storePlace()!, opened.storeKey);
        // Gone with them: the previous run's file is no longer held (the page asked before leaving as if it were).
        this.#stopTouching?.();
        this.#leecherStore?.close();
        this.#leecherStore = undefined;
        this.#keptRunNumber = undefined;
      }
      return void this.#fail(storageMessageOf(opened.error));
    }
    // Taken up: the previous run's store and file shown go only now (a run stopped while this one opened left the
    // page on the previous run with its file deleted: "Complete", "computing… 100 %" for good, Save refused).
    this.#stopTouching?.();
    this.#leecherStore?.close();
    this.#leecherStore = opened.store;
    this.#keptRunNumber = undefined;
    this.#fileSha256 = undefined;
    this.#fileSha256Error = undefined;
    this.#resumedChunks = opened.held.count;
    const storage = this.#leecherStorage();
    void storage.forgetOtherRuns(this.#storePlace()!, opened.store.storeKey);
    this.#stopTouching = everyMs(STORE_TOUCH_INTERVAL_MS, () => void storage.touch(opened.store.storeKey));
    return opened;
  }

  /** Whether a run newer than `runNumber` is opening its store, or running. */
  #newerRunThan(runNumber: number): boolean {
    return (
      (this.#startingRunNumber !== undefined && this.#startingRunNumber !== runNumber) ||
      (this.#run?.runNumber ?? 0) > runNumber
    );
  }

  /**
   * A run start was stopped while its store opened, and no newer one is starting: the tab waits for the next run,
   * the previous run's engine ended. Its file, if it holds it whole, stays offered (its store was kept open), or is
   * found again (a reloaded tab's, checked while the run was stopped).
   */
  #startCancelled(): void {
    if (this.#phase === 'running') this.#phase = 'waiting';
    if (!this.#leecherStore && !this.#run) void this.#offerKeptFile();
  }

  #runEngine(
    started: RunStarted,
    settings: PeerRunSettings,
    chunks: Pick<EngineRunOptions, 'store' | 'seeding' | 'heldChunks'>,
  ): void {
    const membership = this.#membership;
    if (!membership || this.#over) return;
    const run: EngineRun = new EngineRun({
      manifest: this.#manifest!,
      contentId: this.#contentId!,
      localPeerId: this.#peerId!,
      started,
      settings,
      ...chunks,
      sha256: this.#sha256,
      corruptBlocksFraction: this.#options.testSwitches?.corruptBlocksFraction ?? 0,
      onComplete: () => this.#completed(run),
      onChunkUnreadable: (chunkIndex, error) => this.#chunkUnreadable(chunkIndex, error),
    });
    this.#run = run;
    // Timed from the run's start, as the swarm's chart is: a tab that joined late, or was reloaded, is that far in.
    this.#display.startRun(run.startedAtMs);
    for (const transport of membership.openTransports) run.addTransport(transport);
    this.#phase = 'running';
    this.#sample();
    void this.#reporter?.reportNow();
  }

  /**
   * A chunk could not be read to serve a peer, who was told so and asks elsewhere. A seeder's file that
   * cannot be read any more (changed on disk, removed, its drive unplugged) will not be again: the tab stops
   * and says so, rather than leave the swarm waiting for chunks it cannot send. A leecher's stored chunk
   * is only noted: what it fails to store it reports when writing.
   */
  #chunkUnreadable(chunkIndex: number, error: unknown): void {
    if (this.#role !== 'seeder') return console.warn(`swarmlab: could not read stored chunk ${chunkIndex}`, error);
    if (this.#over) return;
    // Not kept for "Back to this swarm": the page took the seeder's place again from the same unreadable file, to
    // fail at the next run's first chunk not cached, click after click; without it, the page asks for the file.
    this.#seed = undefined;
    this.#fail(seededFileGoneMessage(this.#manifest?.name ?? 'the file', error));
  }

  /**
   * A write failed mid-run (out of room, private mode), or the browser closed the chunk database (site data cleared:
   * `storage-gone`): this tab stops, and forgets what it stored.
   */
  #storageFailed(error: StorageError): void {
    if (this.#over) return;
    // Deleted, as its message says: kept, the chunks held the room a new tab needed (for an hour: found by review).
    this.#fail(storageMessageOf(error), 'delete');
    // Nothing is held any more: leaving asked first, as if it deleted a file not saved yet (found by review).
    this.#leecherStore = undefined;
    this.#keptRunNumber = undefined;
  }

  /**
   * A leecher holds the whole file: tell the server first, then leave the run if selfish, then hash the file
   * once the run is over (at most `WHOLE_FILE_HASH_MAX_WAIT_MS` later), so that the CPU it takes goes to the
   * tabs still downloading on this machine while they need it.
   */
  #completed(run: EngineRun): void {
    // Once per run, whatever the engine says: each call hashes the whole file once the run is over (the engine said
    // it once per chunk of a last IndexedDB batch, and the tab hashed the file that many times at once).
    if (this.#completedRuns.has(run)) return;
    this.#completedRuns.add(run);
    this.#sample();
    // The store of the run that completed: by the time the run is over, a newer run may have opened its own.
    const store = this.#leecherStore;
    // Report before hashing: the whole-file hash keeps the page busy for a moment.
    void this.#reporter?.reportNow().then(async () => {
      // Left while the report awaited its answer (leaving answers it): `leave` released every wait already, and one
      // begun now held the store for 15 s (found by review).
      if (this.#over) return;
      if (this.#run === run && run.transferring && run.settings.leaveOnComplete) this.#leaveRun(run);
      if (!store) return;
      this.#hashWaitsFor = store;
      await this.#runOver.until(run.runNumber);
      if (this.#hashWaitsFor === store) this.#hashWaitsFor = undefined;
      if (!this.#over) await this.#hashWholeFile(store);
    });
  }

  /** A selfish leecher's exit after completing: it stops uploading but stays in the swarm for later runs. */
  #leaveRun(run: EngineRun): void {
    this.#sample();
    run.leave();
    // It serves nobody any more: its cached chunks go (the hash and Save read the stored ones).
    this.#leecherStore?.releaseMemory();
    this.#phase = 'waiting';
  }

  /**
   * The server's table says this tab's run was stopped (or interrupted) while the tab still runs it: its
   * `run:stopped` was missed (the socket was down as the teacher pressed Stop, and a rejoin answers only a run
   * still going on). The tab ends it as it would have then.
   */
  #endRunIfStopped(progress: SwarmProgress): void {
    const run = this.#run;
    const shown = progress.run;
    if (!run || this.#phase !== 'running' || !shown) return;
    // A newer run in the table, not running: this tab was away while its run was stopped and the next one started
    // and ended (it said "Downloading in run 1" and reported run 1 until yet another run started; found by review).
    // A newer one running is started by the rejoin's answer or its `run:started`.
    const over = shown.runNumber === run.runNumber ? shown.phase === 'stopped' || shown.phase === 'interrupted' : false;
    if (over || (shown.runNumber > run.runNumber && shown.phase !== 'running')) this.#endRun(run);
  }

  /**
   * A start heard while joining that a table says is over (stopped or interrupted, or followed by a newer run): the
   * entry must not start it. Its `run:stopped` may have come before the tab listened.
   */
  #dropEarlyStartIfOver(progress: SwarmProgress): void {
    const early = this.#earlyStart;
    const shown = progress.run;
    if (!early || !shown) return;
    const over =
      shown.runNumber > early.runNumber ||
      (shown.runNumber === early.runNumber && (shown.phase === 'stopped' || shown.phase === 'interrupted'));
    if (over) this.#earlyStart = undefined;
  }

  /**
   * The server's table says this tab's run is over (finished, stopped, or followed by a newer one): its stores' caches
   * go, once per run (the hash and Save read the stored chunks; a peer still asking, one flagged say, is answered
   * from IndexedDB or the file). A run that finished sends no `run:stopped`, and each tab kept 4–12 MiB through the
   * whole-file hash and the wait for the next run (found by review).
   */
  #releaseMemoryIfRunOver(progress: SwarmProgress): void {
    const run = this.#run;
    if (!run || run === this.#memoryReleasedFor || !runIsOver(progress, run.runNumber)) return;
    this.#memoryReleasedFor = run;
    this.#leecherStore?.releaseMemory();
    this.#seed?.store.releaseMemory();
    // The chart's last point, as the table says the run is over (`#sample`).
    this.#sample();
  }

  /** The run was stopped: drop the engine and wait for the next. */
  #endRun(run: EngineRun): void {
    run.end();
    this.#leecherStore?.releaseMemory();
    this.#seed?.store.releaseMemory();
    this.#phase = 'waiting';
  }

  /**
   * Samples the engine (for the reports) and shows the sample (the screen's concern, see `EngineDisplay`). Once the
   * swarm's table shows the run over, its chart takes no more samples: the engine of a finished run stays on until the
   * next run (or a stop) ends it, and the chart's time axis ran on for as long as the class talked (found by review).
   */
  #sample(): void {
    const run = this.#run;
    const snapshot = run?.sample();
    if (run && snapshot)
      this.#display.show(snapshot, browserClock.nowMs(), runIsOver(this.#swarmProgress.latest, run.runNumber));
  }

  #reportedState(): ReportedState | undefined {
    const manifest = this.#manifest;
    const role = this.#role;
    if (!manifest || !role) return undefined;
    return {
      role,
      chunkCount: chunkCount(manifest),
      ...(this.#run?.progress ?? NO_RUN_PROGRESS),
      cannotConnect: this.#membership?.cannotConnect ?? false,
    };
  }

  /** Hands the latest broadcast on, once it can be read (the swarm and its manifest known). */
  #announce(): void {
    const swarmId = this.#swarmId;
    const manifest = this.#manifest;
    const progress = this.#swarmProgress.latest;
    if (swarmId && manifest && progress) this.#options.onBroadcast?.({ swarmId, manifest, progress });
  }

  /**
   * A tab reloaded once its run was over finds the whole file it kept of that run (checked chunk by chunk),
   * and offers it for Save with its SHA-256 until a new run starts: before, the page said "Waiting for a run
   * to start", and the file sat in the browser's storage out of reach until it was deleted as stale (found by
   * review).
   */
  async #offerKeptFile(): Promise<void> {
    const [place, manifest] = [this.#storePlace(), this.#manifest];
    if (!place || !manifest || this.#run || this.#storesOpening > 0) return;
    const storage = this.#leecherStorage();
    const starts = this.#runStarts;
    // Read back and hashed chunk by chunk, which takes a while on a large file (13 s for 2 GiB here): the page says
    // so, where it said "Waiting for a run to start" as if the file were lost (found by review).
    const kept = await storage.keptFile({
      ...place,
      manifest,
      // The browser closed the database under it (site data cleared): Save would fail, the tab stops and says why.
      onFailed: (error) => this.#storageFailed(error),
      onProgress: (fraction) => {
        if (this.#runStarts !== starts) return;
        this.#checkingStoredChunks = true;
        this.#checkingKeptFile = true;
        this.#showHashed(fraction);
      },
    });
    this.#checkingKeptFile = false;
    if (this.#runStarts === starts) this.#checkingStoredChunks = false;
    // A run started meanwhile (its store is the tab's now), or the tab left.
    const busy = this.#run !== undefined || this.#storesOpening > 0 || this.#leecherStore !== undefined;
    if (!kept || this.#over || this.#runStarts !== starts || busy) {
      kept?.store.close();
      // Left meanwhile (not a page unloading): its chunks go, as `leave` deletes a store it holds.
      if (kept && this.#over && !this.#leftKeepingChunks) void storage.forget(kept.store.storeKey);
      return;
    }
    this.#leecherStore = kept.store;
    this.#keptRunNumber = kept.runNumber;
    // Its place first among the former ones kept: however many reloads come before a run, it stays this member's.
    if (kept.peerId !== undefined && this.#keptPlaces) {
      this.#formerPeerIds = [kept.peerId, ...this.#formerPeerIds.filter((peerId) => peerId !== kept.peerId)];
      this.#keptPlaces(this.#formerPeerIds);
    }
    this.#stopTouching = everyMs(STORE_TOUCH_INTERVAL_MS, () => void storage.touch(kept.store.storeKey));
    await this.#hashWholeFile(kept.store);
  }

  /** A leecher's whole file, hashed from storage (the seeder's was hashed as it was prepared). */
  async #hashWholeFile(store: IdbChunkStore): Promise<void> {
    // A newer run's store, not yet the whole file, took its place meanwhile: nothing to hash.
    if (this.#leecherStore !== store) return;
    this.#fileSha256Error = undefined;
    try {
      // In the pass that readies the file for Save (see `hashStoredFile`).
      const sha256 = await hashStoredFile(store, (fraction) => this.#showHashed(fraction));
      // A new run may have started meanwhile, with a store that is not this file yet; or the tab left (its store
      // closed stops the pass).
      if (this.#leecherStore === store && !this.#over) this.#fileSha256 = sha256;
    } catch (error) {
      if (this.#leecherStore === store && !this.#over)
        this.#fileSha256Error = error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * Stops the tab with `message`, keeping its place and, unless `chunks` says to delete them (its storage failed
   * under a write: out of room), the chunks it stored (each is checked again as a store opens): entered again ("Back
   * to this swarm", a reload), it takes its place back with them; leaving the swarm deletes them.
   * Forgetting the place made a reloaded tab whose entry failed once come back as a newcomer holding chunks, flagged
   * on every screen as faster than its caps, its old place counted as an abandoned download (found by review).
   */
  #fail(message: string, chunks: 'keep' | 'delete' = 'keep'): void {
    this.#error = message;
    this.#phase = 'failed';
    this.leave({ keepStoredChunks: chunks === 'keep', keepPlace: true });
  }
}
