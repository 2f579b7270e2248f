import type { ChunkHasher } from '@swarmlab/engine';
import { webCryptoSha256 } from '@swarmlab/protocol';

interface PendingHash {
  readonly digest: Promise<Uint8Array>;
  readonly resolve: (digest: Uint8Array) => void;
}

/**
 * WebCrypto SHA-256 for engines on a virtual clock, answered in a fixed order. The engine gets a promise,
 * as in the browser (so its asynchronous verification path is the one tested), but the promise settles
 * only when the test's driver calls `deliver()`, between clock events and in the order the hashes were
 * asked for: how long WebCrypto takes in real time, and in which order its answers come, cannot change
 * a run.
 */
export class HashGate {
  readonly #pending: PendingHash[] = [];

  /** The `sha256` to give engines. */
  readonly sha256: ChunkHasher = (bytes) =>
    new Promise<Uint8Array>((resolve) => this.#pending.push({ digest: webCryptoSha256(bytes), resolve }));

  /** True while some hash has been asked for and not delivered. */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /** Hands every hash asked for to its engine, oldest first, each engine's reaction running before the next. */
  async deliver(): Promise<void> {
    for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
      const digest = await next.digest;
      next.resolve(digest);
      // The engine's `then` runs in the microtask queued by `resolve`, before this one.
      await Promise.resolve();
    }
  }
}
