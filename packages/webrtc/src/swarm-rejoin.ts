import {
  MAX_RESUMED_PARTICIPANTS,
  type PeerId,
  type SignallingError,
  type SwarmProgress,
  type SwarmRestoreRequest,
  type SwarmResumed,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import type { SignallingClient, SignallingConnection } from './signalling-client';

/** What a member tells the server to take its place back: its resume, and its file in case the server forgot the swarm. */
export interface RejoinRequest {
  readonly resume: SwarmResumeRequest;
  readonly file: Pick<SwarmRestoreRequest, 'manifest' | 'contentId'>;
}

/** What a member (a tab, a headless peer) holds of its place in a swarm. */
export type SwarmPlace = Omit<SwarmResumeRequest, 'run' | 'control'> &
  RejoinRequest['file'] & { readonly control: string | undefined };

/** What a member remembers of its swarm between runs (`swarmMemoryOf`), for a server that forgot it. */
export type SwarmMemory = Pick<SwarmResumeRequest, 'latestRunNumber' | 'override' | 'config' | 'controlLinks'>;

/**
 * The request that takes `place` back, telling a restarted server about `run` (`RunEngine.resumedRunAfter`)
 * and what the member remembers between runs (`memory`).
 */
export function rejoinRequestOf(
  place: SwarmPlace,
  run: SwarmResumeRequest['run'],
  memory: SwarmMemory = {},
): RejoinRequest {
  const { swarmId, peerId, memberKey, seal, role, control, manifest, contentId } = place;
  return {
    resume: { swarmId, peerId, memberKey, seal, role, ...(control && { control }), run, ...memory },
    file: { manifest, contentId },
  };
}

/**
 * What member `peerId` remembers of its swarm from the latest broadcast it got (`progress`) and the run it was
 * last in (`ownRunNumber`): the latest run number (a restarted server numbers the next run after it, or the
 * members would ignore it), its own settings, and the swarm's settings for the next run; a member `inControl`,
 * the links a screen in control set for each member too (without them, a restarted server took a student's
 * restated links for the student's own, and the next run clamped them to its caps).
 */
export function swarmMemoryOf(
  progress: SwarmProgress | undefined,
  peerId: PeerId,
  ownRunNumber: number | undefined,
  inControl = false,
): SwarmMemory {
  const latestRunNumber = Math.max(progress?.run?.runNumber ?? 0, ownRunNumber ?? 0);
  const override = progress?.peers.find((peer) => peer.peerId === peerId)?.override;
  const controlLinks = inControl
    ? (progress?.peers ?? [])
        .filter((peer) => peer.overrideByControl === true && Object.keys(peer.override).length > 0)
        .slice(0, MAX_RESUMED_PARTICIPANTS)
        .map((peer) => ({ peerId: peer.peerId, override: peer.override }))
    : [];
  return {
    ...(latestRunNumber > 0 && { latestRunNumber }),
    ...(override && Object.keys(override).length > 0 && { override }),
    ...(progress && { config: progress.config }),
    ...(controlLinks.length > 0 && { controlLinks }),
  };
}

/**
 * A member's signalling connection as its user should know it:
 * - `lost`: the connection dropped; transfers go on over WebRTC while socket.io reconnects (`attempt`);
 * - `rejoining`: connected again, taking its place back (`retrying`: the server's latest answer was worth trying
 *   again, a busy or failing server: it tries again, later and later, for as long as it takes);
 * - `back`: in its swarm again, as the server's answer says (`resumed.registeredAgain`: the server had
 *   forgotten the swarm and this tab registered it again; `resumed.placeKept`: the server still held its place);
 * - `failed`: its place cannot be taken back (`error` says why); transfers still go on.
 */
export type RejoinStatus =
  | { readonly state: 'lost'; readonly attempt: number }
  | { readonly state: 'rejoining'; readonly retrying?: SignallingError }
  | { readonly state: 'back'; readonly resumed: SwarmResumed }
  | { readonly state: 'failed'; readonly error: SignallingError };

export interface SwarmRejoinOptions {
  /** What to resume with; undefined while the tab is in no swarm yet (nothing to take back). */
  readonly request: () => RejoinRequest | undefined;
  readonly onStatus: (status: RejoinStatus) => void;
  /**
   * The first wait after an answer worth retrying (the server busy or slow), doubling at each such answer in a
   * row to `MAX_REJOIN_RETRY_DELAY_MS`, randomised by half.
   */
  readonly retryDelayMs?: number;
}

/** A place taken (`takePlace`): the swarm as the server tells it, or why the place could not be taken. */
export type PlaceTaken =
  { readonly ok: true; readonly resumed: SwarmResumed } | { readonly ok: false; readonly error: SignallingError };

/**
 * Takes a place in a swarm with `request`: `swarm:resume`, or `swarm:restore` (registering the swarm again
 * under its link) when the server answers that it does not know the swarm (it restarted, or every member left).
 */
export async function takePlace(signalling: SignallingClient, request: RejoinRequest): Promise<PlaceTaken> {
  let result = await signalling.resumeSwarm(request.resume);
  if (!result.ok && result.error.code === 'swarm-not-found')
    result = await signalling.restoreSwarm({ ...request.resume, ...request.file });
  if (!result.ok) return result;
  const { ok: _, ...resumed } = result;
  // Whether it registered the swarm again is the server's word (`resumed.registeredAgain`), not which request got
  // through: of two tabs restoring at once, one registers it and the other finds it.
  return { ok: true, resumed };
}

/** 128 random bits, base64url: a member key, or a peer id a member picks for itself (`SwarmPlace`). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

/** Answers that may change on a second try: the server refused before doing anything, or its outcome is unknown. */
const RETRIABLE: ReadonlySet<SignallingError['code']> = new Set(['timeout', 'rate-limited', 'internal-error']);
/**
 * Of those, the answers after which the server may have taken the place all the same (an answer later than the
 * time-out, a failure after the change was written): asked again on the same connection, it would answer
 * `already-in-swarm`. They are tried again on a new connection (`SignallingClient.reconnect`: the transport
 * dropped, as a network drop does, so the server suspends what the old connection held, and the place is then
 * taken back as kept).
 */
const OUTCOME_UNKNOWN: ReadonlySet<SignallingError['code']> = new Set(['timeout', 'internal-error']);

export const DEFAULT_REJOIN_RETRY_DELAY_MS = 2000;
/**
 * The longest wait between tries. There is no last try: the server can refuse as `rate-limited` for half a
 * minute without cutting the connection (an address's byte budget in debt, a classroom re-registering its
 * swarms at once), and a member that gave up would sit outside every run with its connection up.
 */
export const MAX_REJOIN_RETRY_DELAY_MS = 30_000;

/**
 * Takes a member's place in its swarm back each time its signalling connection comes back: `swarm:resume`
 * (the server kept its place for a grace period), or `swarm:restore` when the server answers that it does
 * not know the swarm (it restarted), which registers the swarm again under its link. The WebRTC
 * connections are not this class's business: they go on by themselves meanwhile.
 */
export class SwarmRejoin {
  readonly #signalling: SignallingClient;
  readonly #options: SwarmRejoinOptions;
  readonly #unsubscribe: () => void;
  #wasLost = false;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Answers worth retrying in a row, across connections: what the next wait doubles from. */
  #retries = 0;

  constructor(signalling: SignallingClient, options: SwarmRejoinOptions) {
    this.#signalling = signalling;
    this.#options = options;
    this.#unsubscribe = signalling.onConnectionChange((connection) => this.#changed(connection));
  }

  /**
   * The member is in its swarm now, under the place the server gave it on connection `answeredOn`
   * (`SignallingClient.connectionNumber` when the answer came). If the connection changed since (it dropped and
   * came back while the answer was being checked), the server holds that place for a connection that is gone:
   * it is taken back now.
   */
  entered(answeredOn: number): void {
    if (this.#closed || this.#signalling.connectionNumber === answeredOn) return;
    if (this.#signalling.connection.state !== 'connected' || this.#options.request() === undefined) return;
    this.#wasLost = false;
    void this.#rejoin();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#unsubscribe();
  }

  #changed(connection: SignallingConnection): void {
    if (this.#closed) return;
    if (connection.state === 'lost') {
      // Remembered even with no place yet: a drop while a join's answer is being checked (the server holds the
      // member by then) is taken back once the place is known, at the reconnection; one that came back before the
      // place was known, as the member enters (`entered`).
      this.#wasLost = true;
      clearTimeout(this.#retryTimer);
      if (this.#options.request() !== undefined) this.#options.onStatus({ state: 'lost', attempt: connection.attempt });
    } else if (connection.state === 'connected' && this.#wasLost) {
      this.#wasLost = false;
      if (this.#options.request() !== undefined) void this.#rejoin();
    }
  }

  async #rejoin(): Promise<void> {
    const request = this.#options.request();
    if (this.#closed || !request) return;
    this.#options.onStatus({ state: 'rejoining' });
    const result = await takePlace(this.#signalling, request);
    if (this.#closed) return;
    if (result.ok) {
      this.#retries = 0;
      return this.#options.onStatus({ state: 'back', resumed: result.resumed });
    }
    // Lost again: the next connection tries again. Closed: there is no next connection.
    if (result.error.code === 'signalling-lost' || result.error.code === 'signalling-closed') return;
    if (RETRIABLE.has(result.error.code)) {
      this.#options.onStatus({ state: 'rejoining', retrying: result.error });
      const firstDelayMs = this.#options.retryDelayMs ?? DEFAULT_REJOIN_RETRY_DELAY_MS;
      const delayMs =
        Math.min(firstDelayMs * 2 ** this.#retries++, MAX_REJOIN_RETRY_DELAY_MS) * (0.5 + Math.random() / 2);
      const again = OUTCOME_UNKNOWN.has(result.error.code)
        ? () => this.#signalling.reconnect()
        : () => void this.#rejoin();
      this.#retryTimer = setTimeout(again, delayMs);
      return;
    }
    this.#options.onStatus({ state: 'failed', error: result.error });
  }
}
