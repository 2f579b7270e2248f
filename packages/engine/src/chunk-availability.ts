import { PeerHoldings } from './peer-holdings';
import { PiecePicker } from './piece-picker';
import type { Random } from './random';

/** Which chunks each peer holds, read only: the `PeerHoldings` that `ChunkAvailability` keeps. */
export type HoldingsView = Pick<PeerHoldings, 'chunkCount' | 'has' | 'count'>;

/** How many connected peers hold each chunk, read only. */
export type AvailabilityView = Pick<PiecePicker, 'availability'>;

/**
 * What the connected peers hold: each peer's announced chunks (`PeerHoldings`, by holdings column) and,
 * kept in step with them, how many peers hold each chunk, by which the `PiecePicker` ranks our next
 * chunk. The one writer of both: the `SwarmEngine` adds and removes peers and records what they
 * announce; the `Downloader` withdraws a chunk a peer will not serve, reports each chunk we come to
 * hold, and picks. Everyone reads `holdings` and `counts`.
 */
export class ChunkAvailability {
  readonly holdings: HoldingsView;
  readonly counts: AvailabilityView;
  readonly #holdings: PeerHoldings;
  readonly #picker: PiecePicker;

  constructor(chunkCount: number, random: Random, randomFirstChunks: number) {
    this.holdings = this.#holdings = new PeerHoldings(chunkCount);
    this.counts = this.#picker = new PiecePicker(chunkCount, random, randomFirstChunks);
  }

  /** A holdings column for a new peer, holding nothing. */
  addPeer(): number {
    return this.#holdings.addPeer();
  }

  /** The peer in `column` left: its chunks count no more, and its column is freed. */
  removePeer(column: number): void {
    for (let index = 0; index < this.#holdings.chunkCount; index++)
      if (this.#holdings.has(column, index)) this.#picker.peerLost(index);
    this.#holdings.removePeer(column);
  }

  /** The peer in `column` announced `chunkIndex`; false if it already had. */
  announced(column: number, chunkIndex: number): boolean {
    if (!this.#holdings.set(column, chunkIndex)) return false;
    this.#picker.peerGained(chunkIndex);
    return true;
  }

  /** The peer in `column` will not serve `chunkIndex` after all; false if it was not counted. */
  withdrawn(column: number, chunkIndex: number): boolean {
    if (!this.#holdings.unset(column, chunkIndex)) return false;
    this.#picker.peerLost(chunkIndex);
    return true;
  }

  /** We hold `chunkIndex` (verified and stored): it is never picked again. */
  weHold(chunkIndex: number): void {
    this.#picker.held(chunkIndex);
  }

  /** See `PiecePicker.pick`. */
  pick(isCandidate: (chunkIndex: number) => boolean, chunksHeld: number): number | undefined {
    return this.#picker.pick(isCandidate, chunksHeld);
  }
}
