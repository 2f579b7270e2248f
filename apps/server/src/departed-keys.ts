import type { PeerId } from '@swarmlab/protocol';
import { sameControlDigest, type ControlDigest } from './control-secret';

/**
 * The member-key hashes of a swarm's members that left, so that a peer id stays its owner's after it went:
 * `swarm:resume` names the peer id it takes, and without this anyone with the link could take a departed
 * member's id (its row, its name on every screen) or, between runs, the founder's (whose tab then could not
 * come back as the seeder).
 *
 * Bounded: past `maxEntries` the longest gone is forgotten, and its id is free again. Keys are kept as the
 * swarm record keeps them, base64url.
 */
export class DepartedKeys {
  readonly #keyDigests = new Map<PeerId, string>();

  constructor(
    private readonly maxEntries: number,
    entries: readonly (readonly [PeerId, string])[] = [],
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive whole number (got ${maxEntries})`);
    for (const [peerId, keyDigest] of entries) this.remember(peerId, keyDigest);
  }

  /** `peerId` left; only `keyDigest` may take its id again. */
  remember(peerId: PeerId, keyDigest: string): void {
    // Re-inserted, so that it counts as the latest to leave.
    this.#keyDigests.delete(peerId);
    this.#keyDigests.set(peerId, keyDigest);
    if (this.#keyDigests.size > this.maxEntries) {
      const oldest = this.#keyDigests.keys().next().value as PeerId;
      this.#keyDigests.delete(oldest);
    }
  }

  /** Whether a member presenting `keyDigest` may take the id `peerId`: nobody else left under it. */
  allows(peerId: PeerId, keyDigest: ControlDigest): boolean {
    const kept = this.#keyDigests.get(peerId);
    return kept === undefined || sameControlDigest(Buffer.from(kept, 'base64url'), keyDigest);
  }

  /** `peerId` is a member again. */
  forget(peerId: PeerId): void {
    this.#keyDigests.delete(peerId);
  }

  has(peerId: PeerId): boolean {
    return this.#keyDigests.has(peerId);
  }

  /** Oldest first, as the constructor takes them back. */
  entries(): (readonly [PeerId, string])[] {
    return [...this.#keyDigests];
  }
}
