import { sha256 } from '@noble/hashes/sha2.js';
import { webCryptoSha256, type Sha256 } from '@swarmlab/protocol';

/** SHA-256 in pure JavaScript (@noble/hashes): slower than WebCrypto, but available everywhere. */
export const noblePageSha256: Sha256 = async (bytes) => sha256(bytes);

/**
 * WebCrypto exists only in secure contexts: `localhost` qualifies, but a classroom laptop opening
 * `http://192.168.x.y:8080` does not. Such pages hash with @noble/hashes instead.
 */
export function pageSha256(): Sha256 {
  return globalThis.isSecureContext && globalThis.crypto?.subtle ? webCryptoSha256 : noblePageSha256;
}
