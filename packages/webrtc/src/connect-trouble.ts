import type { PeerId } from '@swarmlab/protocol';
import type { ConnectFailureCause } from './swarm-connector';

/** How often the same trouble is told again while it lasts (each peer's try fails every 20 s or so). */
export const CONNECT_TROUBLE_REPEAT_MS = 60_000;

/** Failed tries of one peer before the seeder's page, other peers connected to it, counts that peer as trouble. */
export const SEEDER_ALARM_TRIES = 2;

/** What to tell the user of tries to connect that fail. */
export interface ConnectTroubleNotice {
  /** The latest try that failed: its peer, and why. */
  readonly peerId: PeerId;
  readonly message: string;
  /** Tries failed, of the peers still failing. */
  readonly failures: number;
  /** The seeder is among the peers failing: no chunk nobody else holds will come. */
  readonly seederUnreachable: boolean;
  /**
   * This member seeds (it is the latest table's seeder): `failingPeers` members cannot connect to it, though others
   * may have.
   */
  readonly seeding: boolean;
  /** Peers whose tries fail, none of them connected to this member. */
  readonly failingPeers: number;
}

/**
 * Tries to connect that fail. On a network where laptops cannot reach each other (Wi-Fi client isolation; multicast
 * blocked, so the mDNS names Chromium gives for LAN addresses do not resolve; a firewall dropping UDP) every try fails,
 * and the page and the headless peer showed "0 peers connected" and nothing else (found by review).
 *
 * `notice` is the trouble to show: tries failing while no connection is open, or tries to the seeder failing while
 * none to it is open (two tabs on one laptop reach each other, and neither the seeder). On the seeder's own page
 * (`localPeerId` is the table's `seederPeerId`) any peer failing counts, whatever else is open: the teacher seeding with
 * a tab of their own open beside it saw nothing while every student's card stayed at 0 % (found by review). A peer
 * stops failing when its
 * connection opens or it leaves the swarm (`forget`). A lost connection is no failed try: it had opened, so the
 * network works (the seeder's page showed the alarm for good once its last student closed the tab); nor is a signal
 * the server refused. `onNotice` hears the trouble at most once per `CONNECT_TROUBLE_REPEAT_MS`.
 */
export class ConnectTrouble {
  readonly #nowMs: () => number;
  readonly #onNotice: ((notice: ConnectTroubleNotice) => void) | undefined;
  /** Peers whose tries fail, the latest last: why, and how many tries. */
  readonly #failing = new Map<PeerId, { readonly message: string; readonly tries: number }>();
  readonly #open = new Set<PeerId>();
  #seederPeerId: PeerId | undefined;
  #localPeerId: PeerId | undefined;
  #toldAtMs = -Infinity;

  constructor(options: { readonly nowMs: () => number; readonly onNotice?: (notice: ConnectTroubleNotice) => void }) {
    this.#nowMs = options.nowMs;
    this.#onNotice = options.onNotice;
  }

  /** The trouble to show, if any. */
  get notice(): ConnectTroubleNotice | undefined {
    const seeder = this.#seederPeerId;
    const seeding = seeder !== undefined && seeder === this.#localPeerId;
    let failing = [...this.#failing].filter(([peerId]) => !this.#open.has(peerId));
    const seederUnreachable = seeder !== undefined && failing.some(([peerId]) => peerId === seeder);
    if (this.#open.size > 0 && !seederUnreachable) {
      if (!seeding) return undefined;
      // Others connected to the seeder: a peer whose one try timed out on a busy access point (its next try 1–3 s
      // later connects) is no network keeping laptops apart; told of at its first failure, the teacher was told to give
      // the server a STUN server (found by review).
      failing = failing.filter(([, { tries }]) => tries >= SEEDER_ALARM_TRIES);
    }
    if (failing.length === 0) return undefined;
    const [peerId, latest] = failing.at(-1)!;
    let failures = 0;
    for (const [, { tries }] of failing) failures += tries;
    return { peerId, message: latest.message, failures, seederUnreachable, seeding, failingPeers: failing.length };
  }

  /**
   * Whether this member cannot connect at all: its tries fail and none is open (not a seeder's notice, whose peers fail
   * to reach it; nor one of a peer that reaches others but not the seeder, which the screens would have shown as
   * cut off while it downloaded from them: found by review). What its progress reports say
   * (`ProgressReport.cannotConnect`).
   */
  get cannotConnect(): boolean {
    const notice = this.notice;
    return notice !== undefined && !notice.seeding && this.#open.size === 0;
  }

  /** The swarm's seeder, as the latest table says. */
  set seederPeerId(peerId: PeerId | undefined) {
    this.#seederPeerId = peerId;
  }

  /** This member's own peer id, as it entered the swarm: whether it seeds is the table's say (`seederPeerId`). */
  set localPeerId(peerId: PeerId | undefined) {
    this.#localPeerId = peerId;
  }

  /**
   * A try to connect to `peerId` failed (`SwarmConnectorDeps.onConnectError`). Only a `network` failure counts: a lost
   * connection had opened, and a refused signal says the peer is away (a seeder's socket dropping for a moment showed
   * every page the alarm; found by review).
   */
  failed(peerId: PeerId, message: string, cause: ConnectFailureCause = 'network'): void {
    if (cause !== 'network') return;
    const tries = (this.#failing.get(peerId)?.tries ?? 0) + 1;
    this.#failing.delete(peerId);
    this.#failing.set(peerId, { message, tries });
    const notice = this.notice;
    if (!notice || !this.#onNotice) return;
    const nowMs = this.#nowMs();
    if (nowMs - this.#toldAtMs < CONNECT_TROUBLE_REPEAT_MS) return;
    this.#toldAtMs = nowMs;
    this.#onNotice(notice);
  }

  /** A connection to `peerId` opened: its tries no longer fail. */
  opened(peerId: PeerId): void {
    this.#open.add(peerId);
    this.#failing.delete(peerId);
    if (!this.notice) this.#toldAtMs = -Infinity;
  }

  /** The connection to `peerId` closed. */
  closed(peerId: PeerId): void {
    this.#open.delete(peerId);
  }

  /**
   * The members the latest table lists: a failing peer not among them left unseen (its `peer:left` went to a connection
   * that was down), and the seeder's page said for the rest of the lesson that it could not connect (found by review).
   */
  keepOnly(peerIds: Iterable<PeerId>): void {
    const listed = new Set(peerIds);
    for (const peerId of [...this.#failing.keys()]) if (!listed.has(peerId)) this.#failing.delete(peerId);
  }

  /** `peerId` left the swarm: nothing is tried with it any more. */
  forget(peerId: PeerId): void {
    this.#failing.delete(peerId);
    this.#open.delete(peerId);
  }
}
