import type {
  JoinCode,
  Manifest,
  PeerOverride,
  RunConfig,
  Sha256,
  SignallingError,
  SwarmProgress,
} from '@swarmlab/protocol';
import { SignallingClient, untilRegistered, type SignallingConnection } from '@swarmlab/webrtc';
import { RECONNECTED_NOTICE_MS, warnIgnored, type SignallingNotice } from '../signalling-message';
import { pageSha256 } from '../page-sha256';
import { userMessageOf } from '../user-message';
import { CONTROL_REFUSED, CONTROL_UNKNOWN, IN_CONTROL, WATCHER_WITHOUT_CONTROL, type RunControl } from '../control';
import { CONTENT_MISMATCH_MESSAGE, manifestMatchesLink } from './file-preparation';
import { signallingRunController, type RunController, type RunRequests } from './run-controller';
import { documentVisibility, ShownWhileVisible, type PageVisibility } from './page-visibility.svelte';
import type { OnSwarmBroadcast } from './swarm-broadcast';
import { SeederWait } from './seeder-wait.svelte';

export type WatchPhase = 'connecting' | 'watching' | 'failed' | 'closed';

/** Shown when the swarm an overview screen follows is gone. */
export const SWARM_ENDED_MESSAGE =
  'This swarm has ended: its last peer left. The runs this browser saw finish stay in its run history (below, if any).';

/**
 * Shown when the server tells the screen, as it watches, that the swarm's last member left. That member may bring it
 * back under the same link: a seeder's page the teacher leaves with Back leaves the swarm (the browser keeps the page
 * in its back/forward cache) and registers it again on Forward. "Try again" then follows it. Most often every tab left
 * on purpose (the class is over): the sentence is true then too, and asks nothing of the teacher (it said to press
 * Forward in the seeder's browser; found by review).
 */
export const SWARM_LEFT_MESSAGE =
  'This swarm has ended: its last peer left. If its seeder’s page comes back to it, Try again follows it. The runs this browser saw finish stay in its run history (below, if any).';

/** Shown when "Try again", after `SWARM_LEFT_MESSAGE`, finds the swarm not back yet: it may still come back. */
export const SWARM_STILL_GONE_MESSAGE =
  'This swarm is still gone: none of its peers has come back to it. If its seeder’s page comes back to it, Try again follows it. The runs this browser saw finish stay in its run history (below, if any).';

/** A run request made while the screen does not follow its swarm (its connection lost, or not yet followed again). */
export const NOT_FOLLOWING_MESSAGE =
  'This screen is reconnecting to the signalling server: try again once it shows the swarm again.';

/**
 * How long a screen that reconnected keeps asking for a swarm the server does not know: after a restart,
 * the members register it again within their own reconnection backoff (at most 5 s) and a few attempts.
 */
export const REWATCH_PATIENCE_MS = 60_000;
/** Between two asks. */
export const REWATCH_INTERVAL_MS = 1000;

/**
 * Swarms this page heard end (`swarm:ended`) while it watched them: their last member may bring them back under the same
 * link, and a screen of them that the server answers `swarm-not-found` still offers "Try again". The page's memory, not
 * a watch's: "Try again" opens a new watch (`AppController.watchAgain`). Pressed before the seeder's page came back,
 * it said "Ask for a new link", with no "Try again", and the projector could not follow the swarm once it was back
 * (found by review).
 */
// Read as a server's answer comes, never drawn: nothing reacts to it.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const endedWhileWatched = new Set<string>();

/** Refusals of a screen's watch on its new connection that a later ask, within its patience, may not get. */
const REWATCH_BUSY: ReadonlySet<string> = new Set<SignallingError['code']>([
  'rate-limited',
  'too-many-watchers',
  'too-many-watchers-from-address',
]);
/**
 * Answers of a server back but slow (a class registering again at once) or failing for a moment: asked again, as a
 * member's tab does (`swarm-rejoin.ts`). The projector failed on them, for someone to walk to it, while the class
 * came back by itself (found by review).
 */
const REWATCH_SLOW: ReadonlySet<string> = new Set<SignallingError['code']>(['timeout', 'internal-error']);

export interface SwarmWatchOptions {
  /** Signalling server; the page's own origin when absent. */
  readonly signallingUrl?: string;
  readonly onBroadcast?: OnSwarmBroadcast;
  /** The swarm's control secret, from a control link: with it, this screen runs the experiment. */
  readonly control?: string | undefined;
  /** Whether the page can be seen; the document's by default. Nothing is drawn while it cannot. */
  readonly visibility?: PageVisibility;
  /** How the manifest is checked against the link; the page's own SHA-256 by default. */
  readonly sha256?: Sha256;
  /** `SEEDER_RETURN_WAIT_MS` (`seeder-wait.svelte.ts`) by default (tests shorten it). */
  readonly seederReturnWaitMs?: number;
}

/**
 * An overview screen (a classroom projector): follows a swarm without being a peer in it, shows every
 * peer's progress from the server's reports and, opened from the control link (the teacher's screen),
 * can start and stop runs and set any peer's links.
 */
export class SwarmWatch implements RunController {
  #phase = $state<WatchPhase>('connecting');
  #error = $state<string | undefined>();
  #retryable = $state(true);
  #ended = $state(false);
  #manifest = $state.raw<Manifest | undefined>();
  #swarmProgress = $state.raw<SwarmProgress | undefined>();
  readonly #shownProgress: ShownWhileVisible<SwarmProgress | undefined>;
  /** The patience of a watch asked again on a new connection after a slow answer, until its next answer (`#rewatch`). */
  #slowDeadlineMs: number | undefined;
  #control = $state.raw<RunControl>(CONTROL_UNKNOWN);
  #notice = $state.raw<SignallingNotice | undefined>();
  #rewatchTimer: ReturnType<typeof setTimeout> | undefined;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  #joinCode = $state<JoinCode | undefined>();
  /**
   * The server counts this screen a watcher of the swarm on its current connection: from the watch's answer until
   * the connection is lost, and again once the swarm is followed on the new one.
   */
  #following = $state(false);
  /** The broadcast shown, as of when this screen last heard from the server (see `shownProgress`). */
  readonly #asLastHeard = $derived.by(() => {
    const shown = this.#shownProgress.shown;
    return shown && { ...shown, flows: [], peers: shown.peers.map((peer) => ({ ...peer, away: true })) };
  });
  /** Waiting for a server that has just started to know the swarm again (`phase` is `connecting`). */
  #waitingForSwarm = $state(false);
  /** See `seederAwaited`. */
  readonly #seederWait: SeederWait;
  readonly swarmId: string;
  readonly #options: SwarmWatchOptions;
  readonly #signalling: SignallingClient;
  readonly #runs: RunRequests;

  constructor(swarmId: string, options: SwarmWatchOptions = {}) {
    this.swarmId = swarmId;
    this.#options = options;
    this.#seederWait = new SeederWait(options.seederReturnWaitMs);
    this.#signalling = SignallingClient.connect(options.signallingUrl);
    this.#runs = signallingRunController(this.#signalling);
    this.#shownProgress = new ShownWhileVisible(options.visibility ?? documentVisibility(), undefined);
    this.#signalling.onMalformedMessage(warnIgnored);
    this.#signalling.on('swarm:progress', (progress) => this.#setProgress(progress));
    this.#signalling.on('swarm:ended', () => {
      this.#ended = true;
      // Retryable: the projector stayed on "ended", with only the start page, while the seeder's page back from the
      // back/forward cache seeded the swarm again under the same link (found by review). So is the retry's watch of a
      // swarm still gone (`endedWhileWatched`).
      endedWhileWatched.add(this.swarmId);
      this.#fail(SWARM_LEFT_MESSAGE);
    });
    this.#signalling.onConnectionChange((connection) => this.#connectionChanged(connection));
  }

  /**
   * The seeder's tab may be on its way back: this screen lost its connection, or the server had just restarted,
   * and no table since showed the seeder (for `SEEDER_RETURN_WAIT_MS` after the screen followed the swarm again).
   * A table without it then is no sign that it left, and the screen does not offer to seed in its place (that
   * made the projector a leecher of the restored run, and a second seeder once the first was back).
   */
  get seederAwaited(): boolean {
    return this.#seederWait.awaited;
  }

  /** What this screen says of its signalling connection, once it was lost. */
  get notice(): SignallingNotice | undefined {
    return this.#notice;
  }

  get phase(): WatchPhase {
    return this.#phase;
  }

  /** Whether this screen waits for a restarted server to know its swarm again (`phase` is `connecting`). */
  get waitingForSwarm(): boolean {
    return this.#waitingForSwarm;
  }

  /** A message for the user when `phase` is `failed`. */
  get error(): string | undefined {
    return this.#error;
  }

  /**
   * Whether asking again may follow the swarm, when `phase` is `failed`: not for a swarm the server does not know or
   * one that shares another file than the link's (a "Try again" beside them failed the same way every time). A swarm
   * this page heard end as it watched it may come back (`SWARM_LEFT_MESSAGE`): asking again is offered for as long as
   * it is gone (`SWARM_STILL_GONE_MESSAGE`).
   */
  get retryable(): boolean {
    return this.#retryable;
  }

  /** Whether the server said the swarm ended (`phase` is then `failed`; a refusal fails it without ending it). */
  get ended(): boolean {
    return this.#ended;
  }

  get manifest(): Manifest | undefined {
    return this.#manifest;
  }

  /** Whether this screen may start and stop runs and set the peers' links (it was opened from the control link). */
  get control(): RunControl {
    return this.#control;
  }

  /** The swarm's join code, shown large while the swarm waits. */
  get joinCode(): JoinCode | undefined {
    return this.#joinCode;
  }

  /** The server's latest broadcast of the whole swarm. */
  get swarmProgress(): SwarmProgress | undefined {
    return this.#swarmProgress;
  }

  /**
   * The broadcast the screen draws: the latest one while the page is visible, held still while it is hidden
   * (a projector's laptop showing another tab draws no bitmaps and no map), caught up the moment it is shown.
   * While this screen does not follow the swarm (its connection lost, or the swarm not yet followed again on the new
   * one) it stands still, and shows so: every peer as away (no rates, "reconnecting"), no flows on the map. Its last
   * rates and the map's moving flows looked live for up to a minute while the server restarted (found by review).
   */
  get shownProgress(): SwarmProgress | undefined {
    return this.#following ? this.#shownProgress.shown : this.#asLastHeard;
  }

  /** Whether the server counts this screen a watcher now (`shownProgress` is live): run requests go out only then. */
  get following(): boolean {
    return this.#following;
  }

  /** Starts following the swarm, checking its manifest against the link's content id. */
  async watch(contentId: string): Promise<void> {
    const { control } = this.#options;
    const watched = await untilRegistered(
      () => this.#signalling.watchSwarm({ swarmId: this.swarmId, ...(control !== undefined && { control }) }),
      { onWaiting: () => (this.#waitingForSwarm = true), cancelled: () => this.#phase !== 'connecting' },
    );
    const restarted = this.#waitingForSwarm;
    this.#waitingForSwarm = false;
    if (this.#phase !== 'connecting') return;
    if (!watched.ok) {
      // Unknown past a young server's wait: ended, as when a watch again finds it so. Its "Try again" failed the same
      // way every time (found by review).
      const ended = watched.error.code === 'swarm-not-found';
      this.#ended = ended;
      if (ended && endedWhileWatched.has(this.swarmId)) return this.#fail(SWARM_STILL_GONE_MESSAGE);
      return this.#fail(userMessageOf(watched.error), { retryable: !ended });
    }
    // The server had just restarted: its members, the seeder among them, are still coming back (a screen opened
    // once a student had registered the swarm again offered to seed in its place; found by review).
    if (restarted || watched.registeredAgain) this.#seederWait.back(watched.progress);
    const answeredOn = this.#signalling.connectionNumber;
    const matches = await manifestMatchesLink(watched.manifest, contentId, this.#options.sha256 ?? pageSha256());
    // The hash takes a while on a plain-http page (pure JavaScript, up to a megabyte of manifest): the swarm may
    // have ended meanwhile (failed), or the screen closed.
    if (this.#phase !== 'connecting') return;
    if (!matches) return this.#fail(CONTENT_MISMATCH_MESSAGE, { retryable: false });
    this.#control = watched.inControl ? IN_CONTROL : control === undefined ? WATCHER_WITHOUT_CONTROL : CONTROL_REFUSED;
    this.#manifest = watched.manifest;
    this.#joinCode = watched.joinCode;
    if (!this.#swarmProgress) this.#setProgressQuietly(watched.progress);
    this.#following = true;
    this.#phase = 'watching';
    this.#announce();
    // …or the connection dropped, unnoticed while not yet watching: the server no longer counts this screen a
    // watcher, and it would have shown its last table for ever. It is as if the drop came now.
    const connection = this.#signalling.connection;
    if (connection.state === 'lost') this.#connectionChanged(connection);
    else if (this.#signalling.connectionNumber !== answeredOn) {
      this.#following = false;
      this.#notice = { tone: 'pending', text: 'Signalling server lost: reconnecting…' };
      this.#connectionChanged(connection);
    }
  }

  // Not followed on the current connection, a request was refused "This tab is not in a swarm: create or join one
  // first", on a projector (found by review): it says why, and asks nothing.
  startRun(config: RunConfig): Promise<string | undefined> {
    return this.#following ? this.#runs.startRun(config) : Promise.resolve(NOT_FOLLOWING_MESSAGE);
  }

  stopRun(): Promise<string | undefined> {
    return this.#following ? this.#runs.stopRun() : Promise.resolve(NOT_FOLLOWING_MESSAGE);
  }

  configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined> {
    return this.#following ? this.#runs.configurePeer(peerId, override) : Promise.resolve(NOT_FOLLOWING_MESSAGE);
  }

  close(): void {
    clearTimeout(this.#rewatchTimer);
    clearTimeout(this.#noticeTimer);
    this.#seederWait.end();
    this.#shownProgress.dispose();
    this.#signalling.disconnect();
    if (this.#phase !== 'failed') this.#phase = 'closed';
  }

  #setProgress(progress: SwarmProgress): void {
    this.#seederWait.seen(progress);
    this.#swarmProgress = progress;
    this.#shownProgress.set(progress);
    this.#announce();
  }

  #setProgressQuietly(progress: SwarmProgress): void {
    this.#swarmProgress = progress;
    this.#shownProgress.set(progress);
  }

  #announce(): void {
    const manifest = this.#manifest;
    const progress = this.#swarmProgress;
    if (manifest && progress) this.#options.onBroadcast?.({ swarmId: this.swarmId, manifest, progress });
  }

  #connectionChanged(connection: SignallingConnection): void {
    if (this.#phase !== 'watching') return;
    if (connection.state === 'lost') {
      this.#following = false;
      clearTimeout(this.#rewatchTimer);
      clearTimeout(this.#noticeTimer);
      this.#seederWait.lost();
      // Reconnecting by itself after a slow answer, it says so, not that the server was lost.
      if (this.#slowDeadlineMs === undefined)
        this.#notice = {
          tone: 'pending',
          text: 'Signalling server lost: reconnecting…',
          ...(connection.attempt > 0 && { attempt: connection.attempt }),
        };
    } else if (connection.state === 'connected' && this.#notice) {
      void this.#rewatch(performance.now() + REWATCH_PATIENCE_MS);
    }
  }

  /**
   * Follows the swarm again on the new connection; after a restart it is back once a member registered it again. It
   * asks until `deadlineMs`, on the page's monotonic clock (`performance.now()`, which no sync of the wall clock moves).
   */
  async #rewatch(deadlineMs: number): Promise<void> {
    const { control } = this.#options;
    const watched = await this.#signalling.watchSwarm({
      swarmId: this.swarmId,
      ...(control !== undefined && { control }),
    });
    if (this.#phase !== 'watching') return;
    // Kept only from one slow answer to the next: any other answer has the patience of its own connection.
    const slowDeadlineMs = this.#slowDeadlineMs ?? deadlineMs;
    this.#slowDeadlineMs = undefined;
    if (watched.ok) {
      this.#joinCode = watched.joinCode;
      this.#following = true;
      this.#setProgress(watched.progress);
      this.#seederWait.back(watched.progress);
      const reconnected: SignallingNotice = { tone: 'good', text: 'Reconnected to the signalling server.' };
      this.#notice = reconnected;
      clearTimeout(this.#noticeTimer);
      this.#noticeTimer = setTimeout(() => {
        if (this.#notice === reconnected) this.#notice = undefined;
      }, RECONNECTED_NOTICE_MS);
      return;
    }
    if (watched.error.code === 'signalling-lost' || watched.error.code === 'signalling-closed') return;
    // A server that does not know the swarm and says it did not just start (`swarm-not-registered-yet` otherwise): it
    // ended while this screen was away (its `swarm:ended` went to the lost connection). It was drawn as running for a
    // minute, "waiting for the swarm's members to register it again", then offered a "Try again" that failed the same
    // way (found by review). One this page heard end before, and come back, may come back again (`endedWhileWatched`).
    if (watched.error.code === 'swarm-not-found') {
      this.#ended = true;
      const mayComeBack = endedWhileWatched.has(this.swarmId);
      return this.#fail(mayComeBack ? SWARM_LEFT_MESSAGE : SWARM_ENDED_MESSAGE, { retryable: mayComeBack });
    }
    const unknown = watched.error.code === 'swarm-not-registered-yet';
    // Busy for a moment: the address over a budget (a class restoring a large file at once), or its screens'
    // old sockets, not yet seen dropped (up to a ping timeout), still holding their places.
    const busy = REWATCH_BUSY.has(watched.error.code);
    const slow = REWATCH_SLOW.has(watched.error.code);
    if (slow && performance.now() < slowDeadlineMs) {
      // The watch may have been done, only its answer late: asked again on this connection, it was refused
      // `already-in-swarm` (found by review). A new connection asks afresh, as a member's tab does, within the patience
      // of the first slow answer's connection.
      this.#slowDeadlineMs = slowDeadlineMs;
      this.#notice = { tone: 'pending', text: 'Signalling server back, and slow to answer: asking again…' };
      this.#signalling.reconnect();
      return;
    }
    if ((unknown || busy) && performance.now() < deadlineMs) {
      this.#notice = {
        tone: 'pending',
        text: unknown
          ? 'Signalling server back: waiting for the swarm’s members to register it again…'
          : 'Signalling server back, and busy: asking again…',
      };
      this.#rewatchTimer = setTimeout(() => void this.#rewatch(deadlineMs), REWATCH_INTERVAL_MS);
      return;
    }
    this.#fail(userMessageOf(watched.error));
  }

  #fail(message: string, { retryable = true }: { retryable?: boolean } = {}): void {
    this.#error = message;
    this.#retryable = retryable;
    this.#phase = 'failed';
    // Its connection closes: a run request would otherwise still go out on it (found by review).
    this.#following = false;
    this.#signalling.disconnect();
  }
}
