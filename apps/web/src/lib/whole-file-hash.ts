import { toHex } from '@swarmlab/protocol';
import { CollectionHint } from '@swarmlab/webrtc/collection-hint';
import { readBlobInto } from './blob-reader';
import { incrementalSha256, type IncrementalSha256 } from './incremental-sha256';
import type { StoredChunk } from './storage/chunk-database';

/** Between this many bytes hashed the pass yields to the page's other tasks, so it never freezes. */
const BYTES_PER_SLICE = 16 * 1024 * 1024;

/**
 * Up to this size a stored file is copied into one buffer and hashed by WebCrypto: native code, about 5×
 * faster than hash-wasm's WebAssembly (32 MiB in 17–20 ms against 85–106 ms, in Node on this machine) and
 * 30× faster than hashing in JavaScript. A tab that has just completed must not spend seconds of CPU on
 * this while the other tabs on the machine are still downloading (measured: 1.5 s of main-thread time per
 * 16 MiB with @noble/hashes, in a swarm of 9 tabs on 2 cores). Past it the copy, and WebCrypto's own copy of
 * it, would break the tab's memory budget (#12: ≤ 300 MiB whatever the file), and the file is hashed in a
 * streaming pass instead. It was 64 MiB: leechers of a 64 MiB file peaked at 302 and 393 MiB while hashing
 * (`bench memory --sizes-mib 64`; found by review).
 */
export const MAX_WEBCRYPTO_WHOLE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A hashing pass reads chunks stored as bytes into fresh buffers, garbage as soon as hashed, faster than any
 * link brings them: with the page's hint (a collection per 16 MiB, at most one per 500 ms) a leecher hashing
 * a 2 GiB file peaked at 320 and 327 MiB (`bench memory --sizes-mib 2048`), over #12's 300. Its own hint
 * asks for a collection every 4 MiB, at most one per 50 ms (a collection of a page's small heap takes a few
 * milliseconds): 273 MiB.
 */
export function hashPassHint(): CollectionHint {
  return new CollectionHint({ everyBytes: 4 * 1024 * 1024, minIntervalMs: 50 });
}

/** A complete file as stored: its chunks in order (from `firstIndex`, 0 by default), each its bytes or a Blob. */
export interface StoredFile {
  readonly sizeBytes: number;
  chunks(firstIndex?: number): AsyncIterable<StoredChunk> | Iterable<StoredChunk>;
}

/**
 * How a whole file is hashed: `fastest` is WebCrypto over a copy of a file up to `MAX_WEBCRYPTO_WHOLE_FILE_BYTES`
 * in a secure context, else `streamed` (tests ask for that on small files).
 */
export type WholeFileHashing = 'fastest' | 'streamed';

/**
 * SHA-256 (lowercase hex) of a stored file, read chunk after chunk in a pass of its own. The app hashes a leecher's
 * file in the pass that rewrites it (`hashStoredFile`); the tests read stores back with this.
 */
export async function wholeFileSha256(
  file: StoredFile,
  onProgress?: (hashedBytes: number) => void,
  hashing: WholeFileHashing = 'fastest',
): Promise<string> {
  const hasher = await WholeFileHasher.create(file.sizeBytes, { hashing });
  await hasher.addRest(file, onProgress);
  return hasher.digest();
}

/**
 * A file's SHA-256, fed its stored chunks in order (`add`), so a pass that reads them anyway for another
 * reason hashes the file too (`IdbChunkStore.storeAsBlobs`): WebCrypto over a copy when small, else
 * streamed.
 *
 * Streamed is incremental (`incrementalSha256`: WebCrypto has no incremental digest), for large files, and
 * pages that are not a secure context. A chunk stored as a Blob is read into one buffer (`readBlobInto`): a fresh
 * buffer per chunk (`arrayBuffer()`) is garbage V8 collects only once tens of MiB of it pile up, and this pass
 * made a completed leecher's memory peak (#12). The chunks are read one at a time: a stream over one Blob of
 * them all made Chromium's browser process buffer hundreds of MiB. A chunk stored as bytes comes from
 * IndexedDB in a fresh buffer, garbage once hashed; that, stream reads and the hash state count towards the
 * pass's `CollectionHint`. Every 16 MiB the streamed hash yields to the page's other tasks, so it never freezes.
 */
export class WholeFileHasher {
  readonly #sizeBytes: number;
  readonly #countsFedBytes: boolean;
  /** WebCrypto, and the copy of the file it digests, filled as chunks come; undefined when streamed. */
  readonly #whole: { readonly subtle: SubtleCrypto; readonly bytes: Uint8Array<ArrayBuffer> } | undefined;
  readonly #streamed: IncrementalSha256 | undefined;
  readonly #hint = hashPassHint();
  readonly #reader = new ChunkReader();
  #hashedBytes = 0;
  #chunksAdded = 0;
  #sinceYield = 0;

  private constructor(
    sizeBytes: number,
    countsFedBytes: boolean,
    whole: { readonly subtle: SubtleCrypto; readonly bytes: Uint8Array<ArrayBuffer> } | undefined,
    streamed: IncrementalSha256 | undefined,
  ) {
    this.#sizeBytes = sizeBytes;
    this.#countsFedBytes = countsFedBytes;
    this.#whole = whole;
    this.#streamed = streamed;
  }

  /**
   * `countsFedBytes`: whether chunks fed as bytes are fresh buffers read for this hash alone, which it counts
   * towards its `CollectionHint`; false when the pass that read them counts them (a Blob is always read here,
   * and counted).
   */
  static async create(
    sizeBytes: number,
    { hashing = 'fastest', countsFedBytes = true }: { hashing?: WholeFileHashing; countsFedBytes?: boolean } = {},
  ): Promise<WholeFileHasher> {
    const subtle = globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
    if (hashing === 'fastest' && subtle && sizeBytes <= MAX_WEBCRYPTO_WHOLE_FILE_BYTES)
      return new WholeFileHasher(sizeBytes, countsFedBytes, { subtle, bytes: new Uint8Array(sizeBytes) }, undefined);
    return new WholeFileHasher(sizeBytes, countsFedBytes, undefined, await incrementalSha256());
  }

  /** Bytes fed so far. */
  get hashedBytes(): number {
    return this.#hashedBytes;
  }

  /** Chunks fed so far: the file's next chunk is the one at this index. */
  get chunksAdded(): number {
    return this.#chunksAdded;
  }

  /**
   * Feeds the file's chunks from the first not fed yet (a pass that fed the others stopped), telling `onProgress`
   * the bytes fed after each.
   */
  async addRest(file: StoredFile, onProgress?: (hashedBytes: number) => void): Promise<void> {
    for await (const chunk of file.chunks(this.#chunksAdded)) {
      await this.add(chunk);
      onProgress?.(this.#hashedBytes);
    }
  }

  /**
   * Feeds the file's next chunk; rejects once the chunks are longer than the file, or the read of a Blob fails.
   * A chunk that rejects is not fed: the hasher is as it was, and may be fed it again.
   */
  async add(chunk: StoredChunk): Promise<void> {
    const bytes = await this.#reader.read(chunk);
    if (this.#hashedBytes + bytes.length > this.#sizeBytes)
      throw new Error(`the stored file is longer than ${this.#sizeBytes} bytes`);
    this.#whole?.bytes.set(bytes, this.#hashedBytes);
    this.#streamed?.update(bytes);
    if (chunk instanceof Blob || this.#countsFedBytes) this.#hint.passed(bytes.length);
    this.#hashedBytes += bytes.length;
    this.#chunksAdded++;
    this.#sinceYield += bytes.length;
    if (this.#streamed && this.#sinceYield >= BYTES_PER_SLICE) {
      this.#sinceYield = 0;
      // Runs at once even in a hidden tab: a 0 ms timer set after a read, not nested in another timer's task
      // (docs/ARCHITECTURE.md, Hidden tabs).
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** SHA-256 (lowercase hex) of the chunks fed; rejects unless they were the whole file. */
  async digest(): Promise<string> {
    if (this.#hashedBytes !== this.#sizeBytes)
      throw new Error(`the stored file holds ${this.#hashedBytes} of ${this.#sizeBytes} bytes`);
    if (this.#whole) return toHex(new Uint8Array(await this.#whole.subtle.digest('SHA-256', this.#whole.bytes)));
    return toHex(this.#streamed!.digest());
  }
}

/**
 * A pass's reads of stored chunks: a Blob into one buffer it keeps (`readBlobInto`), valid until the next
 * read; bytes as they are.
 */
class ChunkReader {
  #memory: ArrayBuffer | undefined;

  async read(chunk: StoredChunk): Promise<Uint8Array> {
    if (!(chunk instanceof Blob)) return chunk;
    if (!this.#memory || this.#memory.byteLength < chunk.size) this.#memory = new ArrayBuffer(chunk.size);
    const bytes = await readBlobInto(chunk, this.#memory);
    this.#memory = bytes.buffer as ArrayBuffer;
    return bytes;
  }
}
