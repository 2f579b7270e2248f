import { bitmapGrouping, MAX_CARD_CELLS, type BitmapGrouping } from './bitmap-grouping';
import { CARD_TEXT_LINES, cardGrid, isReadable, MIN_TEXT_EM, MIN_VISIBLE_CELL_PX, type CardGrid } from './card-grid';

export interface CardLayoutInput {
  readonly peerCount: number;
  readonly chunkCount: number;
  readonly areaWidthPx: number;
  readonly areaHeightPx: number;
  readonly gapPx?: number;
}

export interface CardLayout {
  readonly grid: CardGrid;
  /** The chunks each bitmap cell stands for. */
  readonly grouping: BitmapGrouping;
}

/** The narrowest a card without its rates line may be, in ems: about 11 characters of a name, or "1024 of 1024". */
export const NAME_TEXT_EM = 8;

/**
 * What a card gives up, in turn, when the area is too small for a card with all its text and single chunks in
 * cells a room can see: first single chunks (cells of up to 4 chunks), then its rates line (the map shows who
 * sends; the name and status then need only `NAME_TEXT_EM`), then more chunks per cell, then its status
 * line (a completed card is still told by its border). 40 peers at 1280×720 had every layout's text too wide for
 * any bitmap, and took cards 35–116 px wide that showed 2–12 characters of a name, or jumped between 7 and 14
 * columns as the header's height moved by a line (found by review).
 */
const STEPS: readonly { readonly textLines: number; readonly minTextEm: number; readonly maxCells: number }[] = [
  { textLines: CARD_TEXT_LINES, minTextEm: MIN_TEXT_EM, maxCells: MAX_CARD_CELLS },
  { textLines: CARD_TEXT_LINES, minTextEm: MIN_TEXT_EM, maxCells: MAX_CARD_CELLS / 4 },
  { textLines: CARD_TEXT_LINES - 1, minTextEm: NAME_TEXT_EM, maxCells: MAX_CARD_CELLS },
  { textLines: CARD_TEXT_LINES - 1, minTextEm: NAME_TEXT_EM, maxCells: MAX_CARD_CELLS / 4 },
  { textLines: CARD_TEXT_LINES - 1, minTextEm: NAME_TEXT_EM, maxCells: MAX_CARD_CELLS / 16 },
  { textLines: CARD_TEXT_LINES - 2, minTextEm: NAME_TEXT_EM, maxCells: MAX_CARD_CELLS / 4 },
  { textLines: CARD_TEXT_LINES - 2, minTextEm: NAME_TEXT_EM, maxCells: MAX_CARD_CELLS / 16 },
];

/**
 * The projector's cards for `peerCount` peers of a `chunkCount`-chunk file: the first of `STEPS` whose cards'
 * text is readable with bitmap cells of at least `MIN_VISIBLE_CELL_PX`; on an area too small for any, the last
 * step's readable cards with the biggest cells however small (a strip a pixel high still shows how far a peer is;
 * a name cut to three letters shows nothing: 52–64 peers on a 1024×768 projector got cards 41–77 px wide, and
 * jumped between 5 and 14 columns as the header changed; found by review), and only where no readable card has a
 * bitmap at all, the best grid of narrower cards.
 */
export function cardLayout(input: CardLayoutInput): CardLayout {
  const layoutAt = (step: (typeof STEPS)[number], minVisibleCellPx?: number): CardLayout => {
    const grouping = bitmapGrouping(input.chunkCount, step.maxCells);
    const grid = cardGrid({
      peerCount: input.peerCount,
      bitmapCells: grouping.cells,
      areaWidthPx: input.areaWidthPx,
      areaHeightPx: input.areaHeightPx,
      textLines: step.textLines,
      minTextEm: step.minTextEm,
      ...(minVisibleCellPx !== undefined && { minVisibleCellPx }),
      ...(input.gapPx !== undefined && { gapPx: input.gapPx }),
    });
    return { grid, grouping };
  };
  for (const step of STEPS) {
    const layout = layoutAt(step);
    if (isReadable(layout.grid, step.minTextEm) && layout.grid.cellPx >= MIN_VISIBLE_CELL_PX) return layout;
  }
  return layoutAt(STEPS[STEPS.length - 1]!, 1);
}
