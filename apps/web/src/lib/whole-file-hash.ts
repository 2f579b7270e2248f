import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { CollectionHint } from '@swarmlab/webrtc/collection-hint';
import { readBlobInto } from './blob-reader';
import type { StoredChunk } from './storage/chunk-database';

/** Between this many bytes hashed the pass yields to the page's other tasks, so it never freezes. */
const BYTES_PER_SLICE = 16 * 1024 * 1024;

/**
 * Up to this size a stored file is copied into one buffer and hashed by WebCrypto: native code, about
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

/** A complete file as stored: its chunks in order, each its bytes or a Blob of them. */
export interface StoredFile {
  readonly sizeBytes: number;
  chunks(): AsyncIterable<StoredChunk> | Iterable<StoredChunk>;
}

/** SHA-256 (lowercase hex) of a stored file: WebCrypto over a copy when small, else streamed. */
export async function wholeFileSha256(file: StoredFile, onProgress?: (hashedBytes: number) => void): Promise<string> {
  const subtle = globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
  if (subtle && file.sizeBytes <= MAX_WEBCRYPTO_WHOLE_FILE_BYTES) {
    const whole = new Uint8Array(file.sizeBytes);
    const hint = hashPassHint();
    const reader = new ChunkReader();
    let filledBytes = 0;
    for await (const chunk of file.chunks()) {
      const bytes = await reader.read(chunk);
      if (filledBytes + bytes.length > whole.length)
        throw new Error(`the stored file is longer than ${whole.length} bytes`);
      whole.set(bytes, filledBytes);
      filledBytes += bytes.length;
      hint.passed(bytes.length);
    }
    if (filledBytes !== whole.length) throw new Error(`the stored file holds ${filledBytes} of ${whole.length} bytes`);
    const digest = new Uint8Array(await subtle.digest('SHA-256', whole));
    onProgress?.(file.sizeBytes);
    return bytesToHex(digest);
  }
  return streamedSha256(file.chunks(), onProgress);
}

/**
 * Streaming, chunk after chunk: WebCrypto has no incremental digest, @noble/hashes does (audited,
 * dependency-free). For large files, and pages that are not a secure context. A chunk stored as a Blob is read
 * into one buffer (`readBlobInto`): a fresh buffer per chunk (`arrayBuffer()`) is garbage V8 collects only
 * once tens of MiB of it pile up, and this pass made a completed leecher's memory peak (#12). The chunks are
 * read one at a time: a stream over one Blob of them all made Chromium's browser process buffer hundreds of
 * MiB. A chunk stored as bytes comes from IndexedDB in a fresh buffer, garbage once hashed; that, stream reads
 * and the hash state count towards the pass's `CollectionHint`.
 */
export async function streamedSha256(
  chunks: AsyncIterable<StoredChunk> | Iterable<StoredChunk>,
  onProgress?: (hashedBytes: number) => void,
): Promise<string> {
  const hash = sha256.create();
  const hint = hashPassHint();
  const reader = new ChunkReader();
  let hashedBytes = 0;
  let sinceYield = 0;
  for await (const chunk of chunks) {
    const bytes = await reader.read(chunk);
    hash.update(bytes);
    hint.passed(bytes.length);
    hashedBytes += bytes.length;
    sinceYield += bytes.length;
    if (sinceYield >= BYTES_PER_SLICE) {
      sinceYield = 0;
      onProgress?.(hashedBytes);
      // Runs at once even in a hidden tab: a 0 ms timer set after a read, not nested in another timer's task
      // (docs/ARCHITECTURE.md, Hidden tabs).
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  onProgress?.(hashedBytes);
  return bytesToHex(hash.digest());
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
