import { chunkLengthBytes, type Bitfield, type Manifest, type Sha256 } from '@swarmlab/protocol';
import {
  chunkRange,
  forgetStore,
  forgetStoreIf,
  readFrom,
  storeKeyOf,
  storeKeysWithChunks,
  storePlacePrefix,
  type ChunkDb,
  type StoreRecord,
} from './chunk-database';
import { checkStoredChunks } from './stored-chunks-check';
import { IdbChunkStore } from './idb-chunk-store';
import { writeErrorOf, type StorageError } from './storage-error';
import { storageShortfall, type EstimateStorage } from './storage-quota';

/**
 * A store no tab has touched for this long belongs to a tab that is gone (closed, crashed, navigated
 * away) and is deleted by the next visit. Tabs touch their store every `STORE_TOUCH_INTERVAL_MS`, so an
 * hour leaves a sleeping laptop's tab, or a long reload, well clear of it.
 */
export const STALE_STORE_AFTER_MS = 60 * 60 * 1000;
export const STORE_TOUCH_INTERVAL_MS = 60 * 1000;

export interface LeecherStorageDeps {
  readonly db: () => Promise<ChunkDb>;
  /** This tab's id (`TabIdentity.id`): a reload keeps it, a duplicated tab gets its own. */
  readonly tabId: () => Promise<string>;
  readonly sha256: Sha256;
  readonly nowMs: () => number;
  /** `navigator.storage.estimate`; no quota check without it. */
  readonly estimate: EstimateStorage | undefined;
}

/**
 * A member's places in a swarm, as its stores are keyed. A tab deletes only stores of its own places: a duplicated tab
 * keeps its original's tab id when the original is too busy to answer for it (`TabIdentity`), and took its original's
 * chunks for its own, deleting them as it joined under a new peer id, and again as it left (found by review).
 */
export interface StorePlace {
  readonly swarmId: string;
  readonly contentId: string;
  /** The peer id the server gave this member, its runs' stores are keyed by: a reload given its place back has it. */
  readonly peerId: string;
  /**
   * The places this tab's pages before had, when the server did not give them back (it does only during a run) and
   * no member holds them, newest first (`MemberPlaces.storedUnder`): what those pages stored is this member's (a
   * finished run's file, offered for Save; deleted as the member leaves, or a run takes a store up). Never a place a
   * member still holds: a duplicate's original's.
   */
  readonly formerPeerIds?: readonly string[];
}

export interface OpenRunOptions extends StorePlace {
  readonly runNumber: number;
  readonly manifest: Manifest;
  /** Bytes being deleted in the background (the previous run's chunks): free room for the quota check. */
  readonly releasingBytes: number;
  /** Fraction (0..1) of the stored chunks checked, when a reloaded tab finds some. */
  readonly onProgress: (fraction: number) => void;
  /**
   * Whether the run no longer wants this store (the tab left, a newer run started): the check of the chunks a reload
   * found stops at the next chunk, and the store opened holds only those checked. Its caller then closes it.
   */
  readonly abandoned?: () => boolean;
  /** The store's storage failed: a write (out of room, private mode), or the browser closed its connection. */
  readonly onWriteFailed: (error: StorageError) => void;
}

export type OpenedRun =
  | {
      readonly ok: true;
      readonly store: IdbChunkStore;
      readonly held: Bitfield;
      readonly heldBytes: number;
      /** The check of what the store held stopped early (`abandoned`): the chunks not checked are not in `held`. */
      readonly checkCutShort: boolean;
    }
  | {
      readonly ok: false;
      readonly error: StorageError;
      /** The run's store, when it was reached: refused for room, it keeps the chunks it held for the retry. */
      readonly storeKey?: string;
    };

/**
 * A leecher tab's use of IndexedDB (#12): one store per run, keyed by swarm, content id, tab, peer id and run, so
 * a new run starts empty at once (a new key; the old run's chunks are deleted in the background, no
 * wipe on the start) and a reload mid-run finds the chunks it holds (checked against the manifest). A member that
 * joins under a new peer id (its former place given up, or held by the tab it was duplicated from) starts empty
 * under a new key: the server counts its download from then on, and chunks reported as received at once would get
 * it flagged as faster than its caps. What a former place stored is this member's only if no member holds that place
 * (`StorePlace.formerPeerIds`); otherwise another tab's, or deleted as stale.
 */
export class LeecherStorage {
  readonly #deps: LeecherStorageDeps;
  #db: Promise<ChunkDb> | undefined;

  constructor(deps: LeecherStorageDeps) {
    this.#deps = deps;
  }

  /** This tab's store for a run, with what it already holds, once the quota has room for the rest. */
  async openRun(options: OpenRunOptions): Promise<OpenedRun> {
    const { swarmId, contentId, peerId, runNumber, manifest } = options;
    let db: ChunkDb;
    try {
      db = await this.#open();
    } catch (error) {
      return { ok: false, error: openErrorOf(error) };
    }
    const tabId = await this.#deps.tabId();
    const storeKey = storeKeyOf({ swarmId, contentId, tabId, peerId, runNumber });
    // This tab's other runs of the swarm are deleted once the run takes this store up (`forgetOtherRuns`): a run
    // stopped while its store opened left the previous run's whole file deleted, though no other run took place.
    try {
      await db.put('stores', {
        storeKey,
        swarmId,
        contentId,
        tabId,
        peerId,
        runNumber,
        touchedAtMs: this.#deps.nowMs(),
      });
    } catch (error) {
      // The store's key: what it holds already (a tab reloaded mid-run) is kept for the retry, as for a refusal for room.
      return { ok: false, error: openErrorOf(error), storeKey };
    }
    const { held, cutShort } = await checkStoredChunks(db, storeKey, manifest, this.#deps.sha256, {
      onProgress: options.onProgress,
      abandoned: options.abandoned,
    });
    let heldBytes = 0;
    for (let index = 0; index < held.chunkCount; index++)
      if (held.has(index)) heldBytes += chunkLengthBytes(manifest, index);
    const store = new IdbChunkStore({ db, storeKey, manifest, onWriteFailed: options.onWriteFailed });
    // No quota check for a check cut short: a store that holds no chunk checked yet is deleted where it is refused (the
    // run given up may be wanted again by now: a newer start stopped meanwhile; found by review).
    if (cutShort) return { ok: true, store, held, heldBytes, checkCutShort: true };
    const shortfall = await storageShortfall(
      manifest.sizeBytes - heldBytes,
      Math.max(options.releasingBytes, await this.#otherRunsBytes(db, options, storeKey)),
      this.#deps.estimate,
    );
    if (shortfall) {
      // Only this store goes here, and only if it holds nothing. The tab's other runs of the swarm go where the
      // session fails for room (`forgetOtherRuns`), whose check counted them as being freed: a start stopped meanwhile
      // keeps the page on the previous run's file, which was deleted here while the page still offered it for Save.
      // Chunks it holds stay (a tab reloaded mid-run, refused for the rest): deleting them freed no room for the
      // retry its message asks for, which then needed the whole file again (both found by review).
      store.close();
      if (held.count === 0) void this.forget(storeKey);
      return { ok: false, error: shortfall, storeKey };
    }
    return { ok: true, store, held, heldBytes, checkCutShort: false };
  }

  /**
   * The bytes this member's other stores of the swarm hold (a run refused for room keeps its chunks for the retry):
   * deleted as this run takes its store up, or is refused, so counted as being freed. Counted, the next run after a
   * refusal found no room the user had freed (found by review). Each store's chunks at the full chunk size, at most
   * the file.
   */
  async #otherRunsBytes(db: ChunkDb, place: StorePlace & { readonly manifest: Manifest }, storeKey: string) {
    // Best effort, as the quota check is: only where it runs, and 0 if the count fails.
    if (!this.#deps.estimate) return 0;
    try {
      const own = await this.#ownStores(place);
      let bytes = 0;
      for (const key of await storeKeysWithChunks(db)) {
        if (key === storeKey || !own(key)) continue;
        const chunks = await readFrom(db, 'chunks', (store) => store.count(chunkRange(key)));
        bytes += Math.min(place.manifest.sizeBytes, chunks * place.manifest.chunkBytes);
      }
      return bytes;
    } catch {
      return 0;
    }
  }

  /**
   * The whole file this tab kept of the swarm's latest run it stored (a tab reloaded once its run was over:
   * the join carries only a run going on, so no run opens it), checked chunk by chunk against the manifest;
   * undefined if it kept none, or not all of it. It is touched, so no other visit takes it for stale.
   */
  async keptFile(
    options: StorePlace & {
      readonly manifest: Manifest;
      readonly onProgress?: (fraction: number) => void;
      /** The store offered failed (the browser closed its connection: `storage-gone`), as `OpenRunOptions` says. */
      readonly onFailed?: (error: StorageError) => void;
    },
  ): Promise<
    { readonly store: IdbChunkStore; readonly runNumber: number; readonly peerId: string | undefined } | undefined
  > {
    try {
      const db = await this.#open();
      // Its places', and the form before peer ids (an upgrade mid-lesson: offered, where leaving deleted it unasked).
      const prefixes = [...(await this.#placePrefixes(options)), await this.#tabPrefix(options)];
      const runOf = (storeKey: string): number | undefined => {
        const prefix = prefixes.find((candidate) => storeKey.startsWith(candidate));
        const runNumber = prefix === undefined ? NaN : Number(storeKey.slice(prefix.length));
        return Number.isSafeInteger(runNumber) ? runNumber : undefined;
      };
      const kept = (await storeKeysWithChunks(db))
        .filter((storeKey) => runOf(storeKey) !== undefined)
        .sort((a, b) => runOf(b)! - runOf(a)!)[0];
      if (kept === undefined) return undefined;
      // Touched first: a check takes a while, and another visit's clean-up took a store untouched for an hour (a tab
      // restored after the browser discarded it) for stale, deleting it as it was checked (found by review).
      await this.touch(kept);
      // Only looking: a read that fails once (a scanner, low memory) must not delete a finished run's file.
      const { held } = await checkStoredChunks(db, kept, options.manifest, this.#deps.sha256, {
        onProgress: options.onProgress,
        deleteFailed: false,
      });
      if (!held.isComplete) return undefined;
      const store = new IdbChunkStore({
        db,
        storeKey: kept,
        manifest: options.manifest,
        onWriteFailed: options.onFailed ?? (() => {}),
      });
      // The place it is under, which the member keeps among its own (`MemberPlaces.storedUnder`) while it offers it.
      const peerId = options.formerPeerIds?.find((former) => kept.includes(`/${former}/`));
      return { store, runNumber: runOf(kept)!, peerId };
    } catch (error) {
      console.warn(`swarmlab: the file this tab kept could not be read back: ${String(error)}`);
      return undefined;
    }
  }

  /**
   * This tab's runs of the swarm other than `storeKey`'s are over (its run took that store up): their chunks go, in
   * the background. Best effort, as `forget` is: a failure (site data cleared meanwhile) leaves them to `cleanStale`.
   */
  async forgetOtherRuns(place: StorePlace, storeKey: string): Promise<void> {
    try {
      const db = await this.#open();
      const own = await this.#ownStores(place);
      await this.#forgetWhere(db, (key) => own(key) && key !== storeKey);
    } catch (error) {
      console.warn(`swarmlab: this tab's earlier runs of the swarm could not be deleted: ${String(error)}`);
    }
  }

  /**
   * Deletes every store of this member's places in the swarm (the user left it): the one open, and any it kept but did not
   * take up (a stopped run's partial file found after a reload, the chunks of an entry that failed), which otherwise
   * stayed until a visit to the same origin an hour on, a classroom's server often at another address by then.
   * Resolves once done, never rejects.
   */
  async forgetSwarm(place: Omit<StorePlace, 'peerId'> & { readonly peerId?: string }): Promise<void> {
    try {
      const db = await this.#open();
      await this.#forgetWhere(db, await this.#ownStores(place));
    } catch (error) {
      console.warn(`swarmlab: could not delete stored chunks (${String(error)})`);
    }
  }

  /** Deletes a store (the tab left, or its storage failed); resolves once done, never rejects. */
  async forget(storeKey: string): Promise<void> {
    try {
      await forgetStore(await this.#open(), storeKey);
    } catch (error) {
      console.warn(`swarmlab: could not delete stored chunks (${String(error)})`);
    }
  }

  /** Marks a store as in use, so no other visit takes it for stale. */
  async touch(storeKey: string): Promise<void> {
    try {
      const db = await this.#open();
      const record = await readFrom(db, 'stores', (stores) => stores.get(storeKey));
      if (record) await db.put('stores', { ...record, touchedAtMs: this.#deps.nowMs() });
    } catch {
      // Touching is best effort: a store that is not touched is only deleted an hour later.
    }
  }

  /**
   * Deletes every store untouched for `STALE_STORE_AFTER_MS` (other tabs' swarms long gone) and chunks no
   * record claims (a write that landed after its store was forgotten). Resolves with the keys deleted.
   */
  async cleanStale(): Promise<string[]> {
    try {
      const db = await this.#open();
      const records = new Map(
        (await readFrom(db, 'stores', (stores) => stores.getAll())).map((record) => [record.storeKey, record]),
      );
      const staleBeforeMs = this.#deps.nowMs() - STALE_STORE_AFTER_MS;
      const stale = (record: StoreRecord | undefined): boolean => !record || record.touchedAtMs < staleBeforeMs;
      // Checked again as each is deleted: another tab may have recorded a store (and written its first chunk)
      // since the records were read, and its chunks then looked like orphans.
      return await this.#forgetWhere(db, (key) => stale(records.get(key)), [...records.keys()], stale);
    } catch (error) {
      console.warn(`swarmlab: could not clean stored chunks (${String(error)})`);
      return [];
    }
  }

  /** Where this tab's stores under the member's places are. */
  async #placePrefixes(place: Omit<StorePlace, 'peerId'> & { readonly peerId?: string }): Promise<string[]> {
    const tabId = await this.#deps.tabId();
    const peerIds = [...(place.peerId === undefined ? [] : [place.peerId]), ...(place.formerPeerIds ?? [])];
    return peerIds.map((peerId) =>
      storePlacePrefix({ swarmId: place.swarmId, contentId: place.contentId, tabId, peerId }),
    );
  }

  /** Where every store of this tab for the swarm is, whatever its place (and in the form before peer ids). */
  async #tabPrefix(place: Pick<StorePlace, 'swarmId' | 'contentId'>): Promise<string> {
    return `${place.swarmId}/${place.contentId}/${await this.#deps.tabId()}/`;
  }

  /**
   * Whether a store key is one of this member's: under one of its places, or this tab's in the form the version
   * before peer ids wrote (`swarm/content/tab/run`), not left for an hour after an upgrade mid-lesson.
   */
  async #ownStores(
    place: Omit<StorePlace, 'peerId'> & { readonly peerId?: string },
  ): Promise<(key: string) => boolean> {
    const prefixes = await this.#placePrefixes(place);
    const tabPrefix = await this.#tabPrefix(place);
    return (key) =>
      prefixes.some((prefix) => key.startsWith(prefix)) ||
      (key.startsWith(tabPrefix) && /^\d+$/.test(key.slice(tabPrefix.length)));
  }

  async #forgetWhere(
    db: ChunkDb,
    doomed: (storeKey: string) => boolean,
    alsoKeys: readonly string[] = [],
    stillDoomed?: (record: StoreRecord | undefined) => boolean,
  ): Promise<string[]> {
    const recorded = alsoKeys.length > 0 ? alsoKeys : await readFrom(db, 'stores', (stores) => stores.getAllKeys());
    const keys = [...new Set([...recorded, ...(await storeKeysWithChunks(db))])].filter(doomed);
    const deleted: string[] = [];
    for (const key of keys) {
      if (stillDoomed ? await forgetStoreIf(db, key, stillDoomed) : (await forgetStore(db, key), true))
        deleted.push(key);
    }
    return deleted;
  }

  /**
   * The connection, kept for the session, and asked for again (`deps.db`, which the page shares) once it failed to
   * open or the browser closed it (site data cleared): kept as it was, a closed one failed every later run of the
   * session with "allow this site to save data" (found by review).
   */
  #open(): Promise<ChunkDb> {
    if (this.#db) return this.#db;
    const opened = this.#deps.db();
    this.#db = opened;
    const forget = (): void => {
      if (this.#db === opened) this.#db = undefined;
    };
    opened.then((db) => db.addEventListener('close', forget), forget);
    return opened;
  }
}

/**
 * Why a store could not be opened: out of room (a disk so full the browser refuses even the store's record), which
 * freeing room mends, or storage the browser does not give the page at all. A full disk was told to allow the site
 * to save data (found by review).
 */
function openErrorOf(error: unknown): StorageError {
  const named = writeErrorOf(error);
  return named.code === 'quota-exceeded'
    ? { code: 'no-room-to-open', detail: named.detail }
    : { code: 'storage-unavailable', detail: String(error) };
}
