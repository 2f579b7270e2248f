import type { PeerProgress, SwarmProgress } from '@swarmlab/protocol';

/** A card of the projector: its peer's row, and whether the peer has left the swarm (a completer that went). */
export interface CardPeer {
  readonly peer: PeerProgress;
  readonly left: boolean;
}

/**
 * The projector's cards: the swarm's members in the table's order, then each leecher of the run shown that completed
 * and has left the swarm since (it closed its tab), as last seen while a member: its name, its whole bitmap, its
 * time. A completer that went lost its card, and every other card moved to fill the gap, in the middle of a class's
 * run (found by review; the every-peer chart keeps such lines the same way, `chart-peers.ts`). Its row is marked away
 * (no rates: it sends nothing any more).
 */
export class CardPeers {
  #runNumber: number | undefined;
  /** Each peer's latest row while it was a member, in the run shown. */
  readonly #lastSeen = new Map<string, PeerProgress>();

  cardsOf(progress: Pick<SwarmProgress, 'peers' | 'run'>): readonly CardPeer[] {
    const { peers, run } = progress;
    if (run?.runNumber !== this.#runNumber) {
      this.#runNumber = run?.runNumber;
      this.#lastSeen.clear();
    }
    for (const peer of peers) this.#lastSeen.set(peer.peerId, peer);
    const cards: CardPeer[] = peers.map((peer) => ({ peer, left: false }));
    const members = new Set(peers.map((peer) => peer.peerId));
    for (const participant of run?.participants ?? []) {
      if (members.has(participant.peerId) || participant.role !== 'leecher' || participant.completedAfterMs === null)
        continue;
      const seen = this.#lastSeen.get(participant.peerId);
      const peer: PeerProgress = seen
        ? { ...seen, away: true }
        : {
            peerId: participant.peerId,
            name: null,
            role: 'leecher',
            report: null,
            joinedAfterMs: 0,
            override: {},
            flagged: null,
            away: true,
          };
      cards.push({ peer, left: true });
    }
    return cards;
  }
}
