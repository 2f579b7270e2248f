import { webCryptoSha256, type Sha256 } from '@swarmlab/protocol';
import { incrementalSha256, type IncrementalSha256 } from './incremental-sha256';

/** The page's one hasher for `portableSha256`: each digest is taken in one synchronous step, so calls never mix. */
let portableHasher: Promise<IncrementalSha256> | undefined;

/** SHA-256 without WebCrypto: hash-wasm's (`incrementalSha256`), slower than WebCrypto, but available everywhere. */
export const portableSha256: Sha256 = async (bytes) => {
  const hasher = await (portableHasher ??= incrementalSha256());
  hasher.reset();
  hasher.update(bytes);
  return hasher.digest();
};

/**
 * WebCrypto exists only in secure contexts: `localhost` qualifies, but a classroom laptop opening
 * `http://192.168.x.y:8080` does not. Such pages hash with `portableSha256` instead.
 */
export function pageSha256(): Sha256 {
  return globalThis.isSecureContext && globalThis.crypto?.subtle ? webCryptoSha256 : portableSha256;
}
