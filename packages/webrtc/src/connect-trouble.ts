import type { PeerId } from '@swarmlab/protocol';

/** How often the same trouble is told again while it lasts (each peer's try fails every 20 s or so). */
export const CONNECT_TROUBLE_REPEAT_MS = 60_000;

/** What to tell the user of tries that fail while no connection is open. */
export interface ConnectTroubleNotice {
  /** The latest try that failed: its peer, and why. */
  readonly peerId: PeerId;
  readonly message: string;
  /** Tries failed since a connection last opened. */
  readonly failures: number;
}

/**
 * Connections that fail while none is open. On a network where laptops cannot reach each other (Wi-Fi client
 * isolation; multicast blocked, so the mDNS names Chromium gives for LAN addresses do not resolve; a firewall
 * dropping UDP) every try fails, and the page and the headless peer showed "0 peers connected" and nothing else
 * (found by review). `notice` is the trouble to show while no connection is open; `onNotice` hears it at most once
 * per `CONNECT_TROUBLE_REPEAT_MS`. A connection that opens ends it.
 */
export class ConnectTrouble {
  readonly #nowMs: () => number;
  readonly #onNotice: ((notice: ConnectTroubleNotice) => void) | undefined;
  #notice: ConnectTroubleNotice | undefined;
  #open = 0;
  #toldAtMs = -Infinity;

  constructor(options: { readonly nowMs: () => number; readonly onNotice?: (notice: ConnectTroubleNotice) => void }) {
    this.#nowMs = options.nowMs;
    this.#onNotice = options.onNotice;
  }

  /** The trouble to show: tries failed and no connection open; undefined otherwise. */
  get notice(): ConnectTroubleNotice | undefined {
    return this.#open === 0 ? this.#notice : undefined;
  }

  /** A try to connect to `peerId` failed (`SwarmConnectorDeps.onConnectError`). */
  failed(peerId: PeerId, message: string): void {
    // With a connection open, the tab is in the swarm: one peer out of reach is no trouble to tell.
    if (this.#open > 0) return;
    this.#notice = { peerId, message, failures: (this.#notice?.failures ?? 0) + 1 };
    if (!this.#onNotice) return;
    const nowMs = this.#nowMs();
    if (nowMs - this.#toldAtMs < CONNECT_TROUBLE_REPEAT_MS) return;
    this.#toldAtMs = nowMs;
    this.#onNotice(this.#notice);
  }

  /** How many connections are open now: one that opened ends the trouble. */
  set openConnections(count: number) {
    if (count > this.#open) {
      this.#notice = undefined;
      this.#toldAtMs = -Infinity;
    }
    this.#open = count;
  }
}
