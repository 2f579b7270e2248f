import type { PeerLink } from '@swarmlab/engine';
import type {
  FormerPlace,
  DisplayName,
  PeerId,
  PeerOverride,
  ProgressReport,
  RunStarted,
  SignallingResult,
  SignalRelay,
  SwarmCreated,
  SwarmCreateRequest,
  SwarmJoined,
  SwarmProgress,
} from '@swarmlab/protocol';
import {
  browserClock,
  browserPeerFactory,
  connectionTopUp,
  ConnectTrouble,
  RunLinks,
  SignallingClient,
  SwarmConnector,
  SwarmRejoin,
  takePlace,
  type ConnectorPlace,
  type ConnectTroubleNotice,
  type PeerFactory,
  type PlaceTaken,
  type RejoinRequest,
  type RejoinStatus,
} from '@swarmlab/webrtc';
import { warnIgnored } from '../signalling-message';
import { signallingRunController, type RunRequests } from './run-controller';

/** What the server tells a member of a swarm, as it happens. */
export interface MembershipEvents {
  readonly onProgress: (progress: SwarmProgress) => void;
  readonly onRunStarted: (run: RunStarted) => void;
  readonly onRunStopped: (runNumber: number) => void;
}

export interface SwarmMembershipOptions extends MembershipEvents {
  /** Signalling server; the page's own origin when absent. */
  readonly signallingUrl?: string | undefined;
  readonly createPeer?: PeerFactory | undefined;
  /** What to take this tab's place back with when the signalling connection comes back (`SwarmRejoin`). */
  readonly rejoinRequest: () => RejoinRequest | undefined;
  /** The signalling connection's story as the user should know it; `back` after connecting to the peers it names. */
  readonly onRejoin: (status: RejoinStatus) => void;
}

/**
 * One tab's place in one swarm: its signalling connection and a WebRTC connection to every peer it
 * meets, each kept as `RunLinks` (one transport that carries run after run). Knows nothing of engines:
 * whoever runs one asks for the open transports and hears of each new one.
 */
export class SwarmMembership {
  #connectedPeers = $state(0);
  /**
   * Tries to connect that failed while none was open, or to the seeder, or, on the seeder's page, to any peer not
   * connected (`ConnectTrouble`), as the page shows them.
   */
  #connectTrouble = $state.raw<ConnectTroubleNotice | undefined>();
  readonly #trouble = new ConnectTrouble({ nowMs: () => performance.now() });
  /** Start, stop and configure runs: sentences for the user when the server refuses. */
  readonly runs: RunRequests;
  readonly #signalling: SignallingClient;
  readonly #createPeer: PeerFactory;
  readonly #earlySignals: SignalRelay[] = [];
  /** Stops keeping early signals. */
  readonly #stopKeeping: () => void;
  // Plain bookkeeping, never rendered (`connectedPeers` is its reactive count).
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #transports = new Map<PeerId, RunLinks>();
  #connector: SwarmConnector | undefined;
  readonly #rejoin: SwarmRejoin;
  #onTransport: (transport: RunLinks) => void = () => {};
  /** The seeder in the latest table, for the connector. */
  #seederPeerId: PeerId | undefined;
  /** Tops the connections up from a table, at most once a minute (`connectionTopUp`); set as it enters. */
  #topUp: (progress: SwarmProgress) => void = () => {};

  constructor(options: SwarmMembershipOptions) {
    this.#createPeer = options.createPeer ?? browserPeerFactory;
    const signalling = SignallingClient.connect(options.signallingUrl);
    signalling.onMalformedMessage(warnIgnored);
    signalling.on('swarm:progress', (progress) => {
      // Its connection to the seeder is tried for as long as both are in the swarm (`SwarmConnector`).
      this.#seederPeerId = progress.peers.find((peer) => peer.role === 'seeder')?.peerId;
      if (this.#connector) this.#connector.seederPeerId = this.#seederPeerId;
      this.#trouble.seederPeerId = this.#seederPeerId;
      this.#trouble.keepOnly(progress.peers.map((peer) => peer.peerId));
      this.#connectTrouble = this.#trouble.notice;
      this.#topUp(progress);
      options.onProgress(progress);
    });
    signalling.on('run:started', options.onRunStarted);
    signalling.on('run:stopped', ({ runNumber }) => options.onRunStopped(runNumber));
    // A peer that joins right after us may send its offer before our connector exists: keep it.
    this.#stopKeeping = signalling.on('signal:relay', (event) => void this.#earlySignals.push(event));
    this.#signalling = signalling;
    this.runs = signallingRunController(signalling);
    this.#rejoin = new SwarmRejoin(signalling, {
      request: options.rejoinRequest,
      onStatus: (status) => {
        if (status.state === 'back') {
          // The server's ICE servers now (restarted with STUN/TURN, say), for every connection from here on.
          const { iceServers } = status.resumed;
          if (iceServers !== undefined && this.#connector) this.#connector.iceServers = iceServers;
          // Peers that joined, or whose connection closed, while this tab was away: connect to them, up to the cap.
          this.connectTo(status.resumed.peers);
        }
        options.onRejoin(status);
      },
    });
  }

  /** `SignallingClient.connectionNumber`: which connection an answer came on. */
  get connectionNumber(): number {
    return this.#signalling.connectionNumber;
  }

  /** Peers with an open WebRTC connection to this tab. */
  get connectedPeers(): number {
    return this.#connectedPeers;
  }

  /** Its tries to connect fail and none is open (`ConnectTrouble.cannotConnect`): what its progress reports say. */
  get cannotConnect(): boolean {
    return this.#trouble.cannotConnect;
  }

  /** Tries to connect that fail, as `ConnectTrouble.notice` tells them: undefined while there is no trouble. */
  get connectTrouble(): ConnectTroubleNotice | undefined {
    return this.#connectTrouble;
  }

  /** The transports still open, in the order they opened. */
  get openTransports(): RunLinks[] {
    return [...this.#transports.values()].filter((transport) => !transport.closed);
  }

  createSwarm(request: SwarmCreateRequest): Promise<SignallingResult<SwarmCreated>> {
    return this.#signalling.createSwarm(request);
  }

  /**
   * Joins `swarmId`, presenting `control` (the swarm's control secret) if this tab holds it. `formerPlace`: this
   * tab's place before its page reloaded, to be given back if the run going on holds it. `entryKey`: the member key
   * this entry asks under, the same each time it is asked again (`SwarmJoinRequest.entryKey`).
   */
  joinSwarm(
    swarmId: string,
    control?: string,
    formerPlace?: FormerPlace,
    entryKey?: string,
  ): Promise<SignallingResult<SwarmJoined>> {
    return this.#signalling.joinSwarm({
      swarmId,
      ...(control !== undefined && { control }),
      ...(formerPlace !== undefined && { formerPlace }),
      ...(entryKey !== undefined && { entryKey }),
    });
  }

  /** Takes a place in a swarm by `request` (a tab seeding its swarm again after its seeder left: `takePlace`). */
  takePlace(request: RejoinRequest): Promise<PlaceTaken> {
    return takePlace(this.#signalling, request);
  }

  /** Sets this member's own links (`peerId` is its own), with the server's answer as it came. */
  configureOwnLinks(peerId: PeerId, override: PeerOverride): Promise<SignallingResult> {
    return this.#signalling.configurePeer({ peerId, override });
  }

  /** Sets this member's display name for every screen (null: none). */
  setName(name: DisplayName | null): Promise<SignallingResult> {
    return this.#signalling.setName({ name });
  }

  reportProgress(report: ProgressReport): Promise<SignallingResult> {
    return this.#signalling.reportProgress(report);
  }

  /**
   * In the swarm as `entered`: answers offers (those that came early first) and hands every transport that
   * opens to `onTransport`. `answeredOn`: the connection the place was given on (`connectionNumber`), if time
   * passed since (a join's answer checked): a place given to a connection gone since is taken back now.
   */
  enter(entered: ConnectorPlace, onTransport: (transport: RunLinks) => void, answeredOn?: number): void {
    this.#onTransport = onTransport;
    const connector = new SwarmConnector({
      ...entered,
      signalling: this.#signalling,
      createPeer: this.#createPeer,
      onLink: (link) => this.#addTransport(link),
      onConnectError: (peerId, message, cause) => {
        // Not the network's: not shown (`ConnectTrouble`), but where a developer looks.
        if (cause === 'peer' || cause === 'unsupported')
          console.warn(`swarmlab: connecting to ${peerId} failed (${cause}): ${message}`);
        this.#trouble.failed(peerId, message, cause);
        this.#connectTrouble = this.#trouble.notice;
      },
      onPeerLeft: (peerId) => {
        this.#trouble.forget(peerId);
        this.#connectTrouble = this.#trouble.notice;
      },
      // Its timeouts and waits between tries run on while the tab is hidden: a page's own timers are throttled.
      setTimer: browserClock.setTimer,
    });
    this.#connector = connector;
    connector.seederPeerId = this.#seederPeerId;
    // On the seeder's own page every student that cannot connect is trouble, whatever else is open (`ConnectTrouble`).
    this.#trouble.localPeerId = entered.localPeerId;
    this.#connectTrouble = this.#trouble.notice;
    this.#topUp = connectionTopUp({
      localPeerId: entered.localPeerId,
      nowMs: browserClock.nowMs,
      topUp: (peerIds) => connector.topUp(peerIds),
    });
    this.#stopKeeping();
    for (const { from, signal, attempt } of this.#earlySignals.splice(0)) connector.acceptSignal(from, signal, attempt);
    if (answeredOn !== undefined) this.#rejoin.entered(answeredOn);
  }

  /**
   * Opens connections to the peers in the swarm (those not connected yet), as it enters or takes its place back: up
   * to the connector's cap, counting those open (`SwarmConnector.connectTo`).
   */
  connectTo(peerIds: readonly PeerId[]): void {
    this.#connector?.connectTo(peerIds.filter((peerId) => this.#transports.get(peerId)?.closed ?? true));
  }

  /**
   * Closes every connection and the signalling connection: the server takes it as this tab leaving, or, `asDrop`, as
   * its connection dropping (it keeps the place for its grace period: `SignallingClient.dropConnection`).
   */
  close(options: { readonly asDrop?: boolean } = {}): void {
    this.#rejoin.close();
    for (const transport of this.#transports.values()) transport.destroy();
    this.#transports.clear();
    this.#connector?.destroy();
    if (options.asDrop) this.#signalling.dropConnection();
    else this.#signalling.disconnect();
  }

  #connectionsChanged(): void {
    this.#connectedPeers = this.#transports.size;
    this.#connectTrouble = this.#trouble.notice;
  }

  #addTransport(link: PeerLink): void {
    const peerId = link.remotePeerId;
    this.#transports.get(peerId)?.destroy();
    const transport = new RunLinks(link, {
      onClose: () => {
        if (this.#transports.get(peerId) !== transport) return;
        this.#transports.delete(peerId);
        this.#trouble.closed(peerId);
        this.#connectionsChanged();
      },
    });
    this.#transports.set(peerId, transport);
    this.#trouble.opened(peerId);
    this.#connectionsChanged();
    this.#onTransport(transport);
  }
}
