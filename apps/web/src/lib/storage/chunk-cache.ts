/**
 * How many dropped chunks' memories a cache keeps for reads and downloads to reuse: each chunk read or
 * downloaded drops one as it is cached, so a few absorb several starting at once.
 */
const SPARE_MEMORIES = 4;

/**
 * The chunks most recently read or written, up to `maxBytes`: what keeps the upload path fast when the
 * chunks themselves live in a `File` or IndexedDB. Peers ask for the newest chunks most (rarest first),
 * so the least recently used chunk is the one dropped.
 *
 * The memory of a dropped chunk is kept for the next read to fill (`takeMemory`): a seeder or leecher
 * serving gigabytes then reads chunk after chunk into the same few buffers, where a fresh one per read is
 * garbage V8 collects only once tens of MiB of it pile up (#12). So a chunk `get` hands out is the caller's
 * only until the cache drops it: the engine copies each block it sends at once, and keeps no chunk.
 */
export class ChunkCache {
  readonly maxBytes: number;
  readonly #chunks = new Map<number, Uint8Array>();
  readonly #spare: ArrayBuffer[] = [];
  #heldBytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  get(chunkIndex: number): Uint8Array | undefined {
    const chunk = this.#chunks.get(chunkIndex);
    if (chunk) {
      // Most recently used last: Map keeps insertion order.
      this.#chunks.delete(chunkIndex);
      this.#chunks.set(chunkIndex, chunk);
    }
    return chunk;
  }

  set(chunkIndex: number, chunk: Uint8Array): void {
    this.delete(chunkIndex);
    if (chunk.length > this.maxBytes) return;
    this.#chunks.set(chunkIndex, chunk);
    this.#heldBytes += chunk.length;
    for (const [oldest, oldChunk] of this.#chunks) {
      if (this.#heldBytes <= this.maxBytes) break;
      this.#chunks.delete(oldest);
      this.#heldBytes -= oldChunk.length;
      this.#keepSpare(oldChunk);
    }
  }

  /** Memory of a dropped chunk, at least `lengthBytes` long, for a read to fill; undefined if none is spare. */
  takeMemory(lengthBytes: number): ArrayBuffer | undefined {
    const index = this.#spare.findIndex((memory) => memory.byteLength >= lengthBytes);
    return index < 0 ? undefined : this.#spare.splice(index, 1)[0];
  }

  delete(chunkIndex: number): void {
    const chunk = this.#chunks.get(chunkIndex);
    if (!chunk) return;
    this.#chunks.delete(chunkIndex);
    this.#heldBytes -= chunk.length;
  }

  clear(): void {
    this.#chunks.clear();
    this.#spare.length = 0;
    this.#heldBytes = 0;
  }

  /** Keeps a dropped chunk's memory if the chunk was all of it (never a view into something larger). */
  #keepSpare(chunk: Uint8Array): void {
    const { buffer } = chunk;
    if (this.#spare.length >= SPARE_MEMORIES || !(buffer instanceof ArrayBuffer)) return;
    if (chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) this.#spare.push(buffer);
  }
}

/**
 * How much a tab caches of the chunks it serves: 4 MiB, 16 chunks of 256 KiB (the few each downloading
 * peer is being sent), and at least 8 chunks whatever their size. A miss costs one read of the `File` or
 * IndexedDB, milliseconds. Kept small for the ≤ 300 MiB a tab may take (#12): a tab with no transfer
 * takes about 225 MiB, and V8 lets dropped blocks and chunks grow by about 64 MiB before it collects them
 * (`pnpm bench memory`; bench/README.md). A 16 MiB cache measured 291–348 MiB at 256 MiB; 4 MiB 283–288.
 */
export const SERVED_CHUNK_CACHE_BYTES = 4 * 1024 * 1024;

export function servedChunkCacheBytes(chunkBytes: number): number {
  return Math.max(SERVED_CHUNK_CACHE_BYTES, 8 * chunkBytes);
}
