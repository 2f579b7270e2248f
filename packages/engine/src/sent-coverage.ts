/** The grain of `SentCoverage` for files up to 1 GiB: honest requests are whole blocks, multiples of it. */
export const COVERAGE_UNIT_BYTES = 1024;

/**
 * Most units one peer id's coverage keeps, a bit each: at most 128 KiB of memory per peer id sent to (32 KiB for a
 * 256 MiB file), freed once the peer was sent the whole file. A 16 GiB file's unit is then 16 KiB, half of an honest
 * block (`blockBytes`, 32 KiB), so whole blocks still count exactly.
 */
export const MAX_COVERAGE_UNITS = 2 ** 20;

/** The unit a file of `sizeBytes` is covered by: 1 KiB, doubled until the file has at most `MAX_COVERAGE_UNITS`. */
export function coverageUnitBytes(sizeBytes: number): number {
  let unitBytes = COVERAGE_UNIT_BYTES;
  while (sizeBytes / unitBytes > MAX_COVERAGE_UNITS) unitBytes *= 2;
  return unitBytes;
}

/**
 * The bytes of a file we have sent one peer, each counted once: what our progress reports claim we sent it
 * (`sentTo`), the server's witness of its download (docs/TRUST.md), and how much of what we sent it was sent
 * before (`repeatedBytes`, which the uploader holds to a budget). A block asked for again and served again counted
 * again, and one hostile tab asking for one block 64 times had the whole file witnessed as sent to it (found by
 * review). Kept as one bitmap of the file's units (`coverageUnitBytes`), each chunk's starting on a unit of its own:
 * a unit partly sent before counts as sent (a range straddling units is a hostile one's, credited less, never more).
 * Its memory is bounded by the file's size alone, whatever a peer asks: a bound on chunks kept partly sent (1,024)
 * made an honest uploader's blocks of other chunks count as sent before on files over 256 MiB, whose downloaders take
 * chunks of many uploaders at once, and their honest completions went unconfirmed (found by review).
 */
export class SentCoverage {
  readonly #chunkLengthBytes: (chunkIndex: number) => number;
  readonly #unitBytes: number;
  readonly #unitsPerChunk: number;
  readonly #chunkCount: number;
  /** The file's units: every chunk's, the last one's possibly fewer. */
  readonly #unitCount: number;
  /** A bit per unit, made at the first send and let go once every unit was sent (`#unitsSent`). */
  #units: Uint8Array | undefined;
  #unitsSent = 0;
  #repeatedBytes = 0;

  /**
   * `chunkBytes` is the file's chunk size (every chunk's but the last's), `chunkLengthBytes` each chunk's length.
   */
  constructor(chunkCount: number, chunkBytes: number, chunkLengthBytes: (chunkIndex: number) => number) {
    this.#chunkLengthBytes = chunkLengthBytes;
    this.#chunkCount = chunkCount;
    this.#unitBytes = coverageUnitBytes(chunkCount * chunkBytes);
    this.#unitsPerChunk = Math.ceil(chunkBytes / this.#unitBytes);
    this.#unitCount = chunkCount === 0 ? 0 : (chunkCount - 1) * this.#unitsPerChunk + this.#unitsOf(chunkCount - 1);
  }

  /** Bytes sent that had been sent before. */
  get repeatedBytes(): number {
    return this.#repeatedBytes;
  }

  /** The unit a byte sent marks; a byte of a unit partly sent before counts as sent. */
  get unitBytes(): number {
    return this.#unitBytes;
  }

  /** Bytes of memory kept: the bitmap, sized by the file, none before the first send or once all was sent. */
  get memoryBytes(): number {
    return this.#units?.byteLength ?? 0;
  }

  /**
   * Lets the bitmap go: from now on every byte counts as sent before (what is sent to this peer id again is held to the
   * repeat budget, and claimed to no one). For a peer id long gone, whose bitmap the uploader no longer keeps
   * (`MAX_COVERED_PEERS`).
   */
  retire(): void {
    this.#units = undefined;
    this.#unitsSent = this.#unitCount;
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

  #unitsOf(chunkIndex: number): number {
    return Math.ceil(this.#chunkLengthBytes(chunkIndex) / this.#unitBytes);
  }

  #count(chunkIndex: number, offsetBytes: number, lengthBytes: number, mark: boolean): number {
    if (this.#unitsSent === this.#unitCount) return 0;
    const unitBytes = this.#unitBytes;
    const end = Math.min(this.#chunkLengthBytes(chunkIndex), offsetBytes + lengthBytes);
    if (!this.#units) {
      if (!mark) return Math.max(0, end - offsetBytes);
      this.#units = new Uint8Array(Math.ceil((this.#chunkCount * this.#unitsPerChunk) / 8));
    }
    const units = this.#units;
    const firstUnit = chunkIndex * this.#unitsPerChunk;
    let added = 0;
    for (let unit = Math.floor(offsetBytes / unitBytes); unit * unitBytes < end; unit++) {
      const index = firstUnit + unit;
      const bit = 1 << (index & 7);
      if ((units[index >> 3]! & bit) !== 0) continue;
      const unitStart = unit * unitBytes;
      added += Math.min(end, unitStart + unitBytes) - Math.max(offsetBytes, unitStart);
      if (!mark) continue;
      units[index >> 3]! |= bit;
      this.#unitsSent++;
    }
    if (this.#unitsSent === this.#unitCount) this.#units = undefined;
    return added;
  }
}
