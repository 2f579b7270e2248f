/** Bytes passed between two hints. */
export const COLLECTION_HINT_EVERY_BYTES = 16 * 1024 * 1024;
/** Each hint's size: V8's soft limit of memory allocated outside its heap between major collections. */
export const COLLECTION_HINT_BYTES = 64 * 1024 * 1024;

/**
 * Every data-channel message arrives in a fresh ArrayBuffer, garbage once the engine has copied its block
 * out. V8 frees such buffers only in its next major collection, and it schedules one by how much memory
 * outside its heap was allocated since the last: once 64 MiB more (its soft limit) has been, it starts
 * collecting. Until then received messages pile up: a bare Chromium page receiving 1 GiB over one
 * channel at full speed rose by 154 MiB of anonymous resident memory (#12, median of 2 runs of
 * `pnpm bench raw --mib 1024 --runs 2 --receiver-memory`), and that garbage was most of a leecher's peak
 * in `pnpm bench memory`.
 *
 * A page cannot call V8's collector, but it can tell V8 about memory the way V8 counts it: allocating an
 * ArrayBuffer of that soft limit, never touched (fresh zero pages: it costs address space, not resident
 * memory), and dropping it at once. This hint does so after every `everyBytes` passed (received, or read
 * in a streaming pass, which leaves garbage of its own), so V8 collects every `everyBytes` or so. With it
 * the same page rose by 44 MiB (`… --collection-hint`), at the same rate (30.6 against 31.2 MB/s) and CPU.
 */
export class CollectionHint {
  readonly #everyBytes: number;
  readonly #hintBytes: number;
  readonly #allocate: (bytes: number) => unknown;
  #sinceHintBytes = 0;
  #hints = 0;
  #disabled = false;

  /**
   * `everyBytes`: bytes passed between hints. `hintBytes`: the size of each hint, V8's soft limit.
   * `allocate`: how a hint is made (a test counts them).
   */
  constructor(
    everyBytes: number = COLLECTION_HINT_EVERY_BYTES,
    hintBytes: number = COLLECTION_HINT_BYTES,
    allocate: (bytes: number) => unknown = (bytes) => new ArrayBuffer(bytes),
  ) {
    if (!(everyBytes > 0) || !(hintBytes > 0))
      throw new RangeError(`everyBytes and hintBytes must be > 0, got ${everyBytes} and ${hintBytes}`);
    this.#everyBytes = everyBytes;
    this.#hintBytes = hintBytes;
    this.#allocate = allocate;
  }

  /** Hints given so far. */
  get hints(): number {
    return this.#hints;
  }

  /** False once an allocation failed (a device short of address space): no more hints are tried. */
  get enabled(): boolean {
    return !this.#disabled;
  }

  /**
   * `bytes` more went through memory the page lets go at once: messages received (a fresh buffer each),
   * Blobs read in a streaming pass.
   */
  passed(bytes: number): void {
    if (this.#disabled) return;
    this.#sinceHintBytes += bytes;
    if (this.#sinceHintBytes < this.#everyBytes) return;
    this.#sinceHintBytes = 0;
    try {
      this.#allocate(this.#hintBytes);
      this.#hints++;
    } catch {
      // Out of address space (a 32-bit browser, say): the hint is an optimisation, so stop trying.
      this.#disabled = true;
    }
  }
}

/** The one hint of this page: every link's received messages and the streaming hash pass count towards it. */
export const PAGE_COLLECTION_HINT = new CollectionHint();
