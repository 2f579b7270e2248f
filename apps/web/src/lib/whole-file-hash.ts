import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Hash this many bytes between yields, so a 512 MiB file never freezes the page. */
const BYTES_PER_SLICE = 16 * 1024 * 1024;

/**
 * Up to this size the file is copied into one buffer and hashed by WebCrypto: native code, off the
 * page's thread, about 30× faster than hashing in JavaScript. A tab that has just completed must not
 * spend seconds of CPU on this while the other tabs on the machine are still downloading (measured:
 * 1.5 s of main-thread time per 16 MiB with @noble/hashes, in a swarm of 9 tabs on 2 cores). Past it,
 * the copy would cost too much memory and the file is hashed incrementally in JavaScript instead.
 */
export const MAX_WEBCRYPTO_WHOLE_FILE_BYTES = 256 * 1024 * 1024;

/** SHA-256 of a file held as chunks, as lowercase hex. */
export async function wholeFileSha256(
  chunks: readonly Uint8Array[],
  onProgress?: (hashedBytes: number) => void,
): Promise<string> {
  const totalBytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const subtle = globalThis.isSecureContext ? globalThis.crypto?.subtle : undefined;
  if (subtle && totalBytes <= MAX_WEBCRYPTO_WHOLE_FILE_BYTES) {
    const whole = await new Blob(chunks as Uint8Array<ArrayBuffer>[]).arrayBuffer();
    const digest = new Uint8Array(await subtle.digest('SHA-256', whole));
    onProgress?.(totalBytes);
    return bytesToHex(digest);
  }
  return incrementalSha256(chunks, onProgress);
}

/**
 * Without copying the chunks into one buffer (WebCrypto has no incremental digest; @noble/hashes does,
 * audited and dependency-free): for large files, and pages that are not a secure context.
 */
export async function incrementalSha256(
  chunks: Iterable<Uint8Array>,
  onProgress?: (hashedBytes: number) => void,
): Promise<string> {
  const hash = sha256.create();
  let hashedBytes = 0;
  let sinceYield = 0;
  for (const chunk of chunks) {
    hash.update(chunk);
    hashedBytes += chunk.length;
    sinceYield += chunk.length;
    if (sinceYield >= BYTES_PER_SLICE) {
      sinceYield = 0;
      onProgress?.(hashedBytes);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  onProgress?.(hashedBytes);
  return bytesToHex(hash.digest());
}
