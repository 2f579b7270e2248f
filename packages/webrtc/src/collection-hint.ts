/** Bytes passed between two hints. */
export const COLLECTION_HINT_EVERY_BYTES = 16 * 1024 * 1024;
/** Each hint's size: V8's soft limit of memory allocated outside its heap between major collections. */
export const COLLECTION_HINT_BYTES = 64 * 1024 * 1024;
/**
 * At most one hint this often: each one costs a major collection of the page's heap, and on a fast LAN
 * (100 MB/s) 16 MiB passes six times a second. (At 1 s, a page receiving 31 MB/s rose by 76 MiB instead of
 * 39: the floor must stay below the time one channel here takes to carry 16 MiB.)
 */
export const COLLECTION_HINT_MIN_INTERVAL_MS = 500;

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
 * memory). This hint does so after every `everyBytes` passed (received, sent, or read in a streaming
 * pass: each leaves garbage), at most once per `minIntervalMs`, so V8 collects every `everyBytes` or so.
 * With it the same page rose by 39 MiB (`… --collection-hint`), at about the same rate (29.8 against 31.2
 * MB/s) and CPU. Each hint is held until the next replaces it, so no optimiser can drop an allocation
 * nothing reads. Measured in Chromium; it runs wherever the links run (any browser, the Node
 * peer), where an untouched allocation costs address space too.
 */
export class CollectionHint {
  readonly #everyBytes: number;
  readonly #hintBytes: number;
  readonly #allocate: (bytes: number) => unknown;
  readonly #minIntervalMs: number;
  readonly #nowMs: () => number;
  #sinceHintBytes = 0;
  #lastHintAtMs = Number.NEGATIVE_INFINITY;
  /** The last hint, held until the next replaces it. */
  #held: unknown;
  #hints = 0;
  #disabled = false;

  /**
   * `everyBytes`: bytes passed between hints. `hintBytes`: the size of each hint, V8's soft limit.
   * `minIntervalMs`: at most one hint this often, by `nowMs`. `allocate`: how a hint is made (a test
   * counts them).
   */
  constructor(
    options: {
      readonly everyBytes?: number;
      readonly hintBytes?: number;
      readonly minIntervalMs?: number;
      readonly nowMs?: () => number;
      readonly allocate?: (bytes: number) => unknown;
    } = {},
  ) {
    const {
      everyBytes = COLLECTION_HINT_EVERY_BYTES,
      hintBytes = COLLECTION_HINT_BYTES,
      minIntervalMs = COLLECTION_HINT_MIN_INTERVAL_MS,
      nowMs = () => performance.now(),
      allocate = (bytes: number) => new ArrayBuffer(bytes),
    } = options;
    if (!(everyBytes > 0) || !(hintBytes > 0) || !(minIntervalMs >= 0))
      throw new RangeError(
        `everyBytes and hintBytes must be > 0 and minIntervalMs ≥ 0, got ${everyBytes}, ${hintBytes}, ${minIntervalMs}`,
      );
    this.#everyBytes = everyBytes;
    this.#hintBytes = hintBytes;
    this.#minIntervalMs = minIntervalMs;
    this.#nowMs = nowMs;
    this.#allocate = allocate;
  }

  /** Bytes of the hint held now, if it is an ArrayBuffer (it is, unless a test's `allocate` made it). */
  get heldBytes(): number {
    return this.#held instanceof ArrayBuffer ? this.#held.byteLength : 0;
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
   * `bytes` more went through work that leaves garbage: messages received (a fresh buffer each) or sent,
   * Blobs read in a streaming pass.
   */
  passed(bytes: number): void {
    if (this.#disabled) return;
    this.#sinceHintBytes += bytes;
    if (this.#sinceHintBytes < this.#everyBytes) return;
    const nowMs = this.#nowMs();
    if (nowMs - this.#lastHintAtMs < this.#minIntervalMs) return;
    this.#sinceHintBytes = 0;
    this.#lastHintAtMs = nowMs;
    this.#held = undefined; // the last hint goes first, so two are never held at once
    try {
      this.#held = this.#allocate(this.#hintBytes);
      this.#hints++;
    } catch {
      // Out of address space (a 32-bit browser, say): the hint is an optimisation, so stop trying.
      this.#disabled = true;
    }
  }
}

/** The one hint of this page (or Node peer): every link's messages, both ways, and the streaming hash pass count. */
export const PAGE_COLLECTION_HINT = new CollectionHint();
