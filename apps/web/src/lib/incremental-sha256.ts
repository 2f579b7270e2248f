import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createSHA256, type IHasher } from 'hash-wasm';

/** A SHA-256 fed part after part, for what no tab may hold whole (WebCrypto digests only whole buffers). */
export interface IncrementalSha256 {
  /** Which implementation it is: hash-wasm's WebAssembly, or noble's JavaScript where WebAssembly failed. */
  readonly kind: 'wasm' | 'js';
  /** Forgets everything fed so far. */
  reset(): void;
  update(bytes: Uint8Array): void;
  /** The digest of everything fed since the last `reset`; `reset` before feeding it again. */
  digest(): Uint8Array;
}

let warnedOfFallback = false;

/**
 * An incremental SHA-256 compiled to WebAssembly by hash-wasm: about twice as fast as @noble/hashes' JavaScript
 * (32 MiB in 85–106 ms against 192–210 ms, in Node on this machine), which matters where every completing tab
 * hashes its whole file while the others on the machine still download, and on plain-http pages, which hash every
 * chunk this way (no WebCrypto there). Where the page may not compile WebAssembly (Safari's Lockdown Mode, a
 * policy that turns it off), noble's: slower, never a dead end, and said once on the console, so a bundle that
 * broke hash-wasm does not lose its speed unseen. `createWasm` is for tests.
 */
export async function incrementalSha256(createWasm: () => Promise<IHasher> = createSHA256): Promise<IncrementalSha256> {
  let wasm: IHasher;
  try {
    wasm = await createWasm();
  } catch (error) {
    if (!warnedOfFallback) console.warn('swarmlab: SHA-256 in JavaScript: WebAssembly failed', error);
    warnedOfFallback = true;
    return nobleIncrementalSha256();
  }
  return {
    kind: 'wasm',
    reset: () => void wasm.init(),
    update: (bytes) => void wasm.update(bytes),
    digest: () => wasm.digest('binary'),
  };
}

function nobleIncrementalSha256(): IncrementalSha256 {
  let hash = nobleSha256.create();
  return {
    kind: 'js',
    reset: () => void (hash = nobleSha256.create()),
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest(),
  };
}
