import { formerPlaceSchema, type FormerPlace } from '@swarmlab/protocol';

const KEY_PREFIX = 'swarmlab.place.';
/** Former places a tab keeps its stores' peer ids of: reloads between two runs, each a new place. */
export const MAX_STORED_UNDER = 8;

/**
 * This tab's place in each swarm it is a member of (its peer id and member key), in `sessionStorage`: a
 * reloaded page presents it as it joins again (`formerPlace` of `swarm:join`), and the server gives the place
 * back if the run going on holds it, so the run still knows what this tab received before the reload. Session
 * storage, like the control secrets: a place belongs to one tab. A storage that throws only loses the reload.
 *
 * Each place is kept with the tab id it belongs to (`TabIdentity`): a duplicated tab carries its original's
 * session storage, but draws a tab id of its own, and so finds no place (it would have presented its original's,
 * and the server gives an away member's place to its key).
 */
export class MemberPlaces {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;

  constructor(storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {
    this.#storage = storage;
  }

  /** The place tab `tabId` kept in `swarmId`, if a well-formed one. */
  get(swarmId: string, tabId: string): FormerPlace | undefined {
    try {
      const kept = this.#storage?.getItem(KEY_PREFIX + swarmId);
      if (kept == null) return undefined;
      const { tabId: keptBy, place } = JSON.parse(kept) as { tabId?: unknown; place?: unknown };
      if (keptBy !== tabId) return undefined;
      const parsed = formerPlaceSchema.safeParse(place);
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The places, other than its current one, under which tab `tabId`'s pages stored chunks of `swarmId` that are its
   * own (`StorePlace.formerPeerIds`), newest first: a reload between runs gets a new place, and after two of them the
   * first one's whole file was neither offered nor deleted (found by review).
   */
  storedUnder(swarmId: string, tabId: string): string[] {
    try {
      const kept = this.#storage?.getItem(KEY_PREFIX + swarmId);
      if (kept == null) return [];
      const { tabId: keptBy, storedUnder } = JSON.parse(kept) as { tabId?: unknown; storedUnder?: unknown };
      if (keptBy !== tabId || !Array.isArray(storedUnder)) return [];
      return storedUnder.filter((peerId): peerId is string => typeof peerId === 'string').slice(0, MAX_STORED_UNDER);
    } catch {
      return [];
    }
  }

  /** Keeps tab `tabId`'s place in `swarmId`, and the former places its stores are under (`storedUnder`). */
  keep(swarmId: string, place: FormerPlace, tabId: string, storedUnder: readonly string[] = []): void {
    try {
      const under = storedUnder.filter((peerId) => peerId !== place.peerId).slice(0, MAX_STORED_UNDER);
      this.#storage?.setItem(KEY_PREFIX + swarmId, JSON.stringify({ tabId, place, storedUnder: under }));
    } catch {
      // Not kept: a reload joins under a new place.
    }
  }

  /** The tab left the swarm on purpose: a later visit is a new member. */
  forget(swarmId: string): void {
    try {
      this.#storage?.removeItem(KEY_PREFIX + swarmId);
    } catch {
      // Nothing to forget.
    }
  }
}
