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

/** The bitmap's text equivalent, e.g. "37 of 64 chunks". */
export function chunksText(bits: Uint8Array, chunkCount: number): string {
  return `${countHeld(bits, chunkCount)} of ${chunkCount} chunks`;
}
