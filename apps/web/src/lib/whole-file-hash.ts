import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PAGE_COLLECTION_HINT } from '@swarmlab/webrtc/collection-hint';
import { readBlobInto } from './blob-reader';

/** Between this many bytes hashed the pass yields to the page's other tasks, so it never freezes. */
const BYTES_PER_SLICE = 16 * 1024 * 1024;

/**
 * Up to this size a stored file is copied into one buffer and hashed by WebCrypto: native code, about
 * 30× faster than hashing in JavaScript. A tab that has just completed must not spend seconds of CPU on
 * this while the other tabs on the machine are still downloading (measured: 1.5 s of main-thread time per
 * 16 MiB with @noble/hashes, in a swarm of 9 tabs on 2 cores). Past it the copy would break the tab's
 * memory budget (#12: ≤ 300 MiB whatever the file), and the file is hashed in a streaming pass instead.
 */
export const MAX_WEBCRYPTO_WHOLE_FILE_BYTES = 64 * 1024 * 1024;

/** A complete file as stored: one Blob of it, or its chunks' Blobs in order. */
export interface StoredFile {
  readonly sizeBytes: number;
  fileBlob(): Promise<Blob | undefined>;
  chunkBlobs(): AsyncIterable<Blob> | Iterable<Blob>;
}

/** SHA-256 (lowercase hex) of a stored file: WebCrypto over a copy when small, else streamed. */
export async function wholeFileSha256(file: StoredFile, onProgress?: (hashedBytes: number) => void): Promise<string> {
  const subtle = globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
  if (subtle && file.sizeBytes <= MAX_WEBCRYPTO_WHOLE_FILE_BYTES) {
    const blob = await file.fileBlob();
    if (blob) {
      const digest = new Uint8Array(await subtle.digest('SHA-256', await blob.arrayBuffer()));
      onProgress?.(file.sizeBytes);
      return bytesToHex(digest);
    }
  }
  return streamedSha256(file.chunkBlobs(), onProgress);
}

/**
 * Streaming, chunk after chunk read into one buffer (`readBlobInto`): WebCrypto has no incremental digest,
 * @noble/hashes does (audited, dependency-free). For large files, and pages that are not a secure context.
 * The one buffer matters: a fresh buffer per chunk (`arrayBuffer()`) is garbage V8 collects only once tens of
 * MiB of it pile up, and this pass made a completed leecher's memory peak (#12). The chunks are read one
 * Blob at a time: a stream over one Blob of them all made Chromium's browser process buffer hundreds of MiB.
 * The pass still leaves garbage (stream reads, hash state), so it counts towards the page's `CollectionHint`.
 */
export async function streamedSha256(
  chunks: AsyncIterable<Blob> | Iterable<Blob>,
  onProgress?: (hashedBytes: number) => void,
): Promise<string> {
  const hash = sha256.create();
  let memory: ArrayBuffer | undefined;
  let hashedBytes = 0;
  let sinceYield = 0;
  for await (const chunk of chunks) {
    if (!memory || memory.byteLength < chunk.size) memory = new ArrayBuffer(chunk.size);
    const bytes = await readBlobInto(chunk, memory);
    memory = bytes.buffer as ArrayBuffer;
    hash.update(bytes);
    PAGE_COLLECTION_HINT.passed(bytes.length);
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
