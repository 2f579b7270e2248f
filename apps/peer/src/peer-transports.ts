import type { Clock, PeerLink } from '@swarmlab/engine';
import type { IceServer, PeerId, SignalRelay, SwarmProgress } from '@swarmlab/protocol';
import {
  connectionTopUp,
  ConnectTrouble,
  RunLinks,
  SwarmConnector,
  type ConnectorPlace,
  type ConnectTroubleNotice,
  type PeerFactory,
  type SignallingClient,
} from '@swarmlab/webrtc';
import { polledDrainLink } from './polled-drain-link';

export interface PeerTransportsDeps {
  readonly signalling: SignallingClient;
  readonly createPeer: PeerFactory;
  readonly clock: Clock;
  /**
   * Tries to connect fail while none is open, or to the seeder, or, when it seeds, to any member not connected: told at
   * most once a minute (`ConnectTrouble`).
   */
  readonly onConnectTrouble?: (notice: ConnectTroubleNotice) => void;
}

/**
 * A headless peer's WebRTC connections to the others in its swarm, each kept as `RunLinks` (one data channel
 * carrying run after run), as a tab's `SwarmMembership` keeps them. Offers that arrive before the peer has
 * entered the swarm are kept and answered on `enter`.
 */
export class PeerTransports {
  readonly #deps: PeerTransportsDeps;
  readonly #transports = new Map<PeerId, RunLinks>();
  readonly #earlySignals: SignalRelay[] = [];
  readonly #trouble: ConnectTrouble;
  /** Stops keeping early signals. */
  readonly #stopKeeping: () => void;
  #connector: SwarmConnector | undefined;
  #onTransport: (transport: RunLinks) => void = () => {};
  #seederPeerId: PeerId | undefined;
  /** Tops the connections up from a table, at most once a minute (`connectionTopUp`); set on `enter`. */
  #topUp: (progress: SwarmProgress) => void = () => {};

  constructor(deps: PeerTransportsDeps) {
    this.#deps = deps;
    this.#trouble = new ConnectTrouble({
      nowMs: () => deps.clock.nowMs(),
      ...(deps.onConnectTrouble && { onNotice: deps.onConnectTrouble }),
    });
    this.#stopKeeping = deps.signalling.on('signal:relay', (event) => void this.#earlySignals.push(event));
  }

  /** Its tries to connect fail and none is open (`ConnectTrouble.cannotConnect`). */
  get cannotConnect(): boolean {
    return this.#trouble.cannotConnect;
  }

  /** Peers with an open data channel. */
  get connectedPeers(): number {
    return this.#transports.size;
  }

  /** The transports still open, in the order they opened. */
  get open(): RunLinks[] {
    return [...this.#transports.values()].filter((transport) => !transport.closed);
  }

  /** In the swarm as `entered`: answers offers (the early ones first) and hands every transport that opens to `onTransport`. */
  enter(entered: ConnectorPlace, onTransport: (transport: RunLinks) => void): void {
    this.#onTransport = onTransport;
    const { signalling, clock } = this.#deps;
    const connector = new SwarmConnector({
      ...entered,
      signalling,
      createPeer: this.#deps.createPeer,
      onLink: (link) => this.#add(link),
      onConnectError: (peerId, message, cause) => this.#trouble.failed(peerId, message, cause),
      onPeerLeft: (peerId) => this.#trouble.forget(peerId),
      nowMs: () => clock.nowMs(),
      setTimer: (delayMs, callback) => clock.setTimer(delayMs, callback),
    });
    this.#connector = connector;
    connector.seederPeerId = this.#seederPeerId;
    // A seeding peer tells of every member that cannot connect to it, whatever else is open (`ConnectTrouble`).
    this.#trouble.localPeerId = entered.localPeerId;
    this.#topUp = connectionTopUp({
      localPeerId: entered.localPeerId,
      nowMs: () => clock.nowMs(),
      topUp: (peerIds) => connector.topUp(peerIds),
    });
    this.#stopKeeping();
    for (const { from, signal, attempt } of this.#earlySignals.splice(0)) connector.acceptSignal(from, signal, attempt);
  }

  /**
   * The server's latest table: its seeder's connection is tried for as long as both are in the swarm, and the
   * connections are topped up from its members at most once a minute (`connectionTopUp`).
   */
  tableArrived(progress: SwarmProgress): void {
    this.seederPeerId = progress.peers.find((peer) => peer.role === 'seeder')?.peerId;
    this.#trouble.keepOnly(progress.peers.map((peer) => peer.peerId));
    this.#topUp(progress);
  }

  /** The swarm's seeder as the latest table says: the connection to it is tried for as long as both are in it. */
  set seederPeerId(peerId: PeerId | undefined) {
    this.#seederPeerId = peerId;
    if (this.#connector) this.#connector.seederPeerId = peerId;
    this.#trouble.seederPeerId = peerId;
  }

  /**
   * The ICE servers every connection is made with from now on: the server's answer as the peer takes its place back
   * (restarted with STUN/TURN, say). Before `enter`, nothing to change: the place it enters with names them.
   */
  set iceServers(iceServers: readonly IceServer[]) {
    if (this.#connector) this.#connector.iceServers = iceServers;
  }

  /** Opens connections to the peers named (those not connected yet). */
  connectTo(peerIds: readonly PeerId[]): void {
    this.#connector?.connectTo(peerIds.filter((peerId) => this.#transports.get(peerId)?.closed ?? true));
  }

  close(): void {
    this.#stopKeeping();
    for (const transport of this.#transports.values()) transport.destroy();
    this.#transports.clear();
    this.#connector?.destroy();
  }

  #add(link: PeerLink): void {
    const peerId = link.remotePeerId;
    this.#transports.get(peerId)?.destroy();
    const transport = new RunLinks(polledDrainLink(link, this.#deps.clock), {
      onClose: () => {
        if (this.#transports.get(peerId) !== transport) return;
        this.#transports.delete(peerId);
        this.#trouble.closed(peerId);
      },
    });
    this.#transports.set(peerId, transport);
    this.#trouble.opened(peerId);
    this.#onTransport(transport);
  }
}
