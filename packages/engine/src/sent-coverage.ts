/** The grain of `SentCoverage`: honest requests are whole blocks, multiples of it. */
export const COVERAGE_UNIT_BYTES = 1024;

/**
 * Most chunks kept partly sent to one peer: an honest downloader has a few chunks of one uploader in progress at a
 * time, while a hostile one asking for a byte of each of 16,384 chunks made a seeder keep about 5 MB per peer id for
 * the engine's life (found by review). Past it, what is sent of another chunk counts as sent before (`add`).
 */
export const MAX_PARTLY_SENT_CHUNKS = 1024;

/**
 * The bytes of a file we have sent one peer, each counted once: what our progress reports claim we sent it
 * (`sentTo`), the server's witness of its download (docs/TRUST.md), and how much of what we sent it was sent
 * before (`repeatedBytes`, which the uploader holds to a budget). A block asked for again and served again counted
 * again, and one hostile tab asking for one block 64 times had the whole file witnessed as sent to it (found by
 * review). Kept by 1 KiB unit: a unit partly sent before counts as sent (a range straddling units is a hostile
 * one's, credited less, never more). Chunks wholly sent are a bit each; the others a bitmap of their units until
 * they are whole.
 */
export class SentCoverage {
  readonly #chunkLengthBytes: (chunkIndex: number) => number;
  readonly #whole: Uint8Array;
  readonly #partial = new Map<number, { readonly units: Uint8Array; unitsSent: number }>();
  #repeatedBytes = 0;

  constructor(chunkCount: number, chunkLengthBytes: (chunkIndex: number) => number) {
    this.#chunkLengthBytes = chunkLengthBytes;
    this.#whole = new Uint8Array(Math.ceil(chunkCount / 8));
  }

  /** Bytes sent that had been sent before (or could not be told apart: past `MAX_PARTLY_SENT_CHUNKS`). */
  get repeatedBytes(): number {
    return this.#repeatedBytes;
  }

  /** Chunks partly sent, kept unit by unit. */
  get partlySentChunks(): number {
    return this.#partial.size;
  }

  /** How many bytes of `[offsetBytes, offsetBytes + lengthBytes)` of the chunk were sent before (`add` unmarked). */
  sentBefore(chunkIndex: number, offsetBytes: number, lengthBytes: number): number {
    return lengthBytes - this.#count(chunkIndex, offsetBytes, lengthBytes, false);
  }

  /** Marks `[offsetBytes, offsetBytes + lengthBytes)` of the chunk sent; returns how many of its bytes were not before. */
  add(chunkIndex: number, offsetBytes: number, lengthBytes: number): number {
    const added = this.#count(chunkIndex, offsetBytes, lengthBytes, true);
    this.#repeatedBytes += lengthBytes - added;
    return added;
  }

  #count(chunkIndex: number, offsetBytes: number, lengthBytes: number, mark: boolean): number {
    if ((this.#whole[chunkIndex >> 3]! & (1 << (chunkIndex & 7))) !== 0) return 0;
    const chunkBytes = this.#chunkLengthBytes(chunkIndex);
    const unitCount = Math.ceil(chunkBytes / COVERAGE_UNIT_BYTES);
    const end = Math.min(chunkBytes, offsetBytes + lengthBytes);
    let partial = this.#partial.get(chunkIndex);
    if (!partial) {
      if (this.#partial.size >= MAX_PARTLY_SENT_CHUNKS) return 0;
      if (!mark) return Math.max(0, end - offsetBytes);
      partial = { units: new Uint8Array(Math.ceil(unitCount / 8)), unitsSent: 0 };
      this.#partial.set(chunkIndex, partial);
    }
    let added = 0;
    for (let unit = Math.floor(offsetBytes / COVERAGE_UNIT_BYTES); unit * COVERAGE_UNIT_BYTES < end; unit++) {
      const bit = 1 << (unit & 7);
      if ((partial.units[unit >> 3]! & bit) !== 0) continue;
      const unitStart = unit * COVERAGE_UNIT_BYTES;
      added += Math.min(end, unitStart + COVERAGE_UNIT_BYTES) - Math.max(offsetBytes, unitStart);
      if (!mark) continue;
      partial.units[unit >> 3]! |= bit;
      partial.unitsSent++;
    }
    if (mark && partial.unitsSent === unitCount) {
      this.#partial.delete(chunkIndex);
      this.#whole[chunkIndex >> 3]! |= 1 << (chunkIndex & 7);
    }
    return added;
  }
}
