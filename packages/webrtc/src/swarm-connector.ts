import type { CancelTimer, Clock, PeerLink } from '@swarmlab/engine';
import {
  signalAttemptSchema,
  signalDataSchema,
  type IceServer,
  type PeerId,
  type SignalData,
  type SignallingResult,
  type SignalRelay,
} from '@swarmlab/protocol';
import type {
  Instance as SimplePeerInstance,
  Options as SimplePeerOptions,
  SignalData as SimplePeerSignal,
} from 'simple-peer';
import { browserClock } from './browser-clock';
import { EXTRA_DATA_CHANNEL_MESSAGE, keepFirstDataChannel } from './first-data-channel';
import { OfferBudget } from './offer-budget';
import type { SignallingClient } from './signalling-client';
import { simplePeerLink } from './simple-peer-link';

/** Creates a simple-peer; injected so tests or a Node peer can supply their own WebRTC. */
export type PeerFactory = (options: SimplePeerOptions) => SimplePeerInstance;

/**
 * Connections a newcomer opens to the peers already in the swarm. A full mesh for classroom-size
 * swarms; larger swarms become a random partial mesh (each tab stays well under Chromium's 500
 * RTCPeerConnections).
 */
export const DEFAULT_MAX_INITIATED_CONNECTIONS = 24;

/** A connection that has not opened its data channel by then is abandoned. */
export const CONNECT_TIMEOUT_MS = 20_000;

/**
 * Tries of a connection this tab initiates: one that fails (a busy peer let it time out, its ICE failed, the
 * signalling dropped its offer) is tried again after `CONNECT_RETRY_DELAY_MS`, doubling, each randomised by
 * half, while the peer is in the swarm. In a client-server run a leecher without a connection to the seeder
 * could never complete.
 */
export const MAX_CONNECT_ATTEMPTS = 4;
export const CONNECT_RETRY_DELAY_MS = 2000;
/**
 * A leecher's connection to the seeder (`seederPeerId`), and a seeder's to every member (but a try `topUp` made), are
 * tried past `MAX_CONNECT_ATTEMPTS`, for as long as both are in the swarm, the delay doubling to this (randomised by
 * half: 15–45 s between tries, each waiting up to `CONNECT_TIMEOUT_MS`): a leecher without it could never complete a
 * client-server run, and a member flooding the seeder with offers (past its budget, `OfferBudget`, a newcomer's are
 * ignored) made newcomers give up on it for good after about 90 s (found by review).
 */
export const MAX_CONNECT_RETRY_DELAY_MS = 30_000;
/**
 * How much later than the side that offered a lost connection the side that answered it offers it again: the first's
 * offer (1–3 s on) is then answered before the second's is due, which finds the connection made and is not sent. It
 * counts when the side that offered gave up meanwhile: it tried while this side's socket was away (a laptop asleep),
 * and this side's connection looked open until its ICE failed, 15–30 s after it was back (found by review).
 */
export const LOST_ANSWERER_DELAY_MS = 4000;

/**
 * Why a try failed: `network` (it timed out once the answer came, its ICE failed, it closed before it opened),
 * `signalling` (the server refused its signal: the peer is away or gone, or the connection to the server dropped; or
 * its offer was never answered), `lost` (an open connection
 * closed), `peer` (the other side's offer, answer or candidate was unusable, or it opened another data channel: a
 * broken or hostile member),
 * `unsupported` (this browser cannot make a WebRTC connection: turned off, or missing): only the first says the
 * network may keep peers apart.
 */
export type ConnectFailureCause = 'network' | 'signalling' | 'lost' | 'peer' | 'unsupported';

/**
 * simple-peer's error codes for a signal of the other side that this side's WebRTC refused: the other side's doing,
 * not the network's (a member relaying an empty or garbled offer made every newcomer say its network kept peers
 * apart; found by review).
 */
const PEER_SIGNAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'ERR_SIGNALING',
  'ERR_SET_REMOTE_DESCRIPTION',
  'ERR_ADD_ICE_CANDIDATE',
]);

/**
 * simple-peer's error codes for an open connection that failed under it (its ICE, or the connection as a whole: a
 * laptop that moved to another access point, or slept). Not `ERR_DATA_CHANNEL`: Chrome tells the other side's
 * `destroy()` (its channel closed, then its RTCPeerConnection: an SCTP abort) as that error before the close, so a
 * tab answering a connection its peer closed on purpose (a run's malformed control, too much sent ahead) offered it
 * again 5–7 s later (found by review). Not `ERR_ICE_CONNECTION_CLOSED`: only this side's own close makes it.
 */
const CONNECTION_FAILURE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ERR_ICE_CONNECTION_FAILURE',
  'ERR_CONNECTION_FAILURE',
]);

/** simple-peer's code of an error (`err-code`'s `code`), if it has one. */
function errorCodeOf(error: unknown): string | undefined {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Why a connection's error ended its try (`ConnectFailureCause`), from simple-peer's code for it. */
export function failureCauseOf(error: unknown): ConnectFailureCause {
  const code = errorCodeOf(error);
  if (code === undefined) return 'network';
  if (PEER_SIGNAL_ERROR_CODES.has(code)) return 'peer';
  // Not `ERR_PC_CONSTRUCTOR`: an RTCPeerConnection that exists and refused to be made (too many of them, a config it
  // refuses) is this page's trouble to show, as a network failure is (found by review).
  if (code === 'ERR_WEBRTC_SUPPORT') return 'unsupported';
  return 'network';
}

/** What `onConnectError` is told when an open connection closes without either side closing it on purpose. */
export const CONNECTION_LOST_MESSAGE = 'connection lost: connecting again';

export interface SwarmConnectorDeps {
  readonly signalling: Pick<SignallingClient, 'on' | 'sendSignal'>;
  /** This member's own peer id: it settles which side yields when both offer at once. */
  readonly localPeerId: PeerId;
  /**
   * Empty by default: host candidates only, right for one machine and for a classroom LAN. As the member entered; the
   * server's answer when it takes its place back may change it (`iceServers`).
   */
  readonly iceServers: readonly IceServer[];
  readonly createPeer: PeerFactory;
  /** Called once per peer whose data channel opened. */
  readonly onLink: (link: PeerLink) => void;
  /**
   * Called when a connection's try fails (it timed out, its ICE failed, its signal was refused) or an open one is lost;
   * not when it is given up on purpose (the peer left, a newer offer replaced it, the connector shuts down). Also, once
   * per connection, when the other side opens a data channel past its first (`peer`: it is closed, the connection
   * stays).
   */
  readonly onConnectError?: (peerId: PeerId, message: string, cause: ConnectFailureCause) => void;
  /** A peer left the swarm (`peer:left`): nothing is tried with it any more. */
  readonly onPeerLeft?: (peerId: PeerId) => void;
  readonly maxInitiatedConnections?: number;
  /**
   * This member seeds: it connects to every member it is told of (`connectTo`), past the cap. A seeder that
   * comes back (after a restart, or picked again) is told of every member, and in a client-server run a
   * leecher it is not connected to could never complete.
   */
  readonly seeds?: boolean;
  /** The clock of the budget of offers answered per peer (`OfferBudget`); `performance.now` by default. */
  readonly nowMs?: () => number;
  /**
   * The timers of a try's timeout (`CONNECT_TIMEOUT_MS`) and of the waits between tries; `browserClock`'s by default,
   * which a hidden tab does not throttle: on the page's own, Chromium ran them once a minute in a tab hidden 5 minutes
   * with no data channel open, the very tab that needs them (found by review).
   */
  readonly setTimer?: Clock['setTimer'];
}

/** What a member brings to its connections as it enters its swarm: its peer id, ICE servers, and whether it seeds. */
export type ConnectorPlace = Pick<SwarmConnectorDeps, 'localPeerId' | 'iceServers' | 'seeds'>;

interface Pending {
  readonly peer: SimplePeerInstance;
  readonly cancelTimeout: CancelTimer;
  readonly initiator: boolean;
  /** 1 for the first try. */
  readonly attempt: number;
  /**
   * Made by `topUp` (or a later try of one): not tried again when it fails, but a leecher's to the seeder, tried as
   * ever. A seeder tries every member for as long as both stay, so each try its top-ups made went on every 15–45 s
   * (60 unreachable members: 759 offers in 10 minutes after one top-up; found by review).
   */
  readonly once: boolean;
  /**
   * The try's id (`SignalSendRequest.attempt`), sent with each of its signals: drawn by the side that offers, the
   * offer's by the side that answers. Undefined answering an offer that gave none.
   */
  readonly attemptId: number | undefined;
  /** An offer's try: whether the other side's answer came. */
  answered: boolean;
}

/**
 * Turns the signalling server's introductions into WebRTC data channels: initiates connections to the
 * peers present when we joined, answers the offers of peers who join later, and relays every signal
 * through the server. Each opened channel becomes a `PeerLink` for the engine.
 */
export class SwarmConnector {
  readonly #deps: SwarmConnectorDeps;
  readonly #pending = new Map<PeerId, Pending>();
  /** Open connections, by peer. */
  readonly #connected = new Map<PeerId, SimplePeerInstance>();
  readonly #unsubscribe: Array<() => void> = [];
  /** Tries waiting to be made again, by peer. */
  readonly #retries = new Map<PeerId, CancelTimer>();
  /**
   * Peers whose offer crossed ours and lost (see `acceptSignal`): their candidates are of that offer's
   * connection, not ours, and are dropped until their answer to our offer comes.
   */
  readonly #crossedOffers = new Set<PeerId>();
  /** The swarm's seeder, from the latest table (`seederPeerId`). */
  #seederPeerId: PeerId | undefined;
  /** What every connection from now on is made with (`iceServers`). */
  #iceServers: readonly IceServer[];
  readonly #offers: OfferBudget;
  readonly #setTimer: Clock['setTimer'];
  #destroyed = false;
  /** The server refused a signal's try id (`attempt`): one from before them. */
  #attemptsRefused = false;

  constructor(deps: SwarmConnectorDeps) {
    this.#deps = deps;
    this.#iceServers = deps.iceServers;
    this.#offers = new OfferBudget(deps.nowMs);
    this.#setTimer = deps.setTimer ?? browserClock.setTimer;
    const onRelay = ({ from, signal, attempt }: SignalRelay): void => this.acceptSignal(from, signal, attempt);
    const onLeft = ({ peerId }: { peerId: PeerId }): void => {
      this.#retries.get(peerId)?.();
      this.#retries.delete(peerId);
      this.#crossedOffers.delete(peerId);
      this.#offers.forget(peerId);
      this.#abandon(peerId, 'left the swarm', { retry: false, quiet: true });
      // Its open connection too: a member that left (from its console, keeping its connections) was in no run's
      // participants and on no screen, yet every later run opened a link to it and served it (found by review).
      // Out of `#connected` first, so its close is no loss to offer again.
      const open = this.#connected.get(peerId);
      this.#connected.delete(peerId);
      open?.destroy();
      deps.onPeerLeft?.(peerId);
    };
    this.#unsubscribe.push(deps.signalling.on('signal:relay', onRelay), deps.signalling.on('peer:left', onLeft));
  }

  /**
   * Opens connections to peers in the swarm, given in joining order, until this tab has `maxInitiatedConnections`
   * (open ones, ones being set up, and ones waiting to be tried again counted, whoever offered them): always to the
   * seeder (`seederPeerId`; the first peer while no table named it yet: the founder, in client-server runs the only
   * one that uploads, so a leecher without a connection to it could never complete), to others chosen at random. A
   * seeder opens one to every peer. Called again as the tab takes its place back after a drop, it tops up: it opened
   * up to 24 more each time, and a 64-member class drifted to a full mesh after two blips (found by review).
   */
  connectTo(peerIds: readonly PeerId[]): void {
    this.#connect(peerIds, { attempt: 1, once: false, seederNow: true });
  }

  /**
   * As `connectTo`, with one try each (`MAX_CONNECT_ATTEMPTS`'s last, not tried again; a seeder's too; a leecher's to
   * the seeder goes on as ever), none made now to a peer with a try under way or waiting: for the members this tab
   * gave up on (`connectionTopUp`), at most once a minute. `connectTo` is called only as the tab enters and takes its
   * place back, so a pair whose tries all failed (30 tabs joining over a congested access point) stayed apart for the
   * whole lesson (found by review).
   */
  topUp(peerIds: readonly PeerId[]): void {
    this.#connect(peerIds, { attempt: MAX_CONNECT_ATTEMPTS, once: true, seederNow: false });
  }

  /**
   * `connectTo`'s choice, each try started as try number `attempt` (`once`: `topUp`'s); `seederNow`: the seeder's, if
   * one is waiting, made now.
   */
  #connect(
    peerIds: readonly PeerId[],
    { attempt, once, seederNow }: { readonly attempt: number; readonly once: boolean; readonly seederNow: boolean },
  ): void {
    if (this.#destroyed) return;
    const max = this.#deps.seeds ? Infinity : (this.#deps.maxInitiatedConnections ?? DEFAULT_MAX_INITIATED_CONNECTIONS);
    if (peerIds.length === 0 || max < 1) return;
    // Tries under way or waiting count only towards peers still listed: those to peers that left while this tab was
    // away (no `peer:left` reached it) end on their own, and counted, they kept it short of the cap until its next
    // drop (found by review). `peerIds` lists every member this tab has no open connection with.
    const listed = new Set(peerIds);
    const counted = new Set([
      ...this.#connected.keys(),
      ...[...this.#pending.keys(), ...this.#retries.keys()].filter((peerId) => listed.has(peerId)),
    ]);
    const always = this.#seederPeerId ?? peerIds[0]!;
    const others = peerIds.filter((peerId) => peerId !== always && !counted.has(peerId));
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [others[i], others[j]] = [others[j]!, others[i]!];
    }
    // The seeder's connection is opened whatever the count, a try of it waiting made now (`seederNow`): a tab back
    // needs it most.
    const seeder = peerIds.includes(always) && (seederNow || !counted.has(always)) ? [always] : [];
    const room = max - counted.size - (seeder.length > 0 && !counted.has(always) ? 1 : 0);
    for (const peerId of [...seeder, ...others.slice(0, Math.max(0, room))])
      this.#open(peerId, true, { attempt, once });
  }

  /**
   * The swarm's seeder as the latest table says (its member with role `seeder`; none while it has none): this
   * tab's connection to it is tried for as long as both are in the swarm (`MAX_CONNECT_RETRY_DELAY_MS`). Told by
   * the tab, which reads the tables; `connectTo`'s first peer is not always the seeder (one already connected is
   * left out of it, and a seeder is given its leechers).
   */
  set seederPeerId(peerId: PeerId | undefined) {
    this.#seederPeerId = peerId;
  }

  /**
   * The ICE servers every connection is made with from now on, as the server's latest answer says them (its answer
   * to `swarm:resume`): restarted with STUN/TURN, it reached the tabs that took their places back, which went on
   * connecting with none (found by review). Connections open or being set up keep theirs.
   */
  set iceServers(iceServers: readonly IceServer[]) {
    this.#iceServers = iceServers;
  }

  /** Peers with an open data channel. */
  get connectedPeerIds(): ReadonlySet<PeerId> {
    return new Set(this.#connected.keys());
  }

  destroy(): void {
    this.#destroyed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const cancel of this.#retries.values()) cancel();
    this.#retries.clear();
    for (const peerId of [...this.#pending.keys()])
      this.#abandon(peerId, 'shutting down', { retry: false, quiet: true });
  }

  /**
   * Handles a signal relayed by the server (of try `attempt`, if the sender gave one); also used to replay signals
   * that arrived before this connector existed.
   */
  acceptSignal(from: PeerId, signal: SignalData, attempt?: number): void {
    if (this.#destroyed) return;
    const parsed = signalDataSchema.safeParse(signal);
    if (!parsed.success) return;
    const attemptId = signalAttemptSchema.safeParse(attempt).data;
    // Of a try given up (a busy peer's late answer, and its candidates): fed to the try going on, it failed that one on
    // its own answer ("Called in wrong state: stable"), try after try (found by review).
    const current = this.#pending.get(from);
    if (parsed.data.type !== 'offer' && attemptId !== undefined && current && current.attemptId !== attemptId) return;
    // Past its budget a peer's offer is ignored, before it costs a connection (`OfferBudget`).
    if (parsed.data.type === 'offer' && !this.#offers.take(from)) return;
    const open = this.#connected.get(from);
    if (open) {
      // An offer over an open connection: the other side lost it before this side noticed (its ICE failed
      // first) and starts over. The old one is dead; anything else for it is stale.
      if (parsed.data.type !== 'offer') return;
      this.#connected.delete(from);
      open.destroy();
    }
    if (this.#crossed(from, parsed.data)) return;
    // A connection that closed before it opened (its ICE failed, say) is gone, and a new offer replaces the
    // answer to an earlier one (the other side tried again): either way the offer starts a new connection.
    const stale = this.#pending.get(from);
    const replaced = parsed.data.type === 'offer' && stale !== undefined && !stale.initiator;
    if (stale && (stale.peer.destroyed || replaced))
      this.#abandon(from, 'replaced by a new offer', { retry: false, quiet: true });
    const pending =
      this.#pending.get(from) ??
      (parsed.data.type === 'offer' ? this.#open(from, false, { offeredAttemptId: attemptId }) : undefined);
    if (pending?.initiator && parsed.data.type === 'answer') pending.answered = true;
    try {
      // Validated above; simple-peer's typing wants a full RTCIceCandidate where a plain init object is what it uses.
      pending?.peer.signal(parsed.data as unknown as SimplePeerSignal);
    } catch (error) {
      // A peer's signal must never take the tab down (simple-peer throws on a destroyed or confused peer).
      this.#abandon(from, error instanceof Error ? error.message : String(error), { cause: 'peer' });
    }
  }

  /**
   * Both sides offered at once ("glare": after a server restart, every member connects to those it has no
   * connection with, at the same moment). An initiator cannot take an offer, and both trying again on the
   * same schedule would cross again, so one side yields: the one whose peer id sorts first drops its own
   * offer and answers the other's; the other ignores the crossing offer and its candidates, and waits for
   * the answer to its own. True when `signal` is to be dropped.
   */
  #crossed(from: PeerId, signal: SignalData): boolean {
    const ours = this.#pending.get(from);
    if (signal.type === 'offer' && ours?.initiator && !ours.peer.destroyed) {
      if (this.#deps.localPeerId < from) {
        this.#abandon(from, 'its offer crossed ours, and ours yields', { retry: false, quiet: true });
        return false;
      }
      this.#crossedOffers.add(from);
      return true;
    }
    if (!this.#crossedOffers.has(from)) return false;
    if (signal.type === 'answer' || signal.type === 'offer') {
      this.#crossedOffers.delete(from);
      return false;
    }
    return true;
  }

  #open(
    peerId: PeerId,
    initiator: boolean,
    {
      attempt = 1,
      once = false,
      offeredAttemptId,
    }: { readonly attempt?: number; readonly once?: boolean; readonly offeredAttemptId?: number | undefined } = {},
  ): Pending | undefined {
    if (this.#destroyed || this.#pending.has(peerId) || this.#connected.has(peerId)) return undefined;
    let peer: SimplePeerInstance;
    try {
      peer = this.#deps.createPeer({
        initiator,
        trickle: true,
        config: { iceServers: this.#iceServers.map(toRtcIceServer) },
        channelConfig: { ordered: true },
      });
    } catch (error) {
      // A browser without WebRTC (turned off, a locked-down webview): simple-peer throws as it is made. Thrown out of
      // a relayed offer's listener, no answer went and every other member blamed its network (found by review).
      this.#deps.onConnectError?.(peerId, error instanceof Error ? error.message : String(error), 'unsupported');
      return undefined;
    }
    // A member this tab answers (the seeder answers every newcomer) may open more data channels once connected: each
    // is closed, and told as its misbehaving (found by review).
    if (!initiator)
      keepFirstDataChannel(peer, () => {
        if (!this.#destroyed) this.#deps.onConnectError?.(peerId, EXTRA_DATA_CHANNEL_MESSAGE, 'peer');
      });
    // An offer never answered is the signalling's doing (the other side's socket dropped as it answered, or it was
    // past its offer budget), not the network's: introductions go through the server, so answers come on a network
    // that keeps laptops apart, and then ICE fails. Taken for the network's, it showed students the alarm that their
    // network may keep laptops apart (found by review).
    const cancelTimeout = this.#setTimer(CONNECT_TIMEOUT_MS, () =>
      this.#abandon(peerId, 'timed out connecting', {
        only: pending,
        cause: pending.initiator && !pending.answered ? 'signalling' : 'network',
      }),
    );
    const attemptId = initiator ? Math.floor(Math.random() * 0x80000000) : offeredAttemptId;
    const pending: Pending = {
      peer,
      cancelTimeout,
      initiator,
      attempt,
      once,
      attemptId,
      answered: false,
    };
    this.#pending.set(peerId, pending);

    peer.on('signal', (signal: SignalData) => {
      const send = async (): Promise<SignallingResult> => {
        const withId = attemptId !== undefined && !this.#attemptsRefused;
        const result = await this.#deps.signalling.sendSignal({
          to: peerId,
          signal,
          ...(withId && { attempt: attemptId }),
        });
        if (result.ok || !withId || result.error.code !== 'invalid-payload') return result;
        // A server from before try ids refuses the field: no connection ever opened through it (a headless peer from
        // a newer checkout against the teacher's server; found by review). Sent without, as before, from then on.
        this.#attemptsRefused = true;
        return this.#deps.signalling.sendSignal({ to: peerId, signal });
      };
      void send().then((result) => {
        if (result.ok) return;
        // No such member (it left, unseen by this tab: a restarted server never knew it; or it is away for a moment):
        // tried again `MAX_CONNECT_ATTEMPTS` times at most, never for ever. A seeder, which tries every member for as
        // long as both are in the swarm, offered to a departed student every 15–45 s until class ended; not tried
        // again at all, a pair whose connection was being set up when one side's socket dropped stayed apart (both
        // found by review).
        const endless = result.error.code !== 'peer-not-found';
        this.#abandon(peerId, result.error.message, { only: pending, endless, cause: 'signalling' });
      });
    });
    peer.on('connect', () => {
      if (this.#pending.get(peerId) !== pending) return;
      pending.cancelTimeout();
      this.#pending.delete(peerId);
      this.#connected.set(peerId, peer);
      let closedHere = false;
      // simple-peer tells a failure (its ICE failed) as an error just before its close; a close alone, or after
      // another error, is the other side's doing (it closed its connection, or its channel).
      let failed = false;
      const link = simplePeerLink(peer, peerId, { onClosedLocally: () => (closedHere = true) });
      peer.on('error', (error: unknown) => {
        const code = errorCodeOf(error);
        if (code !== undefined && CONNECTION_FAILURE_ERROR_CODES.has(code)) failed = true;
      });
      peer.on('close', () => {
        // Replaced already (the other side started over) is no loss.
        if (this.#connected.get(peerId) !== peer) return;
        this.#connected.delete(peerId);
        if (!closedHere) this.#lost(peerId, { initiator, failed });
      });
      this.#deps.onLink(link);
    });
    peer.on('error', (error: Error) =>
      this.#abandon(peerId, error.message, { only: pending, cause: failureCauseOf(error) }),
    );
    peer.on('close', () => this.#abandon(peerId, 'closed before it opened', { only: pending }));
    return pending;
  }

  /**
   * Gives up the pending connection to `peerId` (`only` that one, if given: a later try is not an earlier one's
   * business); one this tab initiated is tried again later unless `retry` is false.
   */
  #abandon(
    peerId: PeerId,
    message: string,
    options: {
      readonly only?: Pending;
      readonly retry?: boolean;
      /** False: tried again `MAX_CONNECT_ATTEMPTS` times at most, even the seeder (`keptTrying`). */
      readonly endless?: boolean;
      readonly quiet?: boolean;
      /** `network` unless said. */
      readonly cause?: ConnectFailureCause;
    } = {},
  ): void {
    const pending = this.#pending.get(peerId);
    if (!pending || (options.only !== undefined && options.only !== pending)) return;
    this.#pending.delete(peerId);
    if (pending.initiator) this.#crossedOffers.delete(peerId);
    pending.cancelTimeout();
    pending.peer.destroy();
    if (this.#destroyed) return;
    if (!options.quiet) this.#deps.onConnectError?.(peerId, message, options.cause ?? 'network');
    if (options.retry === false || !pending.initiator) return;
    const toSeeder = peerId === this.#seederPeerId;
    const keptTrying =
      options.endless !== false &&
      (pending.once ? toSeeder && this.#deps.seeds !== true : this.#deps.seeds === true || toSeeder);
    if ((pending.once || pending.attempt >= MAX_CONNECT_ATTEMPTS) && !keptTrying) return;
    this.#openLater(peerId, { attempt: pending.attempt + 1, once: pending.once });
  }

  /**
   * An open connection closed without this side closing it (`link.close()`): its ICE failed (`failed`: a laptop
   * moved to another access point, or slept), or the other side closed it or its channel broke. Nothing else would
   * ever connect the pair again while both stay in the swarm (newcomers initiate; the signalling connection did not
   * drop), so the side that initiated it opens it again, with a fresh set of tries. If the other side left the
   * swarm, its `peer:left` cancels that. A connection the other side closed on purpose (it dropped this tab, or
   * it is leaving) is offered again too; its side decides whether to take it.
   *
   * The side that answered offers it again too, `LOST_ANSWERER_DELAY_MS` later, once its ICE failed
   * (`CONNECTION_FAILURE_ERROR_CODES`, not any error before the close): the side that offered may have given up while
   * this one was away. Not when the other side closed it: that side offers again if it offered it, and one that
   * dropped this tab would be offered the connection it dropped.
   */
  #lost(peerId: PeerId, { initiator, failed }: { readonly initiator: boolean; readonly failed: boolean }): void {
    if (this.#destroyed) return;
    this.#deps.onConnectError?.(peerId, CONNECTION_LOST_MESSAGE, 'lost');
    if (initiator) this.#openLater(peerId, { attempt: 1 });
    else if (failed) this.#openLater(peerId, { attempt: 1, laterMs: LOST_ANSWERER_DELAY_MS });
  }

  /**
   * Opens the connection to `peerId` again (try number `attempt`, `once` as the try it follows) after `laterMs` and the
   * retry delay, doubling up to `MAX_CONNECT_RETRY_DELAY_MS`, randomised by half. A connection open or being set up by
   * then is left as it is.
   */
  #openLater(
    peerId: PeerId,
    {
      attempt,
      laterMs = 0,
      once = false,
    }: { readonly attempt: number; readonly laterMs?: number; readonly once?: boolean },
  ): void {
    const doubledMs = CONNECT_RETRY_DELAY_MS * 2 ** Math.min(16, Math.max(0, attempt - 2));
    const delayMs = laterMs + Math.min(doubledMs, MAX_CONNECT_RETRY_DELAY_MS) * (0.5 + Math.random());
    this.#retries.get(peerId)?.();
    this.#retries.set(
      peerId,
      this.#setTimer(delayMs, () => {
        this.#retries.delete(peerId);
        if (!this.#destroyed) this.#open(peerId, true, { attempt, once });
      }),
    );
  }
}

function toRtcIceServer({ urls, username, credential }: IceServer): RTCIceServer {
  return { urls, ...(username !== undefined && { username }), ...(credential !== undefined && { credential }) };
}
