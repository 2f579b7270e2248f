/**
 * Writes items one batch at a time: a write takes every item queued while the one before it ran (up to
 * `maxItems`), so items arriving faster than one write per item share a write instead of queueing writes.
 *
 * Why (#12, measured with `pnpm bench memory`): a leecher wrote each verified chunk in a transaction of its
 * own. Chromium ran those transactions one after another at well under a leecher's download rate, so
 * hundreds waited (writes took up to 12 s), each holding its chunk in the tab and in the browser process:
 * both grew with the file. One transaction at a time, each taking what has queued, keeps the queue at a
 * few chunks.
 */
export class WriteBatcher<T> {
  readonly #write: (items: readonly T[]) => Promise<void>;
  readonly #maxItems: number;
  readonly #queue: { readonly item: T; readonly settle: (error?: unknown) => void }[] = [];
  #writing = false;
  /** How many items at the head of the queue the write under way holds. */
  #inWrite = 0;

  /** `write` stores a batch, or rejects (then every item of that batch rejects with its error). */
  constructor(write: (items: readonly T[]) => Promise<void>, maxItems: number) {
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError(`maxItems must be ≥ 1, got ${maxItems}`);
    this.#write = write;
    this.#maxItems = maxItems;
  }

  /** Items queued or being written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Resolves once `item` is written, as part of a batch; rejects with the batch's error. */
  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      void this.#drain();
    });
  }

  /** Rejects every item not yet being written with `error` (the store failed, or closed). */
  rejectQueued(error: Error): void {
    const dropped = this.#queue.splice(this.#inWrite);
    for (const entry of dropped) entry.settle(error);
  }

  async #drain(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    while (this.#queue.length > 0) {
      // Stays queued while it is written, so `pending` counts it and `rejectQueued` leaves it be.
      const batch = this.#queue.slice(0, this.#maxItems);
      this.#inWrite = batch.length;
      let failure: unknown;
      try {
        await this.#write(batch.map((entry) => entry.item));
      } catch (error) {
        failure = error ?? new Error('write failed');
      }
      this.#queue.splice(0, batch.length);
      this.#inWrite = 0;
      for (const entry of batch) entry.settle(failure);
    }
    this.#writing = false;
  }
}
