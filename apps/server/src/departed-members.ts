import type { PeerId, PeerOverride } from '@swarmlab/protocol';
import { sameControlDigest, type ControlDigest } from './control-secret';

/** What a swarm keeps of a member that left. */
export interface DepartedMember {
  /** The hash of its member key, base64url (as the swarm record keeps keys). */
  readonly keyDigest: string;
  /** The link settings a screen in control of the swarm gave it, if any: they are its again when it comes back. */
  readonly controlOverride?: PeerOverride;
  /** The network address it was seated from: departures are forgotten from the address with most of them first. */
  readonly address?: string;
  /** The seeder (the founder): never forgotten for others' departures. */
  readonly pinned?: boolean;
}

/**
 * The swarm's members that left, so that a peer id stays its owner's after it went: `swarm:resume` names the
 * peer id it takes, and without this anyone with the link could take a departed member's id (its row, its name
 * on every screen) or, between runs, the founder's (whose tab then could not come back as the seeder). And the
 * settings the controller gave it: a laptop that slept past its grace period came back with them as its own,
 * which a run applies only within its caps, and the teacher's experiment changed without a word.
 *
 * Bounded: past `maxEntries` one is forgotten, and its id is free again: the longest gone of the address with
 * most departures kept, never the seeder's. Forgetting the longest gone of all let one address, joining and
 * leaving 256 times in a second, free the id of a founder whose laptop slept, and take its place (found by
 * review).
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
    if (this.#members.size > this.maxEntries) this.#members.delete(this.#toForget());
  }

  /** The longest gone unpinned departure of the address with most of them (the longest gone of all if none). */
  #toForget(): PeerId {
    const byAddress = new Map<string, { count: number; oldest: PeerId }>();
    let busiest: { count: number; oldest: PeerId } | undefined;
    for (const [peerId, member] of this.#members) {
      if (member.pinned) continue;
      const address = member.address ?? '';
      const kept = byAddress.get(address) ?? { count: 0, oldest: peerId };
      kept.count++;
      byAddress.set(address, kept);
      if (!busiest || kept.count > busiest.count) busiest = kept;
    }
    return busiest?.oldest ?? (this.#members.keys().next().value as PeerId);
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

  /**
   * The settings the controller gave `peerId`, handed on to a new place of the same tab (a reload between runs): they
   * are the new place's from now on, not given twice (a second place of the same key got a copy).
   */
  claimControlOverride(peerId: PeerId): PeerOverride | undefined {
    const member = this.#members.get(peerId);
    if (member?.controlOverride === undefined) return undefined;
    const { controlOverride, ...rest } = member;
    this.#members.set(peerId, rest);
    return controlOverride;
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
