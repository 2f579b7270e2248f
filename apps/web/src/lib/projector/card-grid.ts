/**
 * The projector's peer cards, sized from the peer count and the file's chunk count: every card inside the
 * area at once (no scrolling at 1920×1080 up to 40 peers), the column count chosen so each card's bitmap gets
 * the biggest chunk cells, so single chunks can be seen arriving from the back of a room.
 */
export interface CardGridInput {
  readonly peerCount: number;
  /** Cells each card's bitmap draws (`bitmapGrouping(...).cells`). */
  readonly bitmapCells: number;
  readonly areaWidthPx: number;
  readonly areaHeightPx: number;
  /** Between cards. */
  readonly gapPx?: number;
  /** Text lines above each bitmap (`CARD_TEXT_LINES` by default; `card-layout.ts` drops some for small cards). */
  readonly textLines?: number;
  /** The narrowest a card's text may be, in ems of its font (`MIN_TEXT_EM` by default). */
  readonly minTextEm?: number;
  /**
   * The smallest cells for which readable cards are preferred to unreadable ones with bigger cells
   * (`MIN_VISIBLE_CELL_PX` by default).
   */
  readonly minVisibleCellPx?: number;
}

export interface CardGrid {
  readonly columns: number;
  readonly rows: number;
  readonly cardWidthPx: number;
  readonly cardHeightPx: number;
  /** The card's text size: its name, rates and times. */
  readonly fontPx: number;
  /** One chunk cell of the bitmap (0 when the area is too small for any). */
  readonly cellPx: number;
  readonly bitmapColumns: number;
  readonly bitmapRows: number;
  /** Text lines above the bitmap it was sized for. */
  readonly textLines: number;
}

export const CARD_GAP_PX = 8;
/** Inside a card, around its content: its padding and border. */
export const CARD_PADDING_PX = 8;
/**
 * Text lines above a card's bitmap: its name, alone (how a student finds their laptop on the screen); its
 * status ("512 of 1024", "done 12.3 s"); its rates. Name and status on one line left the name an ellipsis on
 * the narrow cards of 40 peers (found by review).
 */
export const CARD_TEXT_LINES = 3;
const LINE_HEIGHT = 1.25;
/** Readable from the back of a room at 1080 lines, yet small enough for 40 cards. */
export const MIN_FONT_PX = 14;
export const MAX_FONT_PX = 26;
/**
 * Bigger cells show nothing more: a few peers get well-proportioned cards rather than giant squares. At 1080
 * lines this is about a twentieth of the screen's height, so a few peers' bitmaps fill most of their cards
 * (4 peers of a 16 MiB file: 64 cells of 48 px) rather than a strip along their top.
 */
export const MAX_CELL_PX = 48;
/**
 * The narrowest a card's text may be, in ems of its font: the rates line ("↓ 12.3 MB/s ↑ 456 kB/s" at 0.8 em)
 * fits, and a name of about 16 characters. Layouts with narrower cards are taken only when no other fits.
 */
export const MIN_TEXT_EM = 10;
/** …unless their bitmaps' cells would be smaller than this, where the others' are not. */
export const MIN_VISIBLE_CELL_PX = 3;
/** Width over height a card looks best at (a little wider than tall), for grids whose cells tie. */
const PREFERRED_CARD_ASPECT = 1.3;

/** Text size for a card this wide: about 14 characters of a name on a line. */
export function cardFontPx(cardWidthPx: number): number {
  return Math.max(MIN_FONT_PX, Math.min(MAX_FONT_PX, Math.floor(cardWidthPx / 12)));
}

/** Height of a card's text above its bitmap. */
export function cardTextHeightPx(fontPx: number, textLines = CARD_TEXT_LINES): number {
  return Math.ceil(textLines * fontPx * LINE_HEIGHT);
}

/** The biggest whole cell (in px) that lays `cells` out within width × height, with its columns and rows. */
export function largestCell(
  cells: number,
  widthPx: number,
  heightPx: number,
  maxCellPx = Infinity,
): { cellPx: number; columns: number; rows: number } {
  if (cells <= 0 || widthPx < 1 || heightPx < 1) return { cellPx: 0, columns: 0, rows: 0 };
  for (let cellPx = Math.floor(Math.min(widthPx, heightPx, maxCellPx)); cellPx >= 1; cellPx--) {
    const columns = Math.min(cells, Math.floor(widthPx / cellPx));
    const rows = Math.ceil(cells / columns);
    if (rows * cellPx <= heightPx) return { cellPx, columns, rows };
  }
  return { cellPx: 0, columns: 0, rows: 0 };
}

/** Whether the card's text is at least `minTextEm` of its font wide. */
export function isReadable(grid: CardGrid, minTextEm = MIN_TEXT_EM): boolean {
  return grid.cardWidthPx - 2 * CARD_PADDING_PX >= minTextEm * grid.fontPx;
}

/** How far a card's shape is from the preferred one (0: exactly it). */
const misshapen = (grid: CardGrid): number =>
  Math.abs(Math.log(grid.cardWidthPx / grid.cardHeightPx / PREFERRED_CARD_ASPECT));

/**
 * Cells this close to the biggest a layout can give (as a share of it) count as a tie, which the cards' shape
 * breaks: 9 peers of a 16 MiB file get a 3 × 3 grid of 37 px cells, not 9 cards in a row, each three cells
 * wide, for 39 px; 3 peers on a phone get cards a name fits in.
 */
export const CELL_TIE_SHARE = 0.85;

/**
 * The card grid with the biggest bitmap cells (up to `MAX_CELL_PX`); among those with nearly as big cells
 * (`CELL_TIE_SHARE`), the best-shaped cards. Only among grids whose cards' text is at least `MIN_TEXT_EM`
 * wide, while they give cells of `MIN_VISIBLE_CELL_PX` (or as big as any grid does).
 */
export function cardGrid(input: CardGridInput): CardGrid {
  const gapPx = input.gapPx ?? CARD_GAP_PX;
  const peerCount = Math.max(1, input.peerCount);
  const textLines = input.textLines ?? CARD_TEXT_LINES;
  const grids: CardGrid[] = [];
  for (let columns = 1; columns <= peerCount; columns++) {
    const rows = Math.ceil(peerCount / columns);
    const cardWidthPx = Math.floor((input.areaWidthPx - gapPx * (columns - 1)) / columns);
    const cardHeightPx = Math.floor((input.areaHeightPx - gapPx * (rows - 1)) / rows);
    if (cardWidthPx <= 0 || cardHeightPx <= 0) continue;
    const fontPx = cardFontPx(cardWidthPx);
    const bitmap = largestCell(
      input.bitmapCells,
      cardWidthPx - 2 * CARD_PADDING_PX,
      cardHeightPx - 2 * CARD_PADDING_PX - cardTextHeightPx(fontPx, textLines),
      MAX_CELL_PX,
    );
    grids.push({
      columns,
      rows,
      cardWidthPx,
      cardHeightPx,
      fontPx,
      cellPx: bitmap.cellPx,
      bitmapColumns: bitmap.columns,
      bitmapRows: bitmap.rows,
      textLines,
    });
  }
  const minTextEm = input.minTextEm ?? MIN_TEXT_EM;
  const readable = grids.filter((grid) => isReadable(grid, minTextEm));
  const biggestOf = (some: readonly CardGrid[]): number => Math.max(0, ...some.map((grid) => grid.cellPx));
  // Readable text first, unless its bitmaps would be too small to see chunks arrive (a small screen, 40 peers).
  const minVisibleCellPx = input.minVisibleCellPx ?? MIN_VISIBLE_CELL_PX;
  const candidates =
    biggestOf(readable) >= Math.min(minVisibleCellPx, biggestOf(grids)) && readable.length > 0 ? readable : grids;
  const biggestCellPx = biggestOf(candidates);
  // From 10 px cells, the share rounded down and at least two pixels of slack: a narrow layout's smaller type
  // wins it a pixel or two, which must not make a row of full-height strips beat a compact grid (5 peers of
  // 1,024 chunks at 1080p did, and 7 of 256, found by review).
  const tiedCellPx =
    biggestCellPx >= 10
      ? Math.min(Math.floor(CELL_TIE_SHARE * biggestCellPx), biggestCellPx - 2)
      : Math.ceil(CELL_TIE_SHARE * biggestCellPx);
  let best: CardGrid | undefined;
  for (const grid of candidates) {
    if (grid.cellPx < tiedCellPx) continue;
    if (!best || misshapen(grid) < misshapen(best)) best = grid;
  }
  return (
    best ?? {
      columns: 1,
      rows: peerCount,
      cardWidthPx: 0,
      cardHeightPx: 0,
      fontPx: MIN_FONT_PX,
      cellPx: 0,
      bitmapColumns: 0,
      bitmapRows: 0,
      textLines,
    }
  );
}

/** The blank line between a card's cells: none below 4 px, so tiny cells stay solid; wider as cells grow. */
export function cellGapPx(cellPx: number): number {
  return cellPx < 4 ? 0 : Math.max(1, Math.floor(cellPx / 16));
}
