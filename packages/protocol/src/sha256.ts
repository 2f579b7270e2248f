import { toHex } from './hex';

/**
 * Hashes bytes with SHA-256; injectable so the engine stays free of any runtime's crypto module. An implementation
 * may read `bytes` after it returns (the web app's WebAssembly one does, after an await): callers leave them
 * unchanged until the promise settles.
 */
export type Sha256 = (bytes: Uint8Array) => Promise<Uint8Array>;

/** SHA-256 through WebCrypto, which browsers and Node >= 20 both provide as `crypto.subtle`. */
export const webCryptoSha256: Sha256 = async (bytes) =>
  // Our buffers are never shared, which is what WebCrypto's `BufferSource` type insists on.
  new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));

/** SHA-256 of `bytes` as lower-case hex. */
export async function sha256Hex(bytes: Uint8Array, sha256: Sha256 = webCryptoSha256): Promise<string> {
  return toHex(await sha256(bytes));
}
