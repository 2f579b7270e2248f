import type { PeerId, PeerOverride } from '@swarmlab/protocol';
import { sameControlDigest, type ControlDigest } from './control-secret';

/** What a swarm keeps of a member that left. */
export interface DepartedMember {
  /** The hash of its member key, base64url (as the swarm record keeps keys). */
  readonly keyDigest: string;
  /** The link settings a screen in control of the swarm gave it, if any: they are its again when it comes back. */
  readonly controlOverride?: PeerOverride;
}

/**
 * The swarm's members that left, so that a peer id stays its owner's after it went: `swarm:resume` names the
 * peer id it takes, and without this anyone with the link could take a departed member's id (its row, its name
 * on every screen) or, between runs, the founder's (whose tab then could not come back as the seeder). And the
 * settings the controller gave it: a laptop that slept past its grace period came back with them as its own,
 * which a run applies only within its caps, and the teacher's experiment changed without a word.
 *
 * Bounded: past `maxEntries` the longest gone is forgotten, and its id is free again.
 */
export class DepartedMembers {
  readonly #members = new Map<PeerId, DepartedMember>();

  constructor(
    private readonly maxEntries: number,
    entries: readonly (readonly [PeerId, DepartedMember])[] = [],
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive whole number (got ${maxEntries})`);
    for (const [peerId, member] of entries) this.remember(peerId, member);
  }

  /** `peerId` left; only its key may take its id again. */
  remember(peerId: PeerId, member: DepartedMember): void {
    // Re-inserted, so that it counts as the latest to leave.
    this.#members.delete(peerId);
    this.#members.set(peerId, member);
    if (this.#members.size > this.maxEntries) {
      const oldest = this.#members.keys().next().value as PeerId;
      this.#members.delete(oldest);
    }
  }

  /** Whether a member presenting `keyDigest` may take the id `peerId`: nobody else left under it. */
  allows(peerId: PeerId, keyDigest: ControlDigest): boolean {
    const kept = this.#members.get(peerId)?.keyDigest;
    return kept === undefined || sameControlDigest(Buffer.from(kept, 'base64url'), keyDigest);
  }

  /** The settings the controller gave `peerId` before it left, if any. */
  controlOverrideOf(peerId: PeerId): PeerOverride | undefined {
    return this.#members.get(peerId)?.controlOverride;
  }

  /** `peerId` is a member again. */
  forget(peerId: PeerId): void {
    this.#members.delete(peerId);
  }

  has(peerId: PeerId): boolean {
    return this.#members.has(peerId);
  }

  /** Oldest first, as the constructor takes them back. */
  entries(): (readonly [PeerId, DepartedMember])[] {
    return [...this.#members];
  }
}
