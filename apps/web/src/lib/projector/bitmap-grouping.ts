import { countHeld } from '../bitmap-drawing';

/**
 * Most cells a projector card draws: up to 1,024 chunks each get a cell of their own; a larger file groups
 * consecutive chunks into one cell (and the card says so), or 40 cards could not show single cells.
 */
export const MAX_CARD_CELLS = 1024;

export interface BitmapGrouping {
  /** Consecutive chunks one cell stands for (1: one cell per chunk). */
  readonly chunksPerCell: number;
  readonly cells: number;
}

export function bitmapGrouping(chunkCount: number, maxCells = MAX_CARD_CELLS): BitmapGrouping {
  const chunksPerCell = Math.max(1, Math.ceil(chunkCount / maxCells));
  return { chunksPerCell, cells: Math.ceil(chunkCount / chunksPerCell) };
}

/**
 * Chunks held in each cell of `grouping`, from a wire-layout bitfield (most significant bit first): cell i
 * covers chunks i × chunksPerCell up to the next cell's first (the last cell may cover fewer).
 */
export function heldPerCell(bits: Uint8Array, chunkCount: number, grouping: BitmapGrouping): Uint16Array {
  const held = new Uint16Array(grouping.cells);
  const bytes = Math.min(bits.length, Math.ceil(chunkCount / 8));
  for (let byte = 0; byte < bytes; byte++) {
    const value = bits[byte]!;
    if (value === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      const chunk = byte * 8 + bit;
      if (chunk >= chunkCount) break;
      if ((value >> (7 - bit)) & 1) held[Math.floor(chunk / grouping.chunksPerCell)]!++;
    }
  }
  return held;
}

/** Chunks cell `cell` stands for (the last one may be short). */
export function chunksInCell(cell: number, chunkCount: number, grouping: BitmapGrouping): number {
  return Math.min(grouping.chunksPerCell, chunkCount - cell * grouping.chunksPerCell);
}

/**
 * Cells smaller than this (a side of 1 or 2 px) cannot show a group partly held as a bar short of full: they draw
 * it whole, in the "partly held" colour (`--chunk-partial`), so a card never looks complete before it is.
 */
export const MIN_PARTIAL_BAR_PX = 3;

/**
 * Height of the bar, from the bottom, that shows `count` of a cell's `total` chunks held in a cell `sizePx` high:
 * the whole cell only when every chunk is held, nothing when none is, else at least a pixel and at least a pixel
 * short of full. Rounded to the nearest pixel, every group 7/8 held filled a 4 px cell, and a peer 95 % through a
 * 4,096-chunk file drew 63 of its 64 cells full where none was (found by review).
 */
export function cellFillPx(count: number, total: number, sizePx: number): number {
  if (count <= 0) return 0;
  if (count >= total) return sizePx;
  return Math.min(sizePx - 1, Math.max(1, Math.floor((sizePx * count) / total)));
}

/** Whether a cell `sizePx` high holding `count` of `total` chunks draws in the "partly held" colour. */
export function partlyHeldTinted(count: number, total: number, sizePx: number): boolean {
  return count > 0 && count < total && sizePx < MIN_PARTIAL_BAR_PX;
}

/** The bitmap's text equivalent, e.g. "37 of 64 chunks". */
export function chunksText(bits: Uint8Array, chunkCount: number): string {
  return `${countHeld(bits, chunkCount)} of ${chunkCount} chunks`;
}
