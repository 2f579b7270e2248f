import 'fake-indexeddb/auto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { chunkCount, chunkLengthBytes, type Manifest } from '@swarmlab/protocol';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { prepareSeed } from '../src/lib/state/file-preparation';
import {
  chunkRange,
  openChunkDatabase,
  storeKeysWithChunks,
  type ChunkDb,
  type StoredChunk,
} from '../src/lib/storage/chunk-database';
import { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { hashStoredFile } from '../src/lib/storage/stored-file-hash';
import { LeecherStorage, STALE_STORE_AFTER_MS, type OpenRunOptions } from '../src/lib/storage/leecher-storage';
import {
  StoreClosedError,
  StoredFileGoneError,
  storageMessageOf,
  StoreRewriteError,
  type StorageError,
} from '../src/lib/storage/storage-error';
import { storageMarginBytes, type EstimateStorage } from '../src/lib/storage/storage-quota';
import { generateTestFile, generatedTestFile } from '../src/lib/test-file';
import { MAX_WEBCRYPTO_WHOLE_FILE_BYTES, WholeFileHasher, wholeFileSha256 } from '../src/lib/whole-file-hash';

const CHUNK = 256 * 1024;
const FILE_BYTES = 5 * CHUNK + 999;
const SEED = 11;
const fileBytes = generateTestFile(FILE_BYTES, SEED);
const fileSha256 = bytesToHex(sha256(fileBytes));
const prepared = prepareSeed(generatedTestFile(FILE_BYTES, SEED), portableSha256, () => {});
const chunkOf = (manifest: Manifest, index: number) =>
  fileBytes.slice(index * CHUNK, index * CHUNK + chunkLengthBytes(manifest, index));

let databases = 0;
/** A fresh database per test, and a clock the test moves. */
function fixture(estimate?: EstimateStorage) {
  const name = `chunks-test-${++databases}`;
  const clock = { nowMs: 1_000_000 };
  const storageOf = (tabId: string) =>
    new LeecherStorage({
      db: () => openChunkDatabase(name),
      tabId: async () => tabId,
      sha256: portableSha256,
      nowMs: () => clock.nowMs,
      estimate,
    });
  return { name, clock, storageOf };
}

/** The swarm and place the tests' stores are under: `PEER` unless a test says otherwise. */
const PEER = 'p'.repeat(12);
const PLACE = { swarmId: 'S'.repeat(22), contentId: 'c'.repeat(64), peerId: PEER };

async function runOptions(runNumber = 1, failures: StorageError[] = [], peerId = PEER): Promise<OpenRunOptions> {
  const { manifest } = await prepared;
  return {
    ...PLACE,
    peerId,
    runNumber,
    manifest,
    releasingBytes: 0,
    onProgress: () => {},
    onWriteFailed: (error) => failures.push(error),
  };
}

async function openOk(storage: LeecherStorage, options: OpenRunOptions) {
  const opened = await storage.openRun(options);
  if (!opened.ok) throw new Error(`expected a store, got ${opened.error.code}`);
  return opened;
}

describe('leechers keep verified chunks in IndexedDB', () => {
  it('asks for its database again after an open that failed, or a connection the browser closed', async () => {
    const name = `chunks-test-${++databases}`;
    const connections: ChunkDb[] = [];
    const storage = new LeecherStorage({
      db: async () => {
        if (connections.push(await openChunkDatabase(name)) === 1) throw new Error('storage denied for now');
        return connections.at(-1)!;
      },
      tabId: async () => 'tab',
      sha256: portableSha256,
      nowMs: () => 1_000_000,
      estimate: undefined,
    });
    expect(await storage.openRun(await runOptions(1))).toMatchObject({
      ok: false,
      error: { code: 'storage-unavailable' },
    });
    // Before, the failed open was kept for the session: every later run failed the same way.
    await openOk(storage, await runOptions(2));
    expect(connections).toHaveLength(2);
    // The browser closes the connection (site data cleared): it says so with a `close` event.
    connections[1]!.close();
    // (fake-indexeddb takes only events shaped as its own, which it marks `initialized`.)
    const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
    const closed = { ...phases, type: 'close', initialized: true, dispatched: false, bubbles: false, eventPath: [] };
    connections[1]!.dispatchEvent(closed as unknown as Event);
    await openOk(storage, await runOptions(3));
    expect(connections).toHaveLength(3);
  });

  it('stores every chunk and gives the file back as a Blob and as a stream, byte for byte', async () => {
    const { manifest } = await prepared;
    const { storageOf } = fixture();
    const { store, held } = await openOk(storageOf('tab1'), await runOptions());
    expect(held.count).toBe(0);
    // In random order, as a swarm delivers them.
    for (const index of [3, 0, 5, 1, 4, 2]) await store.put(index, chunkOf(manifest, index));
    expect(await sha256Hex(await store.get(4))).toBe(manifest.chunkSha256[4]);
    const blob = (await store.fileBlob())!;
    expect(blob.size).toBe(FILE_BYTES);
    expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
    expect(await wholeFileSha256(store, undefined, 'streamed')).toBe(fileSha256);
    expect(await wholeFileSha256(store)).toBe(fileSha256);
  });

  it('hashes a file past 16 MiB in a streaming pass, never as a whole copy that WebCrypto copies again', async () => {
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    vi.stubGlobal('isSecureContext', true);
    try {
      const chunk = new Uint8Array(1024 * 1024).fill(7);
      const fileOf = (mib: number) => ({ sizeBytes: mib * chunk.length, chunks: () => Array(mib).fill(chunk) });
      const expected = (mib: number) => bytesToHex(sha256(new Uint8Array(mib * chunk.length).fill(7)));
      expect(await wholeFileSha256(fileOf(MAX_WEBCRYPTO_WHOLE_FILE_BYTES / chunk.length))).toBe(expected(16));
      expect(digest).toHaveBeenCalledTimes(1);
      // Leechers of a 64 MiB file peaked at 302 and 393 MiB hashing it so (bench memory), past the 300 MiB budget.
      expect(await wholeFileSha256(fileOf(17))).toBe(expected(17));
      expect(digest).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
      digest.mockRestore();
    }
  });

  it('writes chunks as their bytes during a run, and turns them into Blobs once it is over, or for Save', async () => {
    const { manifest } = await prepared;
    const { name } = fixture();
    const db = await openChunkDatabase(name);
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
    // One chunk assembled in a larger buffer (lent memory): only its own bytes are stored.
    const lent = new Uint8Array(CHUNK + 64);
    lent.set(chunkOf(manifest, 0), 32);
    await store.put(0, lent.subarray(32, 32 + CHUNK));
    for (let index = 1; index < chunkCount(manifest); index++) await store.put(index, chunkOf(manifest, index));
    const written = await db.getAll('chunks');
    expect(written.every((chunk) => chunk instanceof Uint8Array)).toBe(true);
    expect((written[0] as Uint8Array).byteLength).toBe(CHUNK);
    expect(await wholeFileSha256(store)).toBe(fileSha256);
    expect(await wholeFileSha256(store, undefined, 'streamed')).toBe(fileSha256);

    // Once the run is over, the tab rewrites them as Blobs, saying how far it got.
    const fractions: number[] = [];
    await store.storeAsBlobs((fraction) => fractions.push(fraction));
    expect(fractions.at(-1)).toBe(1);
    expect((await db.getAll('chunks')).every((chunk) => chunk instanceof Blob)).toBe(true);
    const [first, second] = await Promise.all([store.fileBlob(), store.fileBlob()]);
    for (const blob of [first!, second!])
      expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
    expect((await db.getAll('chunks')).every((chunk) => chunk instanceof Blob)).toBe(true);
    // Hashing and serving read the Blobs as well as they read bytes.
    expect(await wholeFileSha256(store)).toBe(fileSha256);
    const cold = new IdbChunkStore({ db, storeKey: 'k', manifest, cacheBytes: CHUNK, onWriteFailed: () => {} });
    expect(await sha256Hex(await cold.get(3))).toBe(manifest.chunkSha256[3]);
  });

  it('tells every caller sharing the rewrite as Blobs how far it got, Save joining the hash’s pass included', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(fixture().name);
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
    for (let index = 0; index < chunkCount(manifest); index++) await store.put(index, chunkOf(manifest, index));
    const hashing: number[] = [];
    const saving: number[] = [];
    const pass = store.storeAsBlobs((fraction) => hashing.push(fraction));
    const saved = store.fileBlob((fraction) => saving.push(fraction));
    await pass;
    const blob = (await saved)!;
    expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
    expect(hashing.at(-1)).toBe(1);
    expect(saving.at(-1)).toBe(1);
    expect(saving.length).toBeGreaterThan(1);
  });

  it('hashes the file in the pass that rewrites it as Blobs, reading each chunk once, in order', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(fixture().name);
    // A store of bytes and Blobs mixed (Save rewrote some before): the pass hands each chunk on as stored.
    for (let index = 0; index < chunkCount(manifest); index++) {
      const bytes = chunkOf(manifest, index);
      await db.put('chunks', index === 2 ? new Blob([bytes]) : bytes, ['k', index]);
    }
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
    // 'fastest' is WebCrypto over a copy in a secure context: both ways ride the pass.
    vi.stubGlobal('isSecureContext', true);
    onTestFinished(() => void vi.unstubAllGlobals());
    for (const hashing of ['fastest', 'streamed'] as const) {
      const hasher = await WholeFileHasher.create(FILE_BYTES, { hashing, countsFedBytes: false });
      const handed: StoredChunk[] = [];
      const fractions: number[] = [];
      const handedAll = await store.storeAsBlobs(
        (fraction) => fractions.push(fraction),
        async (chunk) => {
          handed.push(chunk);
          await hasher.add(chunk);
        },
      );
      expect(handedAll).toBe(true);
      expect(await hasher.digest()).toBe(fileSha256);
      // Each chunk once, in order, as it was stored before the pass (the first pass rewrote the bytes).
      expect(handed).toHaveLength(chunkCount(manifest));
      for (const [index, chunk] of handed.entries()) {
        const bytes = chunk instanceof Blob ? new Uint8Array(await chunk.arrayBuffer()) : chunk;
        expect(bytesToHex(bytes)).toBe(bytesToHex(chunkOf(manifest, index)));
        expect(chunk instanceof Blob).toBe(hashing === 'streamed' || index === 2);
      }
      expect(fractions.at(-1)).toBe(1);
      expect((await db.getAll('chunks')).every((chunk) => chunk instanceof Blob)).toBe(true);
    }
  });

  it('a hash joining a rewrite already under way, or failing in it, is told so, and the rewrite still ends', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(fixture().name);
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
    for (let index = 0; index < chunkCount(manifest); index++) await store.put(index, chunkOf(manifest, index));
    const forSave = store.storeAsBlobs();
    const handed: StoredChunk[] = [];
    const joined = store.storeAsBlobs(undefined, async (chunk) => void handed.push(chunk));
    expect(await Promise.all([forSave, joined])).toEqual([false, false]);
    expect(handed).toHaveLength(0);

    for (let index = 0; index < chunkCount(manifest); index++)
      await db.put('chunks', chunkOf(manifest, index), ['k', index]);
    let calls = 0;
    const failing = await store.storeAsBlobs(undefined, async () => {
      calls++;
      throw new Error('the stored file is longer than it should be');
    });
    expect(failing).toBe(false);
    expect(calls).toBe(1);
    expect((await db.getAll('chunks')).every((chunk) => chunk instanceof Blob)).toBe(true);
    expect(await wholeFileSha256(store)).toBe(fileSha256);
  });

  it('a hash riding a rewrite of a store missing a chunk (deleted meanwhile) is told it was not handed them all', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(fixture().name);
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, onWriteFailed: () => {} });
    for (let index = 0; index < chunkCount(manifest); index++)
      if (index !== 4) await store.put(index, chunkOf(manifest, index));
    const hasher = await WholeFileHasher.create(FILE_BYTES, { countsFedBytes: false });
    expect(await store.storeAsBlobs(undefined, (chunk) => hasher.add(chunk))).toBe(false);
    await expect(hasher.digest()).rejects.toThrow(`the stored file holds ${4 * CHUNK} of ${FILE_BYTES} bytes`);
  });

  it('a rewrite as Blobs the browser refuses (out of room) rejects with a message, and the file stays whole', async () => {
    const { manifest } = await prepared;
    const db = await openChunkDatabase(fixture().name);
    const room = { writes: chunkCount(manifest) + 1 };
    const store = new IdbChunkStore({ db: dbWithRoom(db, room), storeKey: 'k', manifest, onWriteFailed: () => {} });
    for (let index = 0; index < chunkCount(manifest); index++) await store.put(index, chunkOf(manifest, index));
    const failed = store.fileBlob();
    await expect(failed).rejects.toBeInstanceOf(StoreRewriteError);
    await expect(failed).rejects.toThrow(/ran out of storage while preparing the file/);
    expect(store.failed).toBeUndefined();
    // Every chunk is still stored, as bytes or as a Blob, and reads back as the file.
    expect(await wholeFileSha256(store, undefined, 'streamed')).toBe(fileSha256);
    room.writes = Number.POSITIVE_INFINITY;
    const blob = (await store.fileBlob())!;
    expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
  });

  it('reads a store of Blobs and bytes mixed (chunks an older version wrote as Blobs) as one file', async () => {
    const { manifest } = await prepared;
    const { name } = fixture();
    const db = await openChunkDatabase(name);
    for (let index = 0; index < chunkCount(manifest); index++) {
      const bytes = chunkOf(manifest, index);
      await db.put('chunks', index % 2 === 0 ? new Blob([bytes]) : bytes, ['old', index]);
    }
    const store = new IdbChunkStore({ db, storeKey: 'old', manifest, cacheBytes: CHUNK, onWriteFailed: () => {} });
    expect(await wholeFileSha256(store)).toBe(fileSha256);
    expect(await wholeFileSha256(store, undefined, 'streamed')).toBe(fileSha256);
    expect(await sha256Hex(await store.get(1))).toBe(manifest.chunkSha256[1]);
    expect(await sha256Hex(await store.get(2))).toBe(manifest.chunkSha256[2]);
    const blob = (await store.fileBlob())!;
    expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
  });

  it('serves from a bounded cache, reading evicted chunks back from IndexedDB', async () => {
    const { manifest } = await prepared;
    const { name } = fixture();
    const db = await openChunkDatabase(name);
    const store = new IdbChunkStore({ db, storeKey: 'k', manifest, cacheBytes: 2 * CHUNK, onWriteFailed: () => {} });
    for (let index = 0; index < chunkCount(manifest); index++) await store.put(index, chunkOf(manifest, index));
    expect(store.get(5)).toBeInstanceOf(Uint8Array); // recent: cached, at once
    const evicted = store.get(0);
    expect(evicted).toBeInstanceOf(Promise);
    expect(await sha256Hex(await evicted)).toBe(manifest.chunkSha256[0]);
    // The whole file, its evicted chunks read back: it was only said to be defined (found by review).
    const blob = (await store.fileBlob())!;
    expect(bytesToHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(fileSha256);
  });

  /** A tab's storage that stored chunks `indexes` of the prepared file in its run (its database `name`). */
  const tabHolding = async (indexes: readonly number[]) => {
    const { manifest } = await prepared;
    const { name, storageOf } = fixture();
    const before = await openOk(storageOf('tab1'), await runOptions());
    for (const index of indexes) await before.store.put(index, chunkOf(manifest, index));
    return { manifest, name, storageOf, before };
  };

  it('a reloaded tab finds the chunks it holds; a corrupt one is rejected and deleted', async () => {
    const { manifest, name, storageOf, before } = await tabHolding([0, 2, 4]);
    // A torn or tampered write: chunk 2's bytes are not the manifest's.
    const db = await openChunkDatabase(name);
    const tampered = chunkOf(manifest, 2);
    tampered[100] = tampered[100]! ^ 0xff;
    await db.put('chunks', new Blob([tampered]), [before.store.storeKey, 2]);
    // The reload: a new page, same tab id (sessionStorage), same run.
    const fractions: number[] = [];
    const after = await openOk(storageOf('tab1'), { ...(await runOptions()), onProgress: (f) => fractions.push(f) });
    expect(after.store.storeKey).toBe(before.store.storeKey);
    expect([0, 1, 2, 3, 4, 5].filter((index) => after.held.has(index))).toEqual([0, 4]);
    expect(after.heldBytes).toBe(2 * CHUNK);
    expect(fractions.at(-1)).toBe(1);
    expect(await db.get('chunks', [before.store.storeKey, 2])).toBeUndefined();
    // Another tab of the same browser in the same swarm starts empty: its own store.
    expect((await openOk(storageOf('tab2'), await runOptions())).held.count).toBe(0);
  });

  it('stops checking what a reload kept once the run is abandoned, deleting nothing it did not judge', async () => {
    const { manifest } = await prepared;
    const disk = { quotaBytes: Number.POSITIVE_INFINITY };
    const { name, storageOf } = fixture(async () => ({ quota: disk.quotaBytes, usage: 0 }));
    const before = await openOk(storageOf('tab1'), await runOptions());
    for (let index = 0; index < chunkCount(manifest); index++) await before.store.put(index, chunkOf(manifest, index));
    before.store.close();
    // The reload, on a full disk (checked, a store holding no chunk judged yet was deleted as refused); the tab
    // leaves, keeping its chunks (the page unloads), after two chunks are checked.
    disk.quotaBytes = 0;
    const fractions: number[] = [];
    const opened = await storageOf('tab1').openRun({
      ...(await runOptions()),
      onProgress: (fraction) => fractions.push(fraction),
      abandoned: () => fractions.length >= 2,
    });
    // Before, every chunk was read and hashed after Leave (13 s for 2 GiB).
    expect(fractions).toHaveLength(2);
    // Given back as it is, unjudged by the quota (which has no room: a refusal deleted a store holding no chunk).
    if (!opened.ok) throw new Error(`expected the store as checked so far, got ${opened.error.code}`);
    expect(opened.held.count).toBe(2);
    expect(opened.checkCutShort).toBe(true);
    opened.store.close();
    const db = await openChunkDatabase(name);
    expect(await db.count('chunks', chunkRange(before.store.storeKey))).toBe(chunkCount(manifest));
  });

  it('a reloaded tab fetches again a stored chunk it cannot read, rather than fail', async () => {
    const { manifest, name, storageOf, before } = await tabHolding([0, 4]);
    // Chunk 2 as the Blob a finished run leaves, whose file on disk is gone: reading it fails.
    const db = await openChunkDatabase(name);
    await db.put('chunks', new Blob([chunkOf(manifest, 2)]), [before.store.storeKey, 2]);
    // Every read of it (a read that fails once is tried again).
    const read = vi
      .spyOn(Blob.prototype, 'arrayBuffer')
      .mockRejectedValue(new DOMException('Data lost due to missing file', 'NotFoundError'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // Before, the open rejected, and the tab failed ("allow this site to save data") at every retry of the run.
      const after = await openOk(storageOf('tab1'), await runOptions());
      expect([0, 1, 2, 3, 4, 5].filter((index) => after.held.has(index))).toEqual([0, 4]);
      expect(await db.get('chunks', [before.store.storeKey, 2])).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not be read back'));
    } finally {
      read.mockRestore();
      warn.mockRestore();
    }
  });

  it('a stored chunk whose read itself fails is fetched again, its aborted transaction no unhandled rejection', async () => {
    const { name, storageOf } = await tabHolding([0, 2, 4]);
    // The database's read of chunk 2 fails, as Chromium's does for a value whose file is gone ("Data lost"): the
    // request errs and its transaction aborts (fake-indexeddb's object store, below idb).
    const db = await openChunkDatabase(name);
    const tx = db.transaction('chunks');
    const raw = Object.getPrototypeOf((tx.store as unknown as { _rawObjectStore: object })._rawObjectStore) as {
      getValue(key: unknown): unknown;
    };
    await tx.done;
    const getValue = raw.getValue;
    raw.getValue = function (this: unknown, key: unknown) {
      if (Array.isArray(key) && key[1] === 2) throw new DOMException('Data lost due to missing file', 'UnknownError');
      return getValue.call(this, key);
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const after = await openOk(storageOf('tab1'), await runOptions());
      expect([0, 1, 2, 3, 4, 5].filter((index) => after.held.has(index))).toEqual([0, 4]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // idb's promise of each aborted transaction's end rejected, awaited by nobody: a page error in a browser.
      expect(unhandled).toEqual([]);
    } finally {
      raw.getValue = getValue;
      process.off('unhandledRejection', onUnhandled);
      warn.mockRestore();
    }
  });

  it('reads the chunks whose read failed again after one wait for them all, not one wait each', async () => {
    const { manifest } = await prepared;
    const { storageOf } = fixture();
    const storage = storageOf('tab1');
    const run1 = await openOk(storage, await runOptions(1));
    for (let index = 0; index < chunkCount(manifest); index++) await run1.store.put(index, chunkOf(manifest, index));
    await run1.store.storeAsBlobs();
    const read = vi.spyOn(Blob.prototype, 'arrayBuffer').mockRejectedValue(new DOMException('gone', 'NotFoundError'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      expect(await storage.keptFile({ ...PLACE, manifest })).toBeUndefined();
      // Before, 100 ms per chunk: 14 min over a 2 GiB file whose every read failed.
      expect(timers.mock.calls.filter(([, delayMs]) => delayMs === 100)).toHaveLength(1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^swarmlab: 6 stored chunks could not be read back: /));
    } finally {
      read.mockRestore();
      warn.mockRestore();
      timers.mockRestore();
    }
  });

  it('Save of a store deleted meanwhile (a new run started) says so, rather than end without a word', async () => {
    const { manifest } = await prepared;
    const { storageOf } = fixture();
    const storage = storageOf('tab1');
    const run1 = await openOk(storage, await runOptions(1));
    for (let index = 0; index < chunkCount(manifest); index++) await run1.store.put(index, chunkOf(manifest, index));
    await storage.forget(run1.store.storeKey);
    await expect(run1.store.fileBlob()).rejects.toThrow(StoredFileGoneError);
    await expect(run1.store.fileBlob()).rejects.toThrow(/no longer stored whole in this tab \(0 of 6 chunks\)/);
  });

  it('a failure deleting the earlier runs’ chunks in the background is only a warning', async () => {
    const { name } = fixture();
    // The earlier runs' records cannot be listed (the site's data cleared under the page, say): a transaction reading
    // them is refused, as a closing connection refuses it.
    const failingDb = async (): Promise<ChunkDb> => {
      const db = await openChunkDatabase(name);
      return new Proxy(db, {
        get(target, property, receiver) {
          if (property === 'transaction')
            return (names: unknown, ...rest: unknown[]) => {
              if (names === 'stores' && rest[0] === undefined)
                throw new DOMException('the database connection is closing', 'InvalidStateError');
              return (target.transaction as (...args: unknown[]) => unknown)(names, ...rest);
            };
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const storage = new LeecherStorage({
        db: failingDb,
        tabId: async () => 'tab1',
        sha256: portableSha256,
        nowMs: () => 1_000_000,
        estimate: undefined,
      });
      // Before, the open went on, and the rejection escaped unhandled.
      const run2 = await openOk(storage, await runOptions(2));
      await storage.forgetOtherRuns(PLACE, run2.store.storeKey);
      await expect.poll(() => warn.mock.calls.length).toBeGreaterThan(0);
      expect(String(warn.mock.calls[0]![0])).toContain('earlier runs of the swarm could not be deleted');
    } finally {
      warn.mockRestore();
    }
  });

  it('finds the whole file a tab kept of its latest run, for Save after a reload once the run is over', async () => {
    const { manifest } = await prepared;
    const { storageOf } = fixture();
    const where = { ...PLACE, manifest };
    const run1 = await openOk(storageOf('tab1'), await runOptions(1));
    // Part of the file only: nothing to offer.
    for (const index of [0, 1]) await run1.store.put(index, chunkOf(manifest, index));
    expect(await storageOf('tab1').keptFile(where)).toBeUndefined();
    for (let index = 2; index < chunkCount(manifest); index++) await run1.store.put(index, chunkOf(manifest, index));
    await run1.store.storeAsBlobs();
    // The reload: a new page, the same tab id. Before, nothing opened this store when no run went on.
    const kept = (await storageOf('tab1').keptFile(where))!;
    expect(kept.runNumber).toBe(1);
    expect(bytesToHex(sha256(new Uint8Array(await (await kept.store.fileBlob()).arrayBuffer())))).toBe(fileSha256);
    // Another tab of the browser kept nothing of its own.
    expect(await storageOf('tab2').keptFile(where)).toBeUndefined();
    // A read that fails once is tried again: the file is offered (before, it was not, without a word, and leaving
    // deleted it unasked).
    const busy = new DOMException('busy', 'UnknownError');
    const read = vi.spyOn(Blob.prototype, 'arrayBuffer').mockRejectedValueOnce(busy);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((await storageOf('tab1').keptFile(where))?.runNumber).toBe(1);
      expect(warn).not.toHaveBeenCalled();
      // One that fails every time offers nothing this time, says so, and deletes nothing.
      read.mockRejectedValue(busy);
      expect(await storageOf('tab1').keptFile(where)).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not be read back: /));
    } finally {
      read.mockRestore();
      warn.mockRestore();
    }
    expect((await storageOf('tab1').keptFile(where))?.runNumber).toBe(1);
    // A reload between runs is given a new place: the former one's file is found when the page says it is its own.
    const renamed = { ...where, peerId: 'n'.repeat(12) };
    expect(await storageOf('tab1').keptFile(renamed)).toBeUndefined();
    expect((await storageOf('tab1').keptFile({ ...renamed, formerPeerIds: ['o'.repeat(12), PEER] }))?.runNumber).toBe(
      1,
    );
  });

  it('keeps a whole file an hour old while it checks it: another page’s clean-up meanwhile takes it for fresh', async () => {
    const { manifest } = await prepared;
    const { name, clock, storageOf } = fixture();
    const run1 = await openOk(storageOf('tab1'), await runOptions(1));
    for (let index = 0; index < chunkCount(manifest); index++) await run1.store.put(index, chunkOf(manifest, index));
    await run1.store.storeAsBlobs();
    run1.store.close();
    // The tab comes back after an hour (restored after the browser discarded it) and checks the file it kept; a
    // page's clean-up runs to its end as the first chunk is hashed (before, the store was deleted under the check,
    // and the file lost).
    clock.nowMs += STALE_STORE_AFTER_MS + 60_000;
    let cleaning: Promise<string[]> | undefined;
    const checking = new LeecherStorage({
      db: () => openChunkDatabase(name),
      tabId: async () => 'tab1',
      sha256: async (bytes) => {
        await (cleaning ??= storageOf('tab2').cleanStale());
        return portableSha256(bytes);
      },
      nowMs: () => clock.nowMs,
      estimate: undefined,
    });
    const kept = await checking.keptFile({ ...PLACE, manifest });
    expect(await cleaning).toEqual([]);
    expect(kept?.runNumber).toBe(1);
    expect(bytesToHex(sha256(new Uint8Array(await (await kept!.store.fileBlob()).arrayBuffer())))).toBe(fileSha256);
  });

  it('deletes only stores of its own place: a duplicated tab with its original’s tab id leaves the original’s', async () => {
    const { manifest } = await prepared;
    const { name, storageOf } = fixture();
    const original = await openOk(storageOf('tab1'), await runOptions(1));
    for (const index of [0, 1, 2]) await original.store.put(index, chunkOf(manifest, index));
    const copyPlace = { ...PLACE, peerId: 'd'.repeat(12) };
    const copy = storageOf('tab1');
    const copyRun = await openOk(copy, await runOptions(1, [], copyPlace.peerId));
    expect(copyRun.held.count).toBe(0);
    await copy.forgetOtherRuns(copyPlace, copyRun.store.storeKey);
    await copy.forgetSwarm(copyPlace);
    const db = await openChunkDatabase(name);
    expect(await storeKeysWithChunks(db)).toEqual([original.store.storeKey]);
    expect((await openOk(storageOf('tab1'), await runOptions(1))).held.count).toBe(3);
  });

  it('a new run starts empty at once; the previous run’s chunks go once the run takes its store up', async () => {
    const { manifest } = await prepared;
    const { name, storageOf } = fixture();
    const storage = storageOf('tab1');
    const run1 = await openOk(storage, await runOptions(1));
    for (let index = 0; index < chunkCount(manifest); index++) await run1.store.put(index, chunkOf(manifest, index));
    const run2 = await openOk(storage, await runOptions(2));
    expect(run2.held.count).toBe(0);
    const db = await openChunkDatabase(name);
    // Not at the open: a run stopped while its store opened left the previous run's whole file deleted.
    expect(await storeKeysWithChunks(db)).toEqual([run1.store.storeKey]);
    await storage.forgetOtherRuns(PLACE, run2.store.storeKey);
    expect(await storeKeysWithChunks(db)).toEqual([]);
    expect(await db.getAllKeys('stores')).toEqual([run2.store.storeKey]);
  });

  it('leaving forgets the store; stale stores and orphan chunks are cleaned on the next visit', async () => {
    const { manifest } = await prepared;
    const { name, clock, storageOf } = fixture();
    const left = await openOk(storageOf('gone'), await runOptions());
    await left.store.put(0, chunkOf(manifest, 0));
    await storageOf('gone').forget(left.store.storeKey);
    const db = await openChunkDatabase(name);
    expect(await storeKeysWithChunks(db)).toEqual([]);

    const stale = await openOk(storageOf('crashed'), await runOptions());
    await stale.store.put(1, chunkOf(manifest, 1));
    await db.put('chunks', new Blob([chunkOf(manifest, 0)]), ['orphan/x/y/1', 0]);
    clock.nowMs += STALE_STORE_AFTER_MS / 2;
    const live = await openOk(storageOf('live'), await runOptions());
    await live.store.put(1, chunkOf(manifest, 1));
    clock.nowMs += STALE_STORE_AFTER_MS / 2 + 1;
    const deleted = await storageOf('visitor').cleanStale();
    expect(deleted.sort()).toEqual(['orphan/x/y/1', stale.store.storeKey].sort());
    expect(await storeKeysWithChunks(db)).toEqual([live.store.storeKey]);
  });

  it('keeps a store another tab records while stale ones are cleaned, though its chunks looked orphaned', async () => {
    const { manifest } = await prepared;
    const { name, clock, storageOf } = fixture();
    const db = await openChunkDatabase(name);
    let newcomer: string | undefined;
    // Another tab opens its store and writes its first chunk just after the visitor has read the records (in a
    // transaction of its own: `readFrom`).
    const bound = <T extends object>(target: T, property: PropertyKey): unknown => {
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    };
    const racing = new Proxy(db, {
      get(inner, property) {
        if (property !== 'transaction') return bound(inner, property);
        return (...args: unknown[]) => {
          type Tx = { readonly store: { getAll(...query: unknown[]): Promise<unknown> } };
          const tx = (inner.transaction as (...args: unknown[]) => Tx)(...args);
          if (args[0] !== 'stores' || args[1] !== undefined) return tx;
          const store = new Proxy(tx.store, {
            get(records, name) {
              if (name !== 'getAll') return bound(records, name);
              return async (...query: unknown[]) => {
                const result = await records.getAll(...query);
                if (newcomer === undefined) {
                  const opened = await openOk(storageOf('newcomer'), await runOptions());
                  await opened.store.put(0, chunkOf(manifest, 0));
                  newcomer = opened.store.storeKey;
                }
                return result;
              };
            },
          });
          return new Proxy(tx, { get: (t, name) => (name === 'store' ? store : bound(t, name)) });
        };
      },
    });
    const visitor = new LeecherStorage({
      db: async () => racing,
      tabId: async () => 'visitor',
      sha256: portableSha256,
      nowMs: () => clock.nowMs,
      estimate: undefined,
    });
    expect(await visitor.cleanStale()).toEqual([]);
    expect(await storeKeysWithChunks(db)).toEqual([newcomer]);
    expect(await db.get('stores', newcomer!)).toBeDefined();
  });

  it('refuses a download that will not fit the quota, with the figures', async () => {
    const { storageOf, name } = fixture(async () => ({ quota: 1024 * 1024, usage: 512 * 1024 }));
    const opened = await storageOf('tab1').openRun(await runOptions());
    expect(opened).toMatchObject({ ok: false, error: { code: 'insufficient-storage', availableBytes: 512 * 1024 } });
    if (!opened.ok && opened.error.code === 'insufficient-storage')
      expect(opened.error.neededBytes).toBeGreaterThan(FILE_BYTES);
    const db = await openChunkDatabase(name);
    await expect.poll(() => db.getAllKeys('stores')).toEqual([]);
    // Room freed by the previous run's chunks counts.
    const roomy = fixture(async () => ({ quota: 100 * 1024 * 1024, usage: 90 * 1024 * 1024 }));
    expect(
      (await roomy.storageOf('tab1').openRun({ ...(await runOptions()), releasingBytes: 20 * 1024 * 1024 })).ok,
    ).toBe(true);
  });

  it('a store closed (the tab left) refuses the writes queued and later ones: forgotten, it leaves no chunk behind', async () => {
    const { manifest } = await prepared;
    const { name, storageOf } = fixture();
    const storage = storageOf('tab1');
    const opened = await openOk(storage, await runOptions());
    const count = chunkCount(manifest);
    const writes = Array.from({ length: count }, (_, index) =>
      opened.store.put(index, chunkOf(manifest, index)).then(
        () => 'stored',
        (error: unknown) => (error instanceof StoreClosedError ? 'closed' : String(error)),
      ),
    );
    opened.store.close();
    await storage.forget(opened.store.storeKey);
    const outcomes = await Promise.all(writes);
    // The one transaction under way lands (before the forget, which deletes it); the queued ones no longer do.
    expect(outcomes.filter((outcome) => outcome === 'closed')).toHaveLength(count - 1);
    await expect(opened.store.put(0, chunkOf(manifest, 0))).rejects.toBeInstanceOf(StoreClosedError);
    const db = await openChunkDatabase(name);
    expect(await db.getAllKeys('chunks')).toEqual([]);
    expect(await db.getAllKeys('stores')).toEqual([]);
  });

  it('a store closed while its last write is under way does not report that write failing: another run took over', async () => {
    const { manifest } = await prepared;
    const { name } = fixture();
    const full = dbWithRoom(await openChunkDatabase(name), { writes: 0 });
    const failures: StorageError[] = [];
    const store = new IdbChunkStore({
      db: full,
      storeKey: 'k',
      manifest,
      onWriteFailed: (error) => failures.push(error),
    });
    const write = store.put(0, chunkOf(manifest, 0));
    store.close();
    await expect(write).rejects.toThrow(/quota/);
    // Told, the session failed the run that took over and deleted its chunks.
    expect(failures).toEqual([]);
  });

  it('a store closed while its file is hashed stops the pass: the hash rejects, the rest is not rewritten', async () => {
    const { manifest } = await prepared;
    const { name, storageOf } = fixture();
    const opened = await openOk(storageOf('tab1'), await runOptions());
    const count = chunkCount(manifest);
    for (let index = 0; index < count; index++) await opened.store.put(index, chunkOf(manifest, index));
    let closed = false;
    const hashing = hashStoredFile(opened.store, (fraction) => {
      if (fraction > 0 && !closed) {
        closed = true;
        opened.store.close(); // the tab leaves
      }
    });
    await expect(hashing).rejects.toBeInstanceOf(StoreClosedError);
    const db = await openChunkDatabase(name);
    const stored = await db.getAll('chunks', chunkRange(opened.store.storeKey));
    expect(stored).toHaveLength(count);
    // Before, the pass went on over the whole file after the tab left.
    expect(stored.filter((chunk) => chunk instanceof Blob).length).toBeLessThan(count);
  });

  it('a run over releases its store’s cache and spare memory, and the store stays usable', async () => {
    const { manifest } = await prepared;
    const { storageOf } = fixture();
    const opened = await openOk(storageOf('tab1'), await runOptions());
    const count = chunkCount(manifest);
    for (let index = 0; index < count; index++) await opened.store.put(index, chunkOf(manifest, index));
    expect(opened.store.get(0)).toBeInstanceOf(Uint8Array);
    opened.store.releaseMemory();
    // Reads in flight as the run ends (peers being served) do not fill it again.
    const reads = [0, 1, 2, 3].map((index) => opened.store.get(index));
    opened.store.releaseMemory();
    await Promise.all(reads);
    for (let index = 0; index < count; index++) expect(opened.store.get(index)).toBeInstanceOf(Promise);
    expect(opened.store.takeMemory(CHUNK)).toBeUndefined();
    expect(bytesToHex(sha256(new Uint8Array(await (await opened.store.fileBlob()).arrayBuffer())))).toBe(fileSha256);
  });

  it('refused for room, a resumed run keeps the chunks it held: the retry fetches only the rest', async () => {
    const { manifest } = await prepared;
    const { name, clock } = fixture();
    const quota = { bytes: Number.POSITIVE_INFINITY };
    const storage = new LeecherStorage({
      db: () => openChunkDatabase(name),
      tabId: async () => 'tab1',
      sha256: portableSha256,
      nowMs: () => clock.nowMs,
      estimate: async () => ({ quota: quota.bytes, usage: 0 }),
    });
    const first = await openOk(storage, await runOptions());
    for (const index of [0, 1, 2]) await first.store.put(index, chunkOf(manifest, index));
    first.store.close();
    // Reloaded: room for less than the rest and its margin.
    const restBytes = FILE_BYTES - 3 * CHUNK;
    quota.bytes = restBytes;
    const refused = await storage.openRun(await runOptions());
    expect(refused).toMatchObject({ ok: false, error: { code: 'insufficient-storage' } });
    const db = await openChunkDatabase(name);
    // Deleted, they freed no room for the retry, which then needed the whole file again.
    expect(refused.ok ? undefined : refused.storeKey).toBe(first.store.storeKey);
    expect(await db.getAllKeys('chunks', chunkRange(first.store.storeKey))).toHaveLength(3);
    // Room for the rest (not for the whole file): the retry takes them up.
    quota.bytes = restBytes + storageMarginBytes(restBytes);
    const retried = await openOk(storage, await runOptions());
    expect(retried.held.count).toBe(3);
    // A run that held nothing leaves no store behind.
    quota.bytes = CHUNK;
    const fresh = await storage.openRun(await runOptions(2));
    expect(fresh.ok).toBe(false);
    await expect.poll(async () => (await db.getAllKeys('stores')).length).toBe(1);
  });

  it('counts what a refused run kept as freed for the next run, which deletes it: the room the user freed suffices', async () => {
    const { manifest } = await prepared;
    const { name, clock } = fixture();
    const db = await openChunkDatabase(name);
    const disk = { quotaBytes: Number.POSITIVE_INFINITY };
    const storage = new LeecherStorage({
      db: () => openChunkDatabase(name),
      tabId: async () => 'tab1',
      sha256: portableSha256,
      nowMs: () => clock.nowMs,
      // What the stored chunks take, as the browser counts it.
      estimate: async () => ({ quota: disk.quotaBytes, usage: (await db.count('chunks')) * CHUNK }),
    });
    const run1 = await openOk(storage, await runOptions(1));
    for (const index of [0, 1, 2]) await run1.store.put(index, chunkOf(manifest, index));
    run1.store.close();
    disk.quotaBytes = 3 * CHUNK + 1024 * 1024; // the disk filled while the tab reloaded
    const refused = await storage.openRun(await runOptions(1));
    if (refused.ok || refused.error.code !== 'insufficient-storage') throw new Error('expected a refusal for room');
    // The user frees exactly what the message asked for; the teacher has meanwhile started run 2.
    disk.quotaBytes += refused.error.neededBytes - refused.error.availableBytes;
    // Before, run 1's kept chunks were counted as used: refused again.
    expect((await storage.openRun(await runOptions(2))).ok).toBe(true);
  });

  it('a disk so full that the store’s own record is refused says to free room, not to allow the site storage', async () => {
    const { name } = fixture();
    const real = await openChunkDatabase(name);
    /** Storage on `real` whose every `put` the browser refuses with `error`. */
    const refusingPuts = (error: DOMException) =>
      new LeecherStorage({
        db: async () =>
          new Proxy(real, {
            get(inner, property) {
              if (property === 'put') return () => Promise.reject(error);
              const value = Reflect.get(inner, property, inner);
              return typeof value === 'function' ? value.bind(inner) : value;
            },
          }),
        tabId: async () => 'tab1',
        sha256: portableSha256,
        nowMs: Date.now,
        estimate: undefined,
      });
    const full = refusingPuts(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    const opened = await full.openRun(await runOptions());
    expect(opened).toMatchObject({
      ok: false,
      error: { code: 'no-room-to-open', detail: 'The quota has been exceeded.' },
      // Named: what the store holds already (a tab reloaded mid-run) stays for the retry.
      storeKey: expect.any(String),
    });
    if (!opened.ok) expect(storageMessageOf(opened.error)).toMatch(/Free some disk space/);
    // Refused otherwise (private browsing, say), storage is what the browser withholds, as before.
    const refused = refusingPuts(new DOMException('Refused.', 'InvalidStateError'));
    expect(await refused.openRun(await runOptions())).toMatchObject({
      ok: false,
      error: { code: 'storage-unavailable' },
    });
  });

  it('a write that fails for lack of room stops the store: reported once, nothing kept, later writes refused', async () => {
    const { manifest } = await prepared;
    const { name } = fixture();
    const db = await openChunkDatabase(name);
    const full = dbWithRoom(db, { writes: 2 });
    const failures: StorageError[] = [];
    const store = new IdbChunkStore({
      db: full,
      storeKey: 'k',
      manifest,
      onWriteFailed: (error) => failures.push(error),
    });
    await store.put(0, chunkOf(manifest, 0));
    await store.put(1, chunkOf(manifest, 1));
    await expect(store.put(2, chunkOf(manifest, 2))).rejects.toThrow(/quota/);
    await expect(store.put(3, chunkOf(manifest, 3))).rejects.toThrow(/storage failed/);
    expect(failures).toEqual([{ code: 'quota-exceeded', detail: 'The quota has been exceeded.' }]);
    expect(store.failed?.code).toBe('quota-exceeded');
    // Nothing of the failed chunk is stored or cached.
    expect(await store.get(2)).toBeUndefined();
    expect(await db.getAllKeys('chunks')).toEqual([
      ['k', 0],
      ['k', 1],
    ]);
  });
});

/**
 * `db` whose write transactions' `put`s fail once `room.writes` of them are used up, as a full disk's do (the
 * write is lost, its transaction aborts); a test may give more room later.
 */
function dbWithRoom(db: ChunkDb, room: { writes: number }): ChunkDb {
  const wrapped = <T extends object>(target: T, wrap: (property: string | symbol, value: unknown) => unknown) =>
    new Proxy(target, {
      get(inner, property) {
        const value = Reflect.get(inner, property, inner);
        return wrap(property, typeof value === 'function' ? value.bind(inner) : value);
      },
    });
  return wrapped(db, (property, value) =>
    property !== 'transaction'
      ? value
      : (...args: Parameters<ChunkDb['transaction']>) =>
          wrapped((value as ChunkDb['transaction'])(...args), (txProperty, txValue) =>
            txProperty !== 'store'
              ? txValue
              : wrapped(txValue as object, (storeProperty, storeValue) =>
                  storeProperty !== 'put'
                    ? storeValue
                    : (chunk: unknown, key: [string, number]) =>
                        room.writes-- > 0
                          ? (storeValue as (v: unknown, k: [string, number]) => Promise<unknown>)(chunk, key)
                          : Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')),
                ),
          ),
  ) as ChunkDb;
}

async function sha256Hex(bytes: Uint8Array | undefined): Promise<string | undefined> {
  return bytes && bytesToHex(sha256(bytes));
}
