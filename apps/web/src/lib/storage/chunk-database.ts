import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';

/** The one database where leechers keep verified chunks, for every swarm this browser takes part in. */
export const CHUNK_DATABASE_NAME = 'swarmlab-chunks';
const CHUNK_DATABASE_VERSION = 1;

/**
 * One tab's chunks of one run of one swarm, under one place in it (peer id). A reloaded tab finds its own (same tab
 * id, from `sessionStorage`, its place given back, same run); every other is some other tab's, or stale.
 */
export interface StoreRecord {
  readonly storeKey: string;
  readonly swarmId: string;
  readonly contentId: string;
  readonly tabId: string;
  readonly peerId: string;
  readonly runNumber: number;
  /** Last time a tab used it (wall clock): records untouched for `STALE_STORE_AFTER_MS` are deleted. */
  readonly touchedAtMs: number;
}

/**
 * A stored chunk: its bytes as written during a run, or a Blob. Writing bytes is the cheaper of the two while
 * tabs download (a Blob made per chunk was the largest cost of a leecher's writes: `bench swarm --peers 8`
 * ends 10 % sooner without); a Blob read back is a handle on a file Chromium keeps on disk, which Save needs
 * to give a whole file without loading it. So a store's bytes become Blobs once its run is over, and for Save
 * (`IdbChunkStore.storeAsBlobs`).
 */
export type StoredChunk = Uint8Array | Blob;

/**
 * - `chunks`: each verified chunk (`StoredChunk`), keyed by `[storeKey, chunkIndex]`: one store's chunks are
 *   one key range.
 * - `stores`: a `StoreRecord` per store, keyed by `storeKey`.
 */
export interface ChunkDatabase extends DBSchema {
  chunks: { key: [string, number]; value: StoredChunk };
  stores: { key: string; value: StoreRecord };
}

export type ChunkDb = IDBPDatabase<ChunkDatabase>;

/**
 * Reads from `name` in a transaction of its own, whose end is watched. A read that fails (Chromium's "Data lost" for
 * a chunk whose file is gone) aborts its transaction, and idb's promise of the transaction's end, made at once and
 * awaited by nobody in its `db.get` shortcuts, rejected unhandled: a page error besides the failure the caller
 * handles (a reloaded tab fetches such a chunk again; found by review). The read is answered as it succeeds, not
 * once its transaction ends (a reload's check reads its chunks one by one). Every read of the chunk database goes
 * through it, not through idb's shortcuts (`db.get`, `db.getAllKeys`, `db.count`: found by review).
 */
export function readFrom<Name extends 'chunks' | 'stores', T>(
  db: ChunkDb,
  name: Name,
  read: (store: IDBPObjectStore<ChunkDatabase, [Name], Name, 'readonly'>) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(name);
  void endOf(tx);
  return read(tx.store);
}

/** Watches the end of `tx`, whose caller may stop before awaiting it: a failed request's abort is not left unhandled. */
export function endOf(tx: { readonly done: Promise<void> }): Promise<void> {
  tx.done.catch(() => undefined);
  return tx.done;
}

/** A new connection to the chunk database; `onTerminated` if the browser closes it (site data cleared, say). */
export function openChunkDatabase(name = CHUNK_DATABASE_NAME, onTerminated?: () => void): Promise<ChunkDb> {
  return openDB<ChunkDatabase>(name, CHUNK_DATABASE_VERSION, {
    upgrade(db) {
      db.createObjectStore('chunks');
      db.createObjectStore('stores', { keyPath: 'storeKey' });
    },
    ...(onTerminated && { terminated: onTerminated }),
  });
}

/** The page's connections, by database name. */
const pageConnections = new Map<string, Promise<ChunkDb>>();

/**
 * The page's one connection to the chunk database, shared by every swarm the tab joins: a connection per
 * session, never closed, left one more open with each join of a lesson (found by review). Opened again after
 * the browser closed it, or after a failed open.
 */
export function pageChunkDatabase(name = CHUNK_DATABASE_NAME): Promise<ChunkDb> {
  let connection = pageConnections.get(name);
  if (connection === undefined) {
    const forget = (): void => {
      if (pageConnections.get(name) === connection) pageConnections.delete(name);
    };
    // `indexedDB.open` may throw (an opaque origin, storage denied): a rejection, as the callers expect.
    connection = Promise.resolve().then(() => openChunkDatabase(name, forget));
    connection.catch(forget);
    pageConnections.set(name, connection);
  }
  return connection;
}

export function storeKeyOf(record: Omit<StoreRecord, 'storeKey' | 'touchedAtMs'>): string {
  return `${storePlacePrefix(record)}${record.runNumber}`;
}

/** Where a tab's stores under one place in a swarm are: every store key of theirs starts with it. */
export function storePlacePrefix(place: Pick<StoreRecord, 'swarmId' | 'contentId' | 'tabId' | 'peerId'>): string {
  return `${place.swarmId}/${place.contentId}/${place.tabId}/${place.peerId}/`;
}

/** Every chunk of `storeKey`, chunks `fromIndex..toIndex` if given. */
export function chunkRange(storeKey: string, fromIndex = 0, toIndex = Infinity): IDBKeyRange {
  return IDBKeyRange.bound([storeKey, fromIndex], [storeKey, toIndex]);
}

/** Deletes a store's chunks and its record, in one transaction. */
export async function forgetStore(db: ChunkDb, storeKey: string): Promise<void> {
  const tx = db.transaction(['chunks', 'stores'], 'readwrite');
  await Promise.all([
    tx.objectStore('chunks').delete(chunkRange(storeKey)),
    tx.objectStore('stores').delete(storeKey),
    tx.done,
  ]);
}

/**
 * Deletes a store as `forgetStore` does, if `stillDoomed` says so of its record as it is in the deleting
 * transaction (a store another tab recorded since the caller looked is kept). Resolves with whether it was.
 */
export async function forgetStoreIf(
  db: ChunkDb,
  storeKey: string,
  stillDoomed: (record: StoreRecord | undefined) => boolean,
): Promise<boolean> {
  const tx = db.transaction(['chunks', 'stores'], 'readwrite');
  // Watched from the start: a `get` that fails aborts the transaction before anything awaits its end.
  const done = endOf(tx);
  const record = await tx.objectStore('stores').get(storeKey);
  if (!stillDoomed(record)) {
    await done;
    return false;
  }
  await Promise.all([
    tx.objectStore('chunks').delete(chunkRange(storeKey)),
    tx.objectStore('stores').delete(storeKey),
    done,
  ]);
  return true;
}

/**
 * The store keys that hold chunks, recorded or not (a write that lands after its store was forgotten
 * leaves chunks without a record): one cursor step per store, jumping past each one's chunks.
 */
export async function storeKeysWithChunks(db: ChunkDb): Promise<string[]> {
  const keys: string[] = [];
  const tx = db.transaction('chunks');
  // Watched: a cursor step that fails aborts the transaction, whose end nobody else awaits.
  void endOf(tx);
  let cursor = await tx.store.openKeyCursor();
  while (cursor) {
    const storeKey = cursor.key[0];
    keys.push(storeKey);
    cursor = await cursor.continue([storeKey, Infinity]);
  }
  return keys;
}

/** The bytes of a stored chunk, however it was stored. */
export async function storedBytes(chunk: StoredChunk): Promise<Uint8Array> {
  return chunk instanceof Blob ? new Uint8Array(await chunk.arrayBuffer()) : chunk;
}

/** A stored chunk's length in bytes. */
export function storedLength(chunk: StoredChunk): number {
  return chunk instanceof Blob ? chunk.size : chunk.byteLength;
}
