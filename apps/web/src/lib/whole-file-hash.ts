import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Hash this many bytes between yields, so a 512 MiB file never freezes the page. */
const BYTES_PER_SLICE = 16 * 1024 * 1024;

/**
 * SHA-256 of a file held as chunks, without first copying them into one buffer (WebCrypto has no
 * incremental digest; @noble/hashes does, audited and dependency-free).
 */
export async function wholeFileSha256(
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
