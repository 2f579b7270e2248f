import type { AsyncChunkStore } from '@swarmlab/engine';
import type { StoredFile } from '../whole-file-hash';
import { chunkCount, type Manifest } from '@swarmlab/protocol';
import { ChunkCache, servedChunkCacheBytes } from './chunk-cache';
import { chunkRange, endOf, readFrom, storedLength, type ChunkDb, type StoredChunk } from './chunk-database';
import {
  STORAGE_GONE,
  StoreClosedError,
  StoredFileGoneError,
  StoreRewriteError,
  writeErrorOf,
  type StorageError,
} from './storage-error';
import { WriteBatcher } from './write-batcher';
import { readBlobInto } from '../blob-reader';
import { CollectionHint } from '@swarmlab/webrtc/collection-hint';

/** Chunks read (or rewritten as Blobs) per transaction when the whole file is read in order. */
const CHUNKS_PER_READ = 4;
/** Most chunks one write transaction takes: 2 MiB of 256 KiB chunks; it takes fewer when fewer wait. */
const MAX_CHUNKS_PER_WRITE = 8;

interface ChunkWrite {
  readonly chunkIndex: number;
  readonly bytes: Uint8Array;
}

export interface IdbChunkStoreOptions {
  readonly db: ChunkDb;
  readonly storeKey: string;
  readonly manifest: Manifest;
  readonly cacheBytes?: number;
  /**
   * The first write that fails (out of room, private mode), or the browser closing the store's connection
   * (`storage-gone`, told at once): the store refuses every write after it, and the tab stops with a clear message
   * (`storageMessageOf`) and forgets the store.
   */
  readonly onWriteFailed: (error: StorageError) => void;
}

/**
 * A leecher's chunks in IndexedDB (#12): each verified chunk is written as its bytes under
 * `[storeKey, chunkIndex]`, and rewritten as a Blob once the run is over, or when Save asks for the file
 * (`storeAsBlobs`; `StoredChunk` says why). One write transaction runs at a time, taking every chunk verified
 * meanwhile (`WriteBatcher`); a failed one leaves nothing behind. Writes are `relaxed` (no flush to disk per
 * transaction): a crash may lose the last chunks written, which a reload finds missing and fetches again,
 * as it checks every stored chunk against the manifest anyway. A
 * `ChunkCache` keeps the chunks written or read lately, which are the ones peers ask for (rarest first
 * favours the newest), so most uploads answer at once.
 */
export class IdbChunkStore implements AsyncChunkStore, StoredFile {
  readonly storeKey: string;
  readonly #db: ChunkDb;
  readonly #manifest: Manifest;
  readonly #cache: ChunkCache;
  readonly #onWriteFailed: (error: StorageError) => void;
  #failed: StorageError | undefined;
  /** See `close`. */
  #closed = false;
  /** Raised as the cache is emptied (`releaseMemory`, `close`): a read begun before caches nothing. */
  #cacheGeneration = 0;
  readonly #writes: WriteBatcher<ChunkWrite>;
  /** The pass that turns the stored bytes into Blobs, while one runs (callers meanwhile share it). */
  #toBlobs: Promise<void> | undefined;
  /** Who rides that pass (`storeAsBlobs`' `eachChunk`), until another caller joins it. */
  #toBlobsRider: ChunkRider | undefined;
  /** Who follows that pass's progress (every caller sharing it), and how far it got. */
  readonly #toBlobsListeners = new Set<(fraction: number) => void>();
  #toBlobsFraction = 0;

  constructor(options: IdbChunkStoreOptions) {
    this.storeKey = options.storeKey;
    this.#db = options.db;
    this.#manifest = options.manifest;
    this.#cache = new ChunkCache(options.cacheBytes ?? servedChunkCacheBytes(options.manifest.chunkBytes));
    this.#onWriteFailed = options.onWriteFailed;
    this.#writes = new WriteBatcher((batch) => this.#writeBatch(batch), MAX_CHUNKS_PER_WRITE);
    this.#db.addEventListener('close', this.#connectionClosed);
  }

  get sizeBytes(): number {
    return this.#manifest.sizeBytes;
  }

  /** Why writing stopped, if it did. */
  get failed(): StorageError | undefined {
    return this.#failed;
  }

  get(chunkIndex: number): Uint8Array | Promise<Uint8Array | undefined> {
    return this.#cache.get(chunkIndex) ?? this.#read(chunkIndex);
  }

  /** The memory of a chunk the cache dropped, for the engine to assemble the next chunk in. */
  takeMemory(lengthBytes: number): ArrayBuffer | undefined {
    return this.#cache.takeMemory(lengthBytes);
  }

  async put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    if (this.#failed) throw new Error(`storage failed: ${this.#failed.code}`);
    if (this.#closed) throw new StoreClosedError();
    const generation = this.#cacheGeneration;
    await this.#writes.add({ chunkIndex, bytes });
    // Released or closed while it was written: the cache stays empty.
    if (generation === this.#cacheGeneration) this.#cache.set(chunkIndex, bytes);
  }

  /**
   * The whole file as one Blob of the stored chunks' Blobs; rejects with `StoredFileGoneError` if one is missing
   * (the store was deleted meanwhile: a new run, the site's data removed). The first call
   * turns the stored bytes into Blobs, a few chunks per transaction, and every call reads the Blobs back: a
   * Blob read from IndexedDB is a handle on a file on disk, so the file is never copied into memory, the page's
   * or the browser's (a Blob made from bytes would be held in the browser's memory, the whole file of it).
   */
  async fileBlob(onProgress?: (fraction: number) => void): Promise<Blob> {
    await this.storeAsBlobs(onProgress);
    const stored = await readFrom(this.#db, 'chunks', (chunks) => chunks.getAll(chunkRange(this.storeKey)));
    if (stored.length !== chunkCount(this.#manifest))
      throw new StoredFileGoneError(stored.length, chunkCount(this.#manifest));
    const blobs = stored.filter((chunk): chunk is Blob => chunk instanceof Blob);
    if (blobs.length !== stored.length) throw new Error('chunks were written while the file was gathered for Save');
    return new Blob(blobs, { type: 'application/octet-stream' });
  }

  /**
   * The stored chunks in order from `firstIndex`, a few per transaction, for a streaming pass over the file (the
   * whole-file hash). Rejects when one is missing, and once the store is closed.
   */
  async *chunks(firstIndex = 0): AsyncGenerator<StoredChunk> {
    const count = chunkCount(this.#manifest);
    for (let fromIndex = firstIndex; fromIndex < count; fromIndex += CHUNKS_PER_READ) {
      if (this.#closed) throw new StoreClosedError();
      const toIndex = Math.min(count, fromIndex + CHUNKS_PER_READ) - 1;
      const range = chunkRange(this.storeKey, fromIndex, toIndex);
      const stored = await readFrom(this.#db, 'chunks', (chunks) => chunks.getAll(range));
      if (stored.length !== toIndex - fromIndex + 1)
        throw new Error(`chunks ${fromIndex}–${toIndex} are not all stored`);
      yield* stored;
    }
  }

  /**
   * Rewrites every chunk stored as bytes as a Blob, `CHUNKS_PER_READ` per transaction: a tab does so once its
   * run is over (then Save is at once), and Save does for what is left. Callers meanwhile share the pass, and
   * each is told its progress (`onProgress`, the fraction of chunks done; a caller joining late hears how far
   * it got at once). A write that fails rejects every caller with a `StoreRewriteError`; what was rewritten
   * stays so, the rest stays bytes, and the store is still whole.
   *
   * `eachChunk`, from the caller that starts the pass, is handed every stored chunk in order as the pass reads it
   * (as it was stored: bytes, or a Blob rewritten before), each awaited once its batch's transaction is done, so
   * one read of the file both readies it for Save and hashes it (`hashStoredFile`). Resolves to whether
   * `eachChunk` was handed every chunk. It was not when the pass was already running (Save started it), nor once
   * `eachChunk` threw, nor once another caller joined: Save waits for the rewrite, never for `eachChunk` (a hash
   * reading Blobs back made Save on a kept file wait for the whole file's hash, and a read that never settled made
   * it wait for ever; found by review). The pass goes on without it.
   */
  async storeAsBlobs(
    onProgress?: (fraction: number) => void,
    eachChunk?: (chunk: StoredChunk) => Promise<void>,
  ): Promise<boolean> {
    if (onProgress) {
      this.#toBlobsListeners.add(onProgress);
      if (this.#toBlobs) onProgress(this.#toBlobsFraction);
    }
    if (this.#toBlobs) {
      this.#toBlobsRider?.detach();
      await this.#toBlobs;
      return false;
    }
    const rider = eachChunk && new ChunkRider(eachChunk);
    this.#toBlobsRider = rider;
    this.#toBlobs = this.#rewriteAsBlobs(rider).finally(() => {
      this.#toBlobs = undefined;
      this.#toBlobsRider = undefined;
      this.#toBlobsListeners.clear();
      this.#toBlobsFraction = 0;
    });
    await this.#toBlobs;
    return rider?.handedAll ?? false;
  }

  async #rewriteAsBlobs(rider: ChunkRider | undefined): Promise<void> {
    try {
      await this.#rewriteEachAsBlob(rider, (fraction) => {
        this.#toBlobsFraction = fraction;
        for (const listener of this.#toBlobsListeners) listener(fraction);
      });
    } catch (error) {
      if (error instanceof StoreClosedError) throw error;
      throw new StoreRewriteError(writeErrorOf(error));
    }
  }

  async #rewriteEachAsBlob(rider: ChunkRider | undefined, onProgress: (fraction: number) => void): Promise<void> {
    const count = chunkCount(this.#manifest);
    // Each chunk read comes in a fresh buffer and each Blob made holds its bytes in the browser process until
    // V8 collects it: a collection per MiB kept a 2 GiB file's pass within #12's budget (`bench memory`).
    const hint = new CollectionHint({ everyBytes: 1024 * 1024, minIntervalMs: 0 });
    for (let fromIndex = 0; fromIndex < count; fromIndex += CHUNKS_PER_READ) {
      // Closed (the tab left): the pass, and the hash riding it, stop here; they went on over the whole file.
      if (this.#closed) throw new StoreClosedError();
      const toIndex = Math.min(count, fromIndex + CHUNKS_PER_READ) - 1;
      const range = chunkRange(this.storeKey, fromIndex, toIndex);
      const tx = this.#db.transaction('chunks', 'readwrite', { durability: 'relaxed' });
      const done = endOf(tx);
      const [keys, stored] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)]);
      const rewrites = keys.flatMap((key, index) => {
        const chunk = stored[index]!;
        if (chunk instanceof Blob) return [];
        // Read into fresh buffers: garbage for the next collection (see `CollectionHint`).
        hint.passed(chunk.byteLength);
        return [tx.store.put(new Blob([chunk as Uint8Array<ArrayBuffer>]), key)];
      });
      await Promise.all([...rewrites, done]);
      if (rider?.handedAll) await rider.handOn(stored, stored.length === toIndex - fromIndex + 1);
      onProgress((toIndex + 1) / count);
    }
  }

  /**
   * Drops the cache and its spare memories, for a run that is over: nothing reads them any more (Save and the hash
   * read the stored chunks), and they held 4–8 MiB through the whole-file hash and the wait for the next run (found
   * by review). The store stays usable.
   */
  releaseMemory(): void {
    this.#cacheGeneration++;
    this.#cache.clear();
  }

  /**
   * Done with (the tab leaves, or another run's store takes over): drops the cache, and refuses every write not
   * yet under way (one transaction may still land). The stored chunks stay until the store is forgotten. Writes
   * queued went on landing after it, under a store forgotten meanwhile: chunks left on disk that nothing
   * counted until a later visit cleaned them (found by review).
   */
  close(): void {
    this.#closed = true;
    this.#db.removeEventListener('close', this.#connectionClosed);
    this.#writes.rejectQueued(new StoreClosedError());
    this.releaseMemory();
  }

  /**
   * The browser closed the connection (site data cleared, a backing-store error): the stored chunks are gone, and
   * no read or write of it passes any more. The owner is told at once (`storage-gone`). Before, only the page's
   * connection was forgotten: a complete tab went on offering chunks and Save it could not read, and mid-run the next
   * write failed blaming private browsing (found by review).
   */
  readonly #connectionClosed = (): void => {
    this.#fail(STORAGE_GONE);
    this.releaseMemory();
  };

  async #writeBatch(batch: readonly ChunkWrite[]): Promise<void> {
    try {
      const tx = this.#db.transaction('chunks', 'readwrite', { durability: 'relaxed' });
      await Promise.all([
        ...batch.map(({ chunkIndex, bytes }) => tx.store.put(ownBuffer(bytes), [this.storeKey, chunkIndex])),
        tx.done,
      ]);
    } catch (error) {
      this.#fail(writeErrorOf(error));
      throw error;
    }
  }

  /** The store's storage failed: every write after it is refused, and the owner is told once. */
  #fail(error: StorageError): void {
    if (this.#failed) return;
    this.#failed = error;
    // Not told once closed: the last batch of a run another run's store took over from, failing late, failed the
    // new run and deleted its chunks (found by review). The put's own rejection still says so.
    if (!this.#closed) this.#onWriteFailed(error);
    this.#writes.rejectQueued(new Error(`storage failed: ${error.code}`));
  }

  async #read(chunkIndex: number): Promise<Uint8Array | undefined> {
    const generation = this.#cacheGeneration;
    const stored = await readFrom(this.#db, 'chunks', (chunks) => chunks.get([this.storeKey, chunkIndex]));
    if (!stored) return undefined;
    let chunk: Uint8Array;
    if (stored instanceof Blob) {
      const memory = this.#cache.takeMemory(storedLength(stored));
      chunk = memory ? await readBlobInto(stored, memory) : new Uint8Array(await stored.arrayBuffer());
    } else chunk = stored;
    // Released meanwhile (the run ended): reads in flight refilled the cache just emptied (found by review).
    if (generation === this.#cacheGeneration) this.#cache.set(chunkIndex, chunk);
    return chunk;
  }
}

/**
 * Who rides a rewrite pass (`storeAsBlobs`' `eachChunk`), and whether it has been handed every chunk so far: until a
 * batch misses a chunk (the store was deleted meanwhile), `eachChunk` throws, or the rider is detached (another
 * caller joined the pass, which then stops waiting for `eachChunk`, even one that never settles).
 */
class ChunkRider {
  readonly #eachChunk: (chunk: StoredChunk) => Promise<void>;
  #handedAll = true;
  readonly #detached: Promise<void>;
  #detach!: () => void;

  constructor(eachChunk: (chunk: StoredChunk) => Promise<void>) {
    this.#eachChunk = eachChunk;
    this.#detached = new Promise((resolve) => (this.#detach = resolve));
  }

  get handedAll(): boolean {
    return this.#handedAll;
  }

  detach(): void {
    this.#handedAll = false;
    this.#detach();
  }

  /** Hands a batch's chunks on in order; `whole`: the batch holds every chunk of its range. */
  async handOn(chunks: readonly StoredChunk[], whole: boolean): Promise<void> {
    if (!whole) this.#handedAll = false;
    for (const chunk of chunks) {
      if (!this.#handedAll) return;
      try {
        await Promise.race([this.#eachChunk(chunk), this.#detached]);
      } catch {
        this.#handedAll = false;
      }
    }
  }
}

/**
 * The bytes as a view of a buffer of their own: IndexedDB stores a view's whole buffer, and a chunk may be a
 * view into a larger one.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
