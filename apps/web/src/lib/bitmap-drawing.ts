/**
 * What a chunk bitmap draws, computed without the DOM (`ChunkBitmap.svelte`). A file may have 16,384
 * chunks (`MAX_CHUNK_COUNT`) and every tab draws one bitmap per peer a few times a second, so the cells
 * shrink to keep the bitmap's height bounded, and a redraw walks bytes (8 chunks each) and skips those
 * that did not change.
 */
export interface BitmapLayout {
  readonly cellPx: number;
  readonly columns: number;
  readonly rows: number;
  /** Gap between cells: one pixel when the cells are big enough to show it. */
  readonly gapPx: number;
}

/** Cells of at most `maxCellPx`, shrunk (down to 1 px) until the bitmap is at most `maxHeightPx` tall. */
export function bitmapLayout(
  chunkCount: number,
  widthPx: number,
  maxCellPx: number,
  maxHeightPx: number,
): BitmapLayout {
  let cellPx = maxCellPx;
  const rowsAt = (cell: number) => Math.ceil(chunkCount / Math.max(1, Math.floor(widthPx / cell)));
  while (cellPx > 1 && rowsAt(cellPx) * cellPx > maxHeightPx) cellPx--;
  const columns = Math.max(1, Math.floor(widthPx / cellPx));
  return { cellPx, columns, rows: Math.ceil(chunkCount / columns), gapPx: cellPx >= 4 ? 1 : 0 };
}

const BITS_SET = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let bits = byte; bits; bits &= bits - 1) count++;
  return count;
});

/** Chunks held in a wire-layout bitfield (spare bits past `chunkCount` are zero on the wire). */
export function countHeld(bits: Uint8Array, chunkCount: number): number {
  let count = 0;
  const bytes = Math.min(bits.length, Math.ceil(chunkCount / 8));
  for (let i = 0; i < bytes; i++) count += BITS_SET[bits[i]!]!;
  return count;
}

/**
 * Calls `visit` for each chunk whose bit differs between `before` and `after` (every chunk when there is
 * no `before`), byte by byte: unchanged bytes cost one comparison for eight chunks.
 */
export function forEachChangedChunk(
  before: Uint8Array | undefined,
  after: Uint8Array,
  chunkCount: number,
  visit: (chunkIndex: number, held: boolean) => void,
): void {
  const bytes = Math.ceil(chunkCount / 8);
  for (let byte = 0; byte < bytes; byte++) {
    const now = after[byte] ?? 0;
    if (before && before[byte] === now) continue;
    const last = Math.min(8, chunkCount - byte * 8);
    for (let bit = 0; bit < last; bit++) {
      const held = ((now >> (7 - bit)) & 1) === 1;
      if (before && (((before[byte] ?? 0) >> (7 - bit)) & 1) === Number(held)) continue;
      visit(byte * 8 + bit, held);
    }
  }
}
