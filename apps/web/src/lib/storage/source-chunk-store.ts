import type { AsyncChunkStore } from '@swarmlab/engine';
import { chunkLengthBytes, type Manifest } from '@swarmlab/protocol';
import { ChunkCache, servedChunkCacheBytes } from './chunk-cache';
import type { ChunkSource } from './chunk-source';

/**
 * The seeder's chunks, read from its `ChunkSource` (the user's `File`, or a generated file) when a peer
 * asks, never held whole: a `ChunkCache` keeps those served lately, so a chunk asked for by several peers
 * at once is read once (a read in flight is shared too). Cached chunks answer at once, the rest later.
 */
export class SourceChunkStore implements AsyncChunkStore {
  readonly #source: ChunkSource;
  readonly #manifest: Manifest;
  readonly #cache: ChunkCache;
  readonly #reading = new Map<number, Promise<Uint8Array>>();
  /** Moves on at each `releaseMemory`: a read in flight then is not cached. */
  #cacheGeneration = 0;

  constructor(source: ChunkSource, manifest: Manifest, cacheBytes = servedChunkCacheBytes(manifest.chunkBytes)) {
    this.#source = source;
    this.#manifest = manifest;
    this.#cache = new ChunkCache(cacheBytes);
  }

  get(chunkIndex: number): Uint8Array | Promise<Uint8Array> {
    const cached = this.#cache.get(chunkIndex);
    if (cached) return cached;
    const reading = this.#reading.get(chunkIndex);
    if (reading) return reading;
    const lengthBytes = chunkLengthBytes(this.#manifest, chunkIndex);
    const generation = this.#cacheGeneration;
    const read = this.#source
      .read(chunkIndex * this.#manifest.chunkBytes, lengthBytes, this.#cache.takeMemory(lengthBytes))
      .then((chunk) => {
        if (generation === this.#cacheGeneration) this.#cache.set(chunkIndex, chunk);
        return chunk;
      })
      .finally(() => this.#reading.delete(chunkIndex));
    this.#reading.set(chunkIndex, read);
    return read;
  }

  /**
   * Drops the cache and its spare memories, for a run that is over or a tab that left: 5–12 MiB held between runs
   * and, for a page kept for Back and Forward, for as long as it was kept (found by review). Read again on demand.
   */
  releaseMemory(): void {
    this.#cacheGeneration++;
    this.#cache.clear();
  }

  /** The seeder holds every chunk from the start: the engine never writes one. */
  put(chunkIndex: number): Promise<void> {
    return Promise.reject(new Error(`the seeder's file is read-only (chunk ${chunkIndex})`));
  }

  /** The whole file, for Save (`onProgress`: how far a generated file is, 0 to 1; `signal`: the Save was left). */
  fileBlob(onProgress?: (fraction: number) => void, signal?: AbortSignal): Promise<Blob> {
    return this.#source.blob(onProgress, signal);
  }
}
