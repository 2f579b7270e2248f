import 'fake-indexeddb/auto';
import { buildManifest, chunkCount, chunkLengthBytes, type Manifest } from '@swarmlab/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { forgetStoreIf, openChunkDatabase, storeKeysWithChunks, type ChunkDb } from '../src/lib/storage/chunk-database';
import { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { LeecherStorage } from '../src/lib/storage/leecher-storage';
import { readErrorOf, storageMessageOf, writeErrorOf, type StorageError } from '../src/lib/storage/storage-error';
import { checkStoredChunks } from '../src/lib/storage/stored-chunks-check';
import { generateTestFile } from '../src/lib/test-file';

const CHUNK = 16 * 1024;
const FILE_BYTES = 4 * CHUNK - 99;
const fileBytes = generateTestFile(FILE_BYTES, 7);
const prepared = buildManifest({
  name: 'f.bin',
  sizeBytes: FILE_BYTES,
  chunkBytes: CHUNK,
  sha256: portableSha256,
  read: async (offsetBytes, lengthBytes) => fileBytes.slice(offsetBytes, offsetBytes + lengthBytes),
}).then((manifest) => ({ manifest }));
const chunkOf = (manifest: Manifest, index: number) =>
  fileBytes.slice(index * CHUNK, index * CHUNK + chunkLengthBytes(manifest, index));
const PLACE = { swarmId: 'S'.repeat(22), contentId: 'c'.repeat(64), peerId: 'p'.repeat(12) };

let databases = 0;
/** A fresh database, its tab's storage, and one store of run 1 holding every chunk. */
async function tabHoldingTheFile() {
  const { manifest } = await prepared;
  const name = `storage-failures-${++databases}`;
  const storage = new LeecherStorage({
    db: () => openChunkDatabase(name),
    tabId: async () => 'tab',
    sha256: portableSha256,
    nowMs: () => 1_000_000,
    estimate: undefined,
  });
  const failures: StorageError[] = [];
  const opened = await storage.openRun({
    ...PLACE,
    runNumber: 1,
    manifest,
    releasingBytes: 0,
    onProgress: () => {},
    onWriteFailed: (error) => failures.push(error),
  });
  if (!opened.ok) throw new Error(`expected a store, got ${opened.error.code}`);
  for (let index = 0; index < chunkCount(manifest); index++) await opened.store.put(index, chunkOf(manifest, index));
  const db = await openChunkDatabase(name);
  return { manifest, name, storage, store: opened.store, storeKey: opened.store.storeKey, failures, db };
}

/** fake-indexeddb's object store below idb, whose requests a test makes fail as a browser's may. */
async function rawObjectStore(db: ChunkDb): Promise<Record<string, unknown>> {
  const tx = db.transaction('chunks');
  const raw = Object.getPrototypeOf((tx.store as unknown as { _rawObjectStore: object })._rawObjectStore) as Record<
    string,
    unknown
  >;
  await tx.done;
  return raw;
}

const restores: (() => void)[] = [];
afterEach(() => {
  for (const restore of restores.splice(0).reverse()) restore();
});

/**
 * Makes `target[method]` fail as Chromium's reads do ("Data lost", an I/O error): the request errs and its transaction
 * aborts. Undone after the test.
 */
function failing(target: Record<string, unknown>, method: string): void {
  const original = target[method];
  target[method] = () => {
    throw new DOMException('Data lost due to missing file', 'UnknownError');
  };
  restores.push(() => (target[method] = original));
}

/** What `run` settles as, and every rejection left unhandled meanwhile (a page error in a browser). */
async function settledWatchingUnhandled(run: () => Promise<unknown>) {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const outcome = await run().then(
      (value) => ({ resolved: value }),
      (error: unknown) => ({ rejected: error instanceof Error ? error.name : String(error) }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { outcome, unhandled };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

/** The browser closes a connection (site data cleared): fake-indexeddb takes only events shaped as its own. */
function closedByTheBrowser(db: ChunkDb): void {
  const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
  const closed = { ...phases, type: 'close', initialized: true, dispatched: false, bubbles: false, eventPath: [] };
  db.close();
  db.dispatchEvent(closed as unknown as Event);
}

describe('reads of the chunk database that fail (found by review)', () => {
  it('checkStoredChunks rejects when the listing of the chunks fails, its aborted transaction no unhandled rejection', async () => {
    const { manifest, storeKey, db } = await tabHoldingTheFile();
    failing(await rawObjectStore(db), 'getAllKeys');
    const { outcome, unhandled } = await settledWatchingUnhandled(() =>
      checkStoredChunks(db, storeKey, manifest, portableSha256),
    );
    expect(outcome).toEqual({ rejected: 'UnknownError' });
    // Before, idb's `db.getAllKeys` left its transaction's end, rejected, awaited by nobody.
    expect(unhandled).toEqual([]);
  });

  it('the storage’s best-effort reads fail quietly: no unhandled rejection from touch, cleanStale or the count of other runs', async () => {
    const { storage, storeKey, db } = await tabHoldingTheFile();
    const raw = await rawObjectStore(db);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    restores.push(() => warn.mockRestore());
    failing(raw, 'getValue'); // `touch`'s read of the store's record
    failing(raw, 'getAllValues'); // `cleanStale`'s read of every record
    failing(raw, 'count'); // the count of this member's other runs, for the quota check
    const touched = await settledWatchingUnhandled(() => storage.touch(storeKey));
    expect(touched).toEqual({ outcome: { resolved: undefined }, unhandled: [] });
    const cleaned = await settledWatchingUnhandled(() => storage.cleanStale());
    expect(cleaned).toEqual({ outcome: { resolved: [] }, unhandled: [] });
    const { manifest } = await prepared;
    const counting = new LeecherStorage({
      db: async () => db,
      tabId: async () => 'tab',
      sha256: portableSha256,
      nowMs: () => 1_000_000,
      estimate: async () => ({ quota: 1e12, usage: 0 }),
    });
    const run2 = await settledWatchingUnhandled(() =>
      counting.openRun({
        ...PLACE,
        runNumber: 2,
        manifest,
        releasingBytes: 0,
        onProgress: () => {},
        onWriteFailed: () => {},
      }),
    );
    expect(run2.outcome).toMatchObject({ resolved: { ok: true } });
    expect(run2.unhandled).toEqual([]);
  });

  it('forgetStoreIf and storeKeysWithChunks reject when their read fails, with no unhandled rejection', async () => {
    const { storeKey, db } = await tabHoldingTheFile();
    failing(await rawObjectStore(db), 'getValue');
    const forgotten = await settledWatchingUnhandled(() => forgetStoreIf(db, storeKey, () => true));
    expect(forgotten).toEqual({ outcome: { rejected: 'UnknownError' }, unhandled: [] });
    const cursor = (globalThis as unknown as { IDBCursor: { prototype: Record<string, unknown> } }).IDBCursor.prototype;
    failing(cursor, '_iterate');
    const listed = await settledWatchingUnhandled(() => storeKeysWithChunks(db));
    expect(listed).toEqual({ outcome: { rejected: 'UnknownError' }, unhandled: [] });
  });

  it('a read that failed is told as such, not as storage the browser refuses the site', () => {
    const failed = readErrorOf(new DOMException('Data lost due to missing file', 'UnknownError'));
    expect(failed).toEqual({ code: 'read-failed', detail: 'Data lost due to missing file' });
    expect(storageMessageOf(failed)).toMatch(/could not read back what this tab had stored/);
    expect(storageMessageOf(failed)).not.toMatch(/Allow this site to save data/);
  });
});

describe('the chunk database closed by the browser (site data cleared; found by review)', () => {
  it('tells the store’s owner at once with `storage-gone`, and refuses every write after', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(`storage-failures-${++databases}`);
    const failures: StorageError[] = [];
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: (error) => failures.push(error) });
    await store.put(0, chunkOf(manifest, 0));
    closedByTheBrowser(db);
    // Before, nobody heard: a complete tab kept offering chunks and Save it could not read.
    expect(failures.map((failure) => failure.code)).toEqual(['storage-gone']);
    expect(storageMessageOf(failures[0]!)).toMatch(/The browser removed this site's stored data/);
    await expect(store.put(1, chunkOf(manifest, 1))).rejects.toThrow(/storage-gone/);
    expect(failures).toHaveLength(1);
  });

  it('a store closed first is not told: its owner moved on', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(`storage-failures-${++databases}`);
    const failures: StorageError[] = [];
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: (error) => failures.push(error) });
    store.close();
    closedByTheBrowser(db);
    expect(failures).toEqual([]);
  });

  it('the file kept from before a reload, offered for Save, is told too', async () => {
    const { manifest, name, store } = await tabHoldingTheFile();
    store.close();
    const connections: ChunkDb[] = [];
    const storage = new LeecherStorage({
      db: async () => connections[connections.push(await openChunkDatabase(name)) - 1]!,
      tabId: async () => 'tab',
      sha256: portableSha256,
      nowMs: () => 1_000_000,
      estimate: undefined,
    });
    const failures: StorageError[] = [];
    const kept = await storage.keptFile({ ...PLACE, manifest, onFailed: (error) => failures.push(error) });
    expect(kept?.runNumber).toBe(1);
    closedByTheBrowser(connections[0]!);
    expect(failures.map((failure) => failure.code)).toEqual(['storage-gone']);
  });

  it('a write refused on a closed connection (`InvalidStateError`) is `storage-gone`, not private browsing', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(`storage-failures-${++databases}`);
    const failures: StorageError[] = [];
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: (error) => failures.push(error) });
    db.close(); // closed without its event: the next transaction is refused
    await expect(store.put(0, chunkOf(manifest, 0))).rejects.toThrow();
    expect(failures.map((failure) => failure.code)).toEqual(['storage-gone']);
    expect(writeErrorOf(new DOMException('The connection is closing.', 'InvalidStateError')).code).toBe('storage-gone');
    expect(readErrorOf(new DOMException('The connection is closing.', 'InvalidStateError')).code).toBe('storage-gone');
  });
});

describe('the sentences for a lack of room (found by review)', () => {
  it('say that the browser’s other tabs downloading at the same time share the room', () => {
    const errors: StorageError[] = [
      { code: 'insufficient-storage', neededBytes: 64 * 2 ** 20, availableBytes: 2 ** 20 },
      { code: 'quota-exceeded', detail: 'QuotaExceededError' },
    ];
    for (const error of errors) expect(storageMessageOf(error)).toMatch(/other tabs downloading/);
  });
});
