import type { AsyncChunkStore, Clock, SwarmSnapshot } from '@swarmlab/engine';
import {
  chunkCount,
  contentIdOf,
  type DisplayName,
  type IceServer,
  type JoinCode,
  type Manifest,
  type MemberKey,
  type PeerRole,
  type RunConfig,
  type RunStarted,
  type Sha256,
  type SignallingError,
  type SwarmProgress,
  type SwarmSeal,
} from '@swarmlab/protocol';
import {
  everyMs,
  heardNow,
  NO_RUN_PROGRESS,
  ProgressReporter,
  progressReportOf,
  randomToken,
  rejoinRequestOf,
  swarmMemoryOf,
  SwarmRejoin,
  untilRegistered,
  type PeerFactory,
  type RejoinRequest,
  type RejoinStatus,
  type ReportedState,
  type RunProgress,
  type SignallingClient,
  RunEngine,
  sentUntilTaken,
} from '@swarmlab/webrtc';
import { acknowledgedWithin, COMPLETION_RETRY_MS } from './completion-acknowledgement';
import type { HeadlessPeerEvent } from './headless-peer-event';
import { HeadlessPeerError } from './headless-peer-error';
import type { LeecherStorage } from './leecher-storage';

import { PeerTransports } from './peer-transports';
import type { SeedFile } from './seed-file';
import { FileChunkStore } from './file-chunk-store';
import { verifiedFileSha256 } from './verified-file-hash';

/** How often the engine is sampled for the reports: as often as a tab samples its own. */
export const SAMPLE_INTERVAL_MS = 250;

/**
 * How long a peer back in a place the server had not kept (it restarted) waits for the seeder to be back before it
 * says the seeder left: the server's grace for its members (`memberGraceMs`, 30 s by default), and a margin.
 */
export const SEEDER_RETURN_WAIT_MS = 35_000;

export interface HeadlessSessionDeps {
  readonly signalling: SignallingClient;
  readonly createPeer: PeerFactory;
  readonly clock: Clock;
  readonly sha256: Sha256;
  /**
   * Sent as it enters the swarm and as it takes its place back, asked again while refused for a moment
   * (`sentUntilTaken`).
   */
  readonly displayName?: DisplayName | undefined;
  readonly onEvent: (event: HeadlessPeerEvent) => void;
  /** How long it waits for the seeder once back in a place not kept; `SEEDER_RETURN_WAIT_MS` by default. */
  readonly seederReturnWaitMs?: number | undefined;
}

/** Where this peer stands in its swarm once it is in one. */
interface Membership {
  readonly swarmId: string;
  readonly contentId: string;
  readonly manifest: Manifest;
  readonly peerId: string;
  readonly memberKey: MemberKey;
  readonly seal: SwarmSeal;
  readonly role: PeerRole;
  readonly control: string | undefined;
}

/**
 * One headless peer's membership of one swarm, doing what a tab's `SwarmSession` does (apps/web): it
 * creates or joins the swarm, connects to its peers, runs a `RunEngine` for each run the server starts,
 * reports progress every `PROGRESS_REPORT_INTERVAL_MS` (with what it sent each neighbour), leaves a run on
 * completion when its settings say so, hashes a leecher's whole file once complete, and takes its place
 * back after the signalling connection drops (`SwarmRejoin`).
 */
export class HeadlessSession {
  readonly #deps: HeadlessSessionDeps;
  readonly #transports: PeerTransports;
  readonly #rejoin: SwarmRejoin;
  #membership: Membership | undefined;
  #checkedFraction: number | undefined;
  #joinCode: JoinCode | undefined;
  #seed: SeedFile | undefined;
  #storage: LeecherStorage | undefined;
  #run: RunEngine | undefined;
  #runStarts = 0;
  /** The run whose store is opening, if one is. */
  #startingRunNumber: number | undefined;
  /**
   * A start heard while this peer still joins (the server counted it in the run before its join's answer came
   * back): taken as it enters, where dropping it would leave the run waiting for this peer for ever.
   */
  #earlyStart: RunStarted | undefined;
  /**
   * A completed leecher's file being checked and named: the next run's store, and closing, wait for it. A new
   * run would otherwise be handed the same `.part` file (not kept yet) and the completion dropped, and a close
   * would remove a download the server already counted as complete.
   */
  #completing: Promise<void> = Promise.resolve();
  #latestProgress: SwarmProgress | undefined;
  /** The latest run this leecher completed (its file checked and kept): what `completionAcknowledged` reports. */
  #completedRun: CompletedRun | undefined;
  /** Counts the sends of this peer's name: a newer one (it took its place back) ends the one before. */
  #nameTurn = 0;
  #finishedRunsTold = 0;
  /** Whether the latest broadcast had a seeder in the swarm; undefined before the first. */
  #seederPresent: boolean | undefined;
  /**
   * While tables without the seeder are not taken for its leaving: from a drop of this peer's signalling
   * connection (the server may have restarted: the seeder's tab is coming back too, maybe after this peer) until
   * the seeder is in a table, or, once this peer is back in a place the server had not kept, for
   * `SEEDER_RETURN_WAIT_MS` (`waiting`, the timer that ends it). Once it is over, the latest table says. A table
   * may come before the answer that took this peer's place back, so the wait starts at the drop (found by review).
   */
  #seederAwaited: { waiting: ReturnType<typeof setTimeout> | undefined } | undefined;
  #fileSha256: string | undefined;
  #reporter: ProgressReporter | undefined;
  #stopSampling: (() => void) | undefined;
  #closed = false;

  constructor(deps: HeadlessSessionDeps) {
    this.#deps = deps;
    const signalling = deps.signalling;
    this.#transports = new PeerTransports({
      ...deps,
      onConnectTrouble: ({ peerId, message, failures, seederUnreachable, seeding, failingPeers }) =>
        deps.onEvent({ type: 'connect-trouble', peerId, message, failures, seederUnreachable, seeding, failingPeers }),
    });
    signalling.onMalformedMessage(({ name, problem }) =>
      deps.onEvent({ type: 'server-message-ignored', name, problem }),
    );
    signalling.on('swarm:progress', (progress) => this.#onProgress(progress));
    signalling.on('run:started', (run) => this.#startRun(run));
    signalling.on('run:stopped', ({ runNumber }) => {
      if (this.#earlyStart?.runNumber === runNumber) this.#earlyStart = undefined;
      if (this.#startingRunNumber === runNumber) {
        // Stopped while its store opened: it must not start once the store is open.
        this.#runStarts++;
        this.#startingRunNumber = undefined;
      } else if (this.#run?.runNumber === runNumber && this.#run.transferring) this.#run.end();
      else return; // not its run, or one the progress table already ended
      this.#deps.onEvent({ type: 'run-stopped', runNumber });
    });
    this.#rejoin = new SwarmRejoin(deps.signalling, {
      request: () => this.#rejoinRequest(),
      onStatus: (status) => this.#rejoined(status),
    });
  }

  get swarmId(): string | undefined {
    return this.#membership?.swarmId;
  }

  get peerId(): string | undefined {
    return this.#membership?.peerId;
  }

  get manifest(): Manifest | undefined {
    return this.#membership?.manifest;
  }

  get joinCode(): JoinCode | undefined {
    return this.#joinCode;
  }

  /** SHA-256 (hex) of the whole file this peer holds: the seeder's from the start, a leecher's once complete. */
  get fileSha256(): string | undefined {
    return this.#fileSha256;
  }

  get connectedPeers(): number {
    return this.#transports.connectedPeers;
  }

  /** How much of its whole download a leecher has read back and checked, while it does (then undefined). */
  get checkedFraction(): number | undefined {
    return this.#checkedFraction;
  }

  /** The run this peer is in (or was last in): its latest sample. */
  get snapshot(): SwarmSnapshot | undefined {
    return this.#run?.latestSnapshot;
  }

  /** The server's latest broadcast of the whole swarm. */
  get swarmProgress(): SwarmProgress | undefined {
    return this.#latestProgress;
  }

  /** Registers a new swarm for `seed` (runs with `config`, else the server's default) and waits for runs. */
  async create(seed: SeedFile, config?: RunConfig): Promise<{ controlSecret: string }> {
    this.#seed = seed;
    const { manifest, contentId } = seed;
    // Asked again on `rate-limited` and while the connection is lost, as a join is.
    const created = await untilRegistered(
      () => this.#deps.signalling.createSwarm({ manifest, contentId, ...(config && { config }) }),
      { cancelled: () => this.#closed },
    );
    if (!created.ok) throw refusalError(created.error);
    const answeredOn = this.#deps.signalling.connectionNumber;
    if (this.#closed) throw closedWhileStarting();
    this.#joinCode = created.joinCode;
    this.#fileSha256 = seed.fileSha256;
    const { swarmId, peerId, memberKey, seal, controlSecret } = created;
    this.#enter(
      { swarmId, contentId, manifest, peerId, memberKey, seal, role: 'seeder', control: controlSecret },
      created.iceServers,
      answeredOn,
    );
    return { controlSecret };
  }

  /**
   * Joins `swarmId`, checking the server's manifest against the link's `contentId`; chunks go to `storage`,
   * a fresh store each run. Takes part in the run going on, if any.
   */
  async join(swarmId: string, contentId: string, storage: LeecherStorage): Promise<void> {
    this.#storage = storage;
    let waiting = false;
    // Asked again (its answer lost with the connection), the same entry key finds the place the first ask made.
    const entryKey = randomToken();
    const joined = await untilRegistered(() => this.#deps.signalling.joinSwarm({ swarmId, entryKey }), {
      onWaiting: () => {
        if (!waiting) this.#deps.onEvent({ type: 'waiting-for-swarm' });
        waiting = true;
      },
      cancelled: () => this.#closed,
    });
    if (!joined.ok) throw refusalError(joined.error);
    const answeredOn = this.#deps.signalling.connectionNumber;
    // Held as an early start, which a stop heard while the answer is checked cancels: it was started once in, however
    // stopped (found by review).
    const joinedRun = joined.run && heardNow(joined.run, this.#deps.clock);
    if (joinedRun && joinedRun.runNumber > (this.#earlyStart?.runNumber ?? 0)) this.#earlyStart = joinedRun;
    if ((await contentIdOf(joined.manifest, this.#deps.sha256)) !== contentId)
      throw new HeadlessPeerError(
        'the file this swarm offers does not match the link: the link may be damaged or forged',
      );
    // Closed meanwhile (the start was aborted): entering now would start reports and timers nobody stops.
    if (this.#closed) throw closedWhileStarting();
    const refused = await storage.refusal(joined.manifest);
    if (refused) throw new HeadlessPeerError(refused, 2);
    if (this.#closed) throw closedWhileStarting();
    this.#joinCode = joined.joinCode;
    const { peerId, memberKey, seal, manifest } = joined;
    this.#enter(
      { swarmId, contentId, manifest, peerId, memberKey, seal, role: 'leecher', control: undefined },
      joined.iceServers,
      answeredOn,
    );
    // The connection dropped and came back while the answer was checked: the place is taken back now.
    this.#rejoin.entered(answeredOn);
    const early = this.#earlyStart;
    this.#earlyStart = undefined;
    if (early) this.#startRun(early);
    this.#transports.connectTo(joined.peers);
  }

  /** Settles once a completed leecher's file is checked and named (at once if none is being). */
  get settled(): Promise<void> {
    return this.#completing;
  }

  /**
   * Leaves the swarm: every connection closes, reports stop. A completed leecher's check and naming of its
   * file goes on ({@link settled}).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopAwaitingSeeder();
    this.#runStarts++;
    this.#stopSampling?.();
    this.#reporter?.stop();
    this.#rejoin.close();
    this.#run?.end();
    this.#transports.close();
  }

  /** In the swarm, given its place on connection `answeredOn`. */
  #enter(membership: Membership, iceServers: readonly IceServer[], answeredOn: number): void {
    this.#membership = membership;
    this.#transports.enter(
      { localPeerId: membership.peerId, iceServers, seeds: membership.role === 'seeder' },
      (transport) => this.#run?.addTransport(transport),
    );
    this.#stopSampling = everyMs(SAMPLE_INTERVAL_MS, () => this.#run?.sample());
    this.#reporter = new ProgressReporter({
      read: () => this.#reportedState(),
      send: (report) => this.#deps.signalling.reportProgress(report),
    });
    this.#reporter.start();
    void this.#sendName(answeredOn);
  }

  /**
   * Sends this peer's name for the place it was given on connection `connection`, asked again while the server refuses
   * it for a moment (a class behind one address joining at once runs the address over its budget): sent once, a
   * refused `--name` was lost for the session (found by review). The send ends as the peer closes, or once that
   * connection is gone (the place taken back on the next, the name is sent again there); a refusal that stands is said.
   */
  async #sendName(connection: number): Promise<void> {
    const name = this.#deps.displayName;
    if (name === undefined) return;
    const signalling = this.#deps.signalling;
    const turn = ++this.#nameTurn;
    const cancelled = (): boolean =>
      this.#closed || turn !== this.#nameTurn || signalling.connectionNumber !== connection;
    if (cancelled()) return;
    const named = await sentUntilTaken(() => signalling.setName({ name }), cancelled);
    // A connection lost for all its patience is not the name's refusal: the rejoin sends it again once back.
    if (named.ok || cancelled() || named.error.code === 'signalling-lost' || named.error.code === 'signalling-closed')
      return;
    this.#deps.onEvent({ type: 'name-refused', message: named.error.message });
  }

  #startRun(heard: RunStarted): void {
    const membership = this.#membership;
    if (this.#closed) return;
    // The run's age counts from now, however long its store takes to open (the previous download's check).
    const started = heardNow(heard, this.#deps.clock);
    if (!membership) {
      if (started.runNumber > (this.#earlyStart?.runNumber ?? 0)) this.#earlyStart = started;
      return;
    }
    if (this.#run && this.#run.runNumber >= started.runNumber) return;
    // This run or a newer one is opening its store: a start heard again (on a rejoin) must not cancel it.
    if (this.#startingRunNumber !== undefined && this.#startingRunNumber >= started.runNumber) return;
    const settings = started.settings[membership.peerId];
    if (!settings) return;
    const starting = ++this.#runStarts;
    this.#startingRunNumber = started.runNumber;
    this.#run?.end();
    const store: Promise<AsyncChunkStore> = this.#seed
      ? Promise.resolve(this.#seed.store)
      : this.#completing.then(() => this.#storage!.openRun(membership.manifest));
    store.then(
      (opened) => {
        if (starting !== this.#runStarts) return;
        this.#startingRunNumber = undefined;
        if (!this.#seed) this.#fileSha256 = undefined;
        const run: RunEngine = new RunEngine({
          manifest: membership.manifest,
          contentId: membership.contentId,
          localPeerId: membership.peerId,
          started,
          settings,
          store: opened,
          seeding: this.#seed !== undefined,
          sha256: this.#deps.sha256,
          clock: this.#deps.clock,
          onComplete: () => {
            this.#completing = this.#completed(run);
          },
          onPeerDropped: (peerId, reason, detail) =>
            this.#deps.onEvent({ type: 'peer-dropped', peerId, detail: `${reason}: ${detail}` }),
          // A seeded file that cannot be read any more will not be again: stop, rather than leave the
          // swarm waiting for chunks this peer cannot send (each request was refused at once).
          // A download that cannot be written (a full disk) would be fetched again for ever: stop, saying why.
          onChunkUnstorable: (chunkIndex, error) =>
            this.#fail(
              `cannot write chunk ${chunkIndex} of the download to ${this.#storage?.where ?? 'its store'}: ${error instanceof Error ? error.message : String(error)}`,
            ),
          // A leecher's output file edited or cut short on disk the same way: it would send what nobody accepts.
          onChunkUnreadable: (chunkIndex, error) =>
            this.#fail(
              `cannot read ${this.#seed ? membership.manifest.name : (this.#storage?.where ?? 'the download')} any more (chunk ${chunkIndex}: ${error instanceof Error ? error.message : String(error)}): it changed or was removed since it was ${this.#seed ? 'opened' : 'written'}`,
            ),
        });
        // Ended as this run was heard (a completed run's check and naming came first): its progress no longer changes.
        letGo(this.#completedRun);
        this.#run = run;
        for (const transport of this.#transports.open) run.addTransport(transport);
        run.sample();
        this.#deps.onEvent({ type: 'run-started', runNumber: started.runNumber });
        void this.#reporter?.reportNow();
      },
      (error: unknown) => {
        if (starting === this.#runStarts)
          this.#fail(`cannot store the download: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  /**
   * A leecher holds the whole file: tell the server first, leave the run if selfish, then check and hash the
   * file and keep it. The check and the naming go on whatever happens meanwhile (a new run started, the peer
   * closed): the server counted this completion, so the file it names is not thrown away.
   */
  async #completed(run: RunEngine): Promise<void> {
    run.sample();
    await this.#reporter?.reportNow();
    if (this.#run === run && !this.#closed && run.transferring && run.settings.leaveOnComplete) {
      run.sample();
      run.leave();
      this.#deps.onEvent({ type: 'left-run', runNumber: run.runNumber });
    }
    try {
      const checksReads = run.store instanceof FileChunkStore && run.store.checksReads;
      this.#checkedFraction = 0;
      const fileSha256 = await verifiedFileSha256(
        run.store,
        this.#membership!.manifest,
        this.#deps.sha256,
        checksReads,
        (fraction) => (this.#checkedFraction = fraction),
      );
      await this.#storage?.keepRun();
      // A newer run's engine cannot have started: its store waits for this.
      this.#fileSha256 = fileSha256;
      this.#completedRun = { engine: run, progress: run.progress };
      // Over before it is told: a failure told said, as the peer left, that it was finishing the check (found by review).
      this.#checkedFraction = undefined;
      this.#deps.onEvent({ type: 'complete', runNumber: run.runNumber, fileSha256 });
    } catch (error) {
      this.#checkedFraction = undefined;
      const message = error instanceof Error ? error.message : String(error);
      // Said also once the peer was closed (Ctrl-C during the check): what became of a file the server counted (a
      // check that failed, a name taken, the whole file left at `.part`) went unsaid (found by review).
      if (this.#closed) this.#deps.onEvent({ type: 'failed', message });
      else this.#fail(message);
    } finally {
      this.#checkedFraction = undefined;
    }
  }

  #onProgress(progress: SwarmProgress): void {
    this.#latestProgress = progress;
    this.#transports.tableArrived(progress);
    const run = progress.run;
    // Its run was stopped (or interrupted) while this peer missed `run:stopped` (its socket was down, and a
    // rejoin answers only a run still going on): it ends it as it would have then. So when the table shows a newer
    // run not running: its run was stopped and the next came and went meanwhile (it printed 0 MB/s lines and
    // reported its run until yet another started; found by review, as for the web tab). A newer one running is
    // started by the rejoin's answer or its `run:started`.
    const ownRun = this.#run;
    const over =
      run !== null &&
      ownRun !== undefined &&
      (run.runNumber === ownRun.runNumber
        ? run.phase === 'stopped' || run.phase === 'interrupted'
        : run.runNumber > ownRun.runNumber && run.phase !== 'running');
    if (over && ownRun.transferring) {
      ownRun.end();
      this.#deps.onEvent({ type: 'run-stopped', runNumber: ownRun.runNumber });
    }
    if (run && run.phase === 'finished' && run.runNumber > this.#finishedRunsTold) {
      this.#finishedRunsTold = run.runNumber;
      // Told only of a run it took part in: the latest run of every table, one that finished before this peer
      // joined included, is none of its business.
      if (this.#run?.runNumber === run.runNumber)
        this.#deps.onEvent({ type: 'run-finished', runNumber: run.runNumber, distributionMs: run.distributionMs });
    }
    this.#noteSeeder(progress);
  }

  /** A leecher whose seeder left may wait for chunks nobody has: it says so rather than sit at 0 B/s in silence. */
  #noteSeeder(progress: SwarmProgress): void {
    const seederPresent = progress.peers.some((peer) => peer.role === 'seeder');
    if (seederPresent) this.#stopAwaitingSeeder();
    else if (this.#seederAwaited) return;
    if (
      this.#seederPresent !== undefined &&
      seederPresent !== this.#seederPresent &&
      this.#membership?.role === 'leecher'
    )
      this.#deps.onEvent({ type: seederPresent ? 'seeder-back' : 'seeder-gone' });
    this.#seederPresent = seederPresent;
  }

  /**
   * Resolves true once the server acknowledged a report of this leecher holding the whole file, sent now and again
   * every `retryMs` while it is refused or lost (the connection dropped: taking the place back carries the
   * completion too, and the reports after it are acknowledged); false if none was by `timeoutMs` (on the session's
   * monotonic clock, the last ask cut short at it), or the peer was closed. `onWaiting` is told once the first try
   * fails. A leecher that exits on completion waits for this: one gone while its connection was down was given up by
   * the server as a leecher that left before completing, and every screen said so of a student who had the file
   * (found by review). It reports the run it completed, taken once: re-read each ask, a next run's engine that had
   * replaced it (not complete) made it false at once, and the peer said the server had not acknowledged (found by
   * review).
   */
  completionAcknowledged(timeoutMs: number, onWaiting?: () => void, retryMs = COMPLETION_RETRY_MS): Promise<boolean> {
    const run = this.#completedRun;
    const membership = this.#membership;
    if (this.#closed || !run || !membership) return Promise.resolve(false);
    const completed = (): ReportedState => ({
      role: membership.role,
      chunkCount: chunkCount(membership.manifest),
      ...(run.engine?.progress ?? run.progress),
    });
    return acknowledgedWithin(() => this.#deps.signalling.reportProgress(progressReportOf(completed())), {
      clock: this.#deps.clock,
      timeoutMs,
      retryMs,
      cancelled: () => this.#closed,
      ...(onWaiting && { onWaiting }),
    });
  }

  #reportedState(): ReportedState | undefined {
    const membership = this.#membership;
    if (!membership) return undefined;
    return {
      role: membership.role,
      chunkCount: chunkCount(membership.manifest),
      ...(this.#run?.progress ?? NO_RUN_PROGRESS),
      cannotConnect: this.#transports.cannotConnect,
    };
  }

  /** What takes this peer's place back in its swarm; undefined until it is in one. */
  #rejoinRequest(): RejoinRequest | undefined {
    const membership = this.#membership;
    if (!membership || this.#closed) return undefined;
    return rejoinRequestOf(
      membership,
      this.#run?.resumedRunAfter(this.#latestProgress) ?? null,
      swarmMemoryOf(this.#latestProgress, membership.peerId, this.#run?.runNumber, membership.control !== undefined),
    );
  }

  #stopAwaitingSeeder(): void {
    clearTimeout(this.#seederAwaited?.waiting);
    this.#seederAwaited = undefined;
  }

  /** Back in the swarm after a drop: connect to the peers it names, join a run that started meanwhile. */
  #rejoined(status: RejoinStatus): void {
    this.#deps.onEvent({ type: 'signalling', status });
    if (this.#closed) return;
    if ((status.state === 'lost' || status.state === 'rejoining') && !this.#seederAwaited)
      this.#seederAwaited = { waiting: undefined };
    if (status.state === 'failed') this.#stopAwaitingSeeder();
    // Out of its swarm for good: no run will count it again, so it says why and stops rather than wait for ever.
    if (status.state === 'failed')
      return this.#fail(`could not take its place in the swarm back: ${refusalError(status.error).message}`);
    if (status.state !== 'back') return;
    const { run, peers, joinCode, placeKept, iceServers } = status.resumed;
    this.#joinCode = joinCode;
    // Back in a place the server had not kept (it restarted, or gave this peer up): the seeder may not be back yet.
    // It is said to have left only if it is not back within the wait (it said nothing, or "left" then "back",
    // before). A place kept: the server's tables say who is there.
    if (placeKept) this.#stopAwaitingSeeder();
    else if (this.#seederAwaited?.waiting === undefined) {
      const awaited = { waiting: undefined as ReturnType<typeof setTimeout> | undefined };
      awaited.waiting = setTimeout(() => {
        if (this.#seederAwaited !== awaited) return;
        this.#seederAwaited = undefined;
        if (this.#latestProgress && !this.#closed) this.#noteSeeder(this.#latestProgress);
      }, this.#deps.seederReturnWaitMs ?? SEEDER_RETURN_WAIT_MS);
      this.#seederAwaited = awaited;
    }
    // The server's ICE servers now, for every connection from here on: restarted with STUN/TURN, it reached no peer
    // that took its place back (found by review).
    if (iceServers !== undefined) this.#transports.iceServers = iceServers;
    this.#transports.connectTo(peers);
    // Sent again each time: a server that kept the place may have refused it, sent as the peer entered across a drop.
    void this.#sendName(this.#deps.signalling.connectionNumber);
    if (run && (!this.#run || this.#run.runNumber < run.runNumber)) this.#startRun(run);
  }

  /** This peer cannot go on in its run: it stops transferring, and says why. */
  #fail(message: string): void {
    if (this.#closed) return;
    this.#run?.end();
    this.#deps.onEvent({ type: 'failed', message });
  }
}

/**
 * A run a leecher completed, as `completionAcknowledged` reports it: from its engine while that is the run going on,
 * then from its last progress alone. Its engine kept holds its store, the whole file in memory: a 1.5 GiB download
 * took 3 GiB through the next run, past `MAX_MEMORY_DOWNLOAD_BYTES` (found by review).
 */
interface CompletedRun {
  engine: RunEngine | undefined;
  /** What it reports once `engine` is let go. */
  progress: RunProgress;
}

/** A newer run's engine replaces `completed`'s, which ended: its progress is kept, its engine (and store) let go. */
function letGo(completed: CompletedRun | undefined): void {
  if (!completed?.engine) return;
  completed.progress = completed.engine.progress;
  completed.engine = undefined;
}

/** The peer was closed while it created or joined its swarm: whoever started it has stopped waiting. */
function closedWhileStarting(): HeadlessPeerError {
  return new HeadlessPeerError('closed before it was in its swarm', 130);
}

/** A server's refusal as the user's one line. */
export function refusalError(error: SignallingError): HeadlessPeerError {
  switch (error.code) {
    case 'swarm-not-found':
      return new HeadlessPeerError('this swarm is unknown or has ended (every peer left, or the server restarted)');
    case 'swarm-not-registered-yet':
      return new HeadlessPeerError(
        'the signalling server has just restarted and no member of this swarm registered it again: it has ended, or its members cannot reach the server',
      );
    case 'timeout':
    case 'signalling-lost':
      return new HeadlessPeerError('the signalling server did not answer: check that it is running and reachable');
    case 'signalling-closed':
      return closedWhileStarting();
    default:
      return new HeadlessPeerError(`the signalling server refused: ${error.message}`);
  }
}
