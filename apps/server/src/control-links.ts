import type { PeerId, PeerOverride } from '@swarmlab/protocol';

/** What a swarm keeps of the controller's account of its members' links (`ControlLinks`), as plain data. */
export interface ControlLinksState {
  /** Links for members not back yet, oldest first. */
  readonly awaited: readonly (readonly [PeerId, PeerOverride])[];
  /** Members whose links are no longer an account's to give, oldest first. */
  readonly settled: readonly PeerId[];
}

/** A member present, as `ControlLinks.takeAccount` applies links to it. */
export interface LinkedMember {
  override: PeerOverride;
  overrideByControl: boolean;
}

/**
 * The links a screen in control set for members, for the runs to come, as the controller's tab describes them to a
 * server that forgot the swarm (`controlLinks` of `swarm:resume`). Before, only the run going on kept them (its
 * participants' settings): a student's tab came back restating the teacher's 1 MB/s as its own links, which the
 * next run clamped to its caps, its row no longer showing them as the controller's, and the student could change
 * them (found by review).
 *
 * Each member's links come from the first such account only, and from none once a screen in control set them
 * since the swarm was registered again (`settle`): a later account is older than what the controller did since.
 * Links for a member not back yet wait for its peer id (`claim`), as its place in a restored run does. Bounded:
 * past `maxEntries` the oldest entry is forgotten (an account lists at most `MAX_RESUMED_PARTICIPANTS`).
 */
export class ControlLinks {
  readonly #awaited = new Map<PeerId, PeerOverride>();
  readonly #settled = new Set<PeerId>();

  constructor(
    private readonly maxEntries: number,
    state: ControlLinksState = { awaited: [], settled: [] },
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive whole number (got ${maxEntries})`);
    for (const peerId of state.settled) this.#settle(peerId);
    for (const [peerId, override] of state.awaited) this.#await(peerId, override);
  }

  /**
   * A controller's account of the links it set (`links`): each member's not settled yet goes to it if present
   * (`present`), else waits for it; either way, no later account changes it.
   */
  takeAccount(
    links: readonly { readonly peerId: PeerId; readonly override: PeerOverride }[],
    present: (peerId: PeerId) => LinkedMember | undefined,
  ): void {
    for (const { peerId, override } of links) {
      if (this.#settled.has(peerId) || Object.keys(override).length === 0) continue;
      this.#settle(peerId);
      const member = present(peerId);
      if (member) {
        member.override = override;
        member.overrideByControl = true;
      } else {
        this.#await(peerId, override);
      }
    }
  }

  /** A screen in control set `peerId`'s links: what an account says of them is older. */
  settle(peerId: PeerId): void {
    this.#awaited.delete(peerId);
    this.#settle(peerId);
  }

  /** The links awaiting `peerId`, which is a member now: given once. */
  claim(peerId: PeerId): PeerOverride | undefined {
    const override = this.#awaited.get(peerId);
    this.#awaited.delete(peerId);
    return override;
  }

  state(): ControlLinksState {
    return { awaited: [...this.#awaited], settled: [...this.#settled] };
  }

  #settle(peerId: PeerId): void {
    this.#settled.delete(peerId);
    this.#settled.add(peerId);
    if (this.#settled.size > this.maxEntries) this.#settled.delete(this.#settled.values().next().value as PeerId);
  }

  #await(peerId: PeerId, override: PeerOverride): void {
    this.#awaited.delete(peerId);
    this.#awaited.set(peerId, override);
    if (this.#awaited.size > this.maxEntries) this.#awaited.delete(this.#awaited.keys().next().value as PeerId);
  }
}
