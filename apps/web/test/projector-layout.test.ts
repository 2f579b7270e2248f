import { describe, expect, it } from 'vitest';
import {
  bitmapGrouping,
  cellFillPx,
  chunksInCell,
  chunksText,
  heldPerCell,
  MAX_CARD_CELLS,
  MIN_PARTIAL_BAR_PX,
  partlyHeldTinted,
} from '../src/lib/projector/bitmap-grouping';
import {
  CARD_PADDING_PX,
  cardGrid,
  cardTextHeightPx,
  cellGapPx,
  largestCell,
  MAX_CELL_PX,
  MIN_FONT_PX,
  MIN_TEXT_EM,
  MIN_VISIBLE_CELL_PX,
} from '../src/lib/projector/card-grid';
import {
  circleLayout,
  edgeGeometry,
  LABEL_CHAR_EM,
  LABEL_FONT,
  labelPlacement,
  MAP_SIZE,
  MAX_LABEL_CHARS,
  mapLabelOf,
  MAX_LABELLED_RING,
  MAX_EDGE_WIDTH,
  MIN_EDGE_WIDTH,
  MIN_NODE_RADIUS,
  NODE_RADIUS,
  nodeStroke,
  SEEDER_RADIUS,
} from '../src/lib/projector/map-geometry';
import { cardLayout, NAME_TEXT_EM } from '../src/lib/projector/card-layout';
import { cannotConnectShown, cardStatus, ratesShown, reportShown } from '../src/lib/projector/card-status';
import { fullscreenHint, toggleFullscreen } from '../src/lib/projector/fullscreen';
import {
  labelsStacked,
  MARK_LABEL_PX,
  markLabelStartPx,
  raceScale,
  raceVerdict,
} from '../src/lib/projector/race-clock';
import { runState, swarmProgress } from './fakes';
import { MAX_DISPLAY_NAME_CHARS } from '@swarmlab/protocol';

/** The card area of the projector view at 1920×1080 (see ProjectorView.svelte: header, map column, drawer bar). */
const AREA_1080P = { areaWidthPx: 1920 - 2 * 16 - 560 - 16, areaHeightPx: 1080 - 150 };

describe('the projector’s card grid', () => {
  it('fits every card of 1 to 40 peers inside the area, without scrolling', () => {
    for (let peerCount = 1; peerCount <= 40; peerCount++) {
      for (const chunkCount of [8, 64, 400, 1024]) {
        const grid = cardGrid({ peerCount, bitmapCells: chunkCount, ...AREA_1080P, gapPx: 8 });
        expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(peerCount);
        expect(grid.columns * grid.cardWidthPx + (grid.columns - 1) * 8).toBeLessThanOrEqual(AREA_1080P.areaWidthPx);
        expect(grid.rows * grid.cardHeightPx + (grid.rows - 1) * 8).toBeLessThanOrEqual(AREA_1080P.areaHeightPx);
        // The bitmap fits its card, under the text.
        expect(grid.bitmapColumns * grid.bitmapRows).toBeGreaterThanOrEqual(chunkCount);
        expect(grid.bitmapColumns * grid.cellPx).toBeLessThanOrEqual(grid.cardWidthPx - 2 * CARD_PADDING_PX);
        expect(grid.bitmapRows * grid.cellPx + cardTextHeightPx(grid.fontPx)).toBeLessThanOrEqual(
          grid.cardHeightPx - 2 * CARD_PADDING_PX,
        );
      }
    }
  });

  it('stays readable at 20 and 40 peers with 1,024 chunks: cells of several pixels, text of at least 14 px', () => {
    const twenty = cardGrid({ peerCount: 20, bitmapCells: 1024, ...AREA_1080P });
    const forty = cardGrid({ peerCount: 40, bitmapCells: 1024, ...AREA_1080P });
    expect(twenty.cellPx).toBeGreaterThanOrEqual(5);
    expect(forty.cellPx).toBeGreaterThanOrEqual(3);
    expect(forty.fontPx).toBeGreaterThanOrEqual(MIN_FONT_PX);
    expect(twenty.cardWidthPx * twenty.cardHeightPx).toBeGreaterThan(forty.cardWidthPx * forty.cardHeightPx);
  });

  it('keeps each card’s text wide enough for its rates and a name at 1080p, up to 64 peers of any file', () => {
    for (const peerCount of [20, 40, 64])
      for (const chunks of [16, 256, 1024]) {
        const grid = cardGrid({ peerCount, bitmapCells: chunks, ...AREA_1080P });
        // 40 peers of 1,024 chunks had cards of 124 px, their names an ellipsis beside "512 of 1024".
        expect(grid.cardWidthPx - 2 * CARD_PADDING_PX, `${peerCount} peers, ${chunks} chunks`).toBeGreaterThanOrEqual(
          MIN_TEXT_EM * grid.fontPx,
        );
        expect(grid.cellPx).toBeGreaterThanOrEqual(2);
      }
    // Where readable text would leave bitmaps too small to see (40 peers on a 1280×800 projector), the bitmaps win.
    const small = cardGrid({ peerCount: 40, bitmapCells: 16, areaWidthPx: 861, areaHeightPx: 629 });
    expect(small.cellPx).toBeGreaterThanOrEqual(3);
  });

  it('makes cards bigger as peers are fewer', () => {
    const sizes = [2, 6, 12, 24, 40].map(
      (peerCount) => cardGrid({ peerCount, bitmapCells: 256, ...AREA_1080P }).cellPx,
    );
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeLessThanOrEqual(sizes[i - 1]!);
    expect(sizes[0]!).toBeGreaterThan(sizes.at(-1)!);
  });

  it('lets a few peers’ bitmaps fill most of their cards (4 peers of a 16 MiB file), not a strip along the top', () => {
    const grid = cardGrid({ peerCount: 4, bitmapCells: 64, ...AREA_1080P });
    const bitmapArea = grid.bitmapColumns * grid.cellPx * grid.bitmapRows * grid.cellPx;
    const roomUnderText =
      (grid.cardWidthPx - 2 * CARD_PADDING_PX) *
      (grid.cardHeightPx - 2 * CARD_PADDING_PX - cardTextHeightPx(grid.fontPx));
    expect(bitmapArea / roomUnderText).toBeGreaterThan(0.5);
    // Still cards, not giant squares: a single seeder of a tiny file keeps cells of at most MAX_CELL_PX.
    expect(cardGrid({ peerCount: 1, bitmapCells: 4, ...AREA_1080P }).cellPx).toBe(MAX_CELL_PX);
  });

  it('breaks near-ties of cell size by the cards’ shape: no row of tall, narrow cards whose names do not fit', () => {
    const nine = cardGrid({ peerCount: 9, bitmapCells: 64, ...AREA_1080P });
    expect([nine.columns, nine.rows]).toEqual([3, 3]);
    // A small class: a compact grid, not a row of full-height strips (which won by a pixel of cell size).
    expect(cardGrid({ peerCount: 5, bitmapCells: 1024, ...AREA_1080P }).rows).toBeGreaterThan(1);
    expect(cardGrid({ peerCount: 7, bitmapCells: 256, ...AREA_1080P }).rows).toBeGreaterThan(1);
    expect(cardGrid({ peerCount: 4, bitmapCells: 64, areaWidthPx: 861, areaHeightPx: 629 }).rows).toBe(2);
    // A phone's stacked layout (390 px wide, the cards' area 75 % of 844 px): one card a row.
    const phone = cardGrid({ peerCount: 3, bitmapCells: 64, areaWidthPx: 358, areaHeightPx: 633 });
    expect(phone.columns).toBe(1);
    for (const peerCount of [2, 3, 5, 9, 16, 40]) {
      const grid = cardGrid({ peerCount, bitmapCells: 64, ...AREA_1080P });
      expect(grid.cardWidthPx / grid.cardHeightPx, `${peerCount} peers`).toBeGreaterThan(0.5);
    }
  });

  it('parts cells by a gap that grows with them, and none where a gap would hide them', () => {
    expect(cellGapPx(3)).toBe(0);
    expect(cellGapPx(4)).toBe(1);
    expect(cellGapPx(24)).toBe(1);
    expect(cellGapPx(48)).toBe(3);
  });

  it('still gives every card a bitmap on a narrow screen (the stacked layout of a tablet)', () => {
    const grid = cardGrid({ peerCount: 12, bitmapCells: 1024, areaWidthPx: 700, areaHeightPx: 760 });
    expect(grid.cellPx).toBeGreaterThanOrEqual(2);
    expect(grid.columns * grid.cardWidthPx).toBeLessThanOrEqual(700);
  });

  it('finds the largest whole cell for a bitmap in a box', () => {
    expect(largestCell(64, 80, 80)).toEqual({ cellPx: 10, columns: 8, rows: 8 });
    expect(largestCell(10, 100, 10)).toEqual({ cellPx: 10, columns: 10, rows: 1 });
    expect(largestCell(5, 0, 100)).toEqual({ cellPx: 0, columns: 0, rows: 0 });
  });
});

describe('the projector’s card layout (what a card gives up on a small screen)', () => {
  /** The cards' area at 1280×720 while a run goes on: the map column takes 371 px; the header, 100–300 px. */
  const WIDTH_720P = 861;

  it('keeps every name readable for 40 peers at 1280×720, whatever the header’s height, with cells a room can see', () => {
    for (const areaHeightPx of [380, 420, 480, 534, 560, 614, 700])
      for (const chunkCount of [16, 64, 256, 1024, 4096]) {
        const { grid, grouping } = cardLayout({ peerCount: 40, chunkCount, areaWidthPx: WIDTH_720P, areaHeightPx });
        const where = `${areaHeightPx} px high, ${chunkCount} chunks`;
        // 35–116 px wide before (2–12 characters of a name), jumping between 7 and 14 columns.
        expect(grid.cardWidthPx - 2 * CARD_PADDING_PX, where).toBeGreaterThanOrEqual(NAME_TEXT_EM * grid.fontPx);
        expect(grid.cellPx, where).toBeGreaterThanOrEqual(MIN_VISIBLE_CELL_PX);
        expect(grid.columns * grid.rows, where).toBeGreaterThanOrEqual(40);
        expect(grid.bitmapColumns * grid.bitmapRows, where).toBeGreaterThanOrEqual(grouping.cells);
        expect(
          grid.bitmapRows * grid.cellPx + cardTextHeightPx(grid.fontPx, grid.textLines),
          where,
        ).toBeLessThanOrEqual(grid.cardHeightPx - 2 * CARD_PADDING_PX);
        expect(grouping.cells * grouping.chunksPerCell).toBeGreaterThanOrEqual(chunkCount);
      }
    // A usual header's height: the same columns, so no card moves as the verdict wraps or a banner comes.
    const columns = [534, 560, 614].map(
      (areaHeightPx) =>
        cardLayout({ peerCount: 40, chunkCount: 1024, areaWidthPx: WIDTH_720P, areaHeightPx }).grid.columns,
    );
    expect(new Set(columns).size).toBe(1);
  });

  it('changes nothing where every card fits with its three lines and single chunks (1080p, up to 40 peers)', () => {
    for (const peerCount of [1, 4, 9, 20, 40])
      for (const chunkCount of [16, 256, 1024]) {
        const layout = cardLayout({ peerCount, chunkCount, ...AREA_1080P });
        expect(layout.grid).toEqual(cardGrid({ peerCount, bitmapCells: chunkCount, ...AREA_1080P }));
        expect(layout.grid.textLines).toBe(3);
        expect(layout.grouping.chunksPerCell).toBe(1);
      }
  });

  it('gives up the rates line before single chunks, and more chunks per cell before the status line', () => {
    const rates = cardLayout({ peerCount: 40, chunkCount: 256, areaWidthPx: WIDTH_720P, areaHeightPx: 614 });
    expect([rates.grid.textLines, rates.grouping.chunksPerCell]).toEqual([2, 1]);
    const grouped = cardLayout({ peerCount: 40, chunkCount: 1024, areaWidthPx: WIDTH_720P, areaHeightPx: 534 });
    expect(grouped.grid.textLines).toBe(2);
    expect(grouped.grouping.chunksPerCell).toBeGreaterThan(1);
    const nameOnly = cardLayout({ peerCount: 40, chunkCount: 1024, areaWidthPx: WIDTH_720P, areaHeightPx: 420 });
    expect(nameOnly.grid.textLines).toBe(1);
  });

  it('keeps names readable up to 64 peers on a 1024×768 projector wherever a readable card has room for a bitmap', () => {
    // The cards' area at 1024×768 (the map takes the rest of the width), as high as the header leaves it: the
    // smallest heights where 5 columns of readable cards still keep a strip of bitmap.
    const fromHeightPx = { 48: 460, 52: 480, 56: 520, 60: 520, 64: 560 };
    for (const [peers, lowestPx] of Object.entries(fromHeightPx)) {
      const peerCount = Number(peers);
      const columns = new Set<number>();
      for (let areaHeightPx = lowestPx; areaHeightPx <= 620; areaHeightPx += 20) {
        const { grid } = cardLayout({ peerCount, chunkCount: 1024, areaWidthPx: 679, areaHeightPx });
        const where = `${peerCount} peers, 679×${areaHeightPx}`;
        // Before, cards 41–77 px wide (3–7 characters of a name), 5 to 14 columns as the header changed.
        expect(grid.cardWidthPx - 2 * CARD_PADDING_PX, where).toBeGreaterThanOrEqual(NAME_TEXT_EM * grid.fontPx);
        expect(grid.cellPx, where).toBeGreaterThanOrEqual(1);
        expect(grid.columns * grid.rows, where).toBeGreaterThanOrEqual(peerCount);
        columns.add(grid.columns);
      }
      expect(columns.size, `${peerCount} peers: no card moves as the header changes`).toBe(1);
    }
  });

  it('still lays every card out on an area too small for readable text (it takes the last step’s best grid)', () => {
    const { grid } = cardLayout({ peerCount: 40, chunkCount: 1024, areaWidthPx: 300, areaHeightPx: 200 });
    expect(grid.columns * grid.rows).toBeGreaterThanOrEqual(40);
    expect(grid.textLines).toBe(1);
    const unmeasured = cardLayout({ peerCount: 3, chunkCount: 64, areaWidthPx: 0, areaHeightPx: 0 });
    expect(unmeasured.grid.cellPx).toBe(0);
  });
});

describe('grouping chunks on a projector card', () => {
  it('gives each chunk its own cell up to 1,024, and groups larger files', () => {
    expect(bitmapGrouping(64)).toEqual({ chunksPerCell: 1, cells: 64 });
    expect(bitmapGrouping(MAX_CARD_CELLS)).toEqual({ chunksPerCell: 1, cells: 1024 });
    expect(bitmapGrouping(1025)).toEqual({ chunksPerCell: 2, cells: 513 });
    expect(bitmapGrouping(16_384)).toEqual({ chunksPerCell: 16, cells: 1024 });
  });

  it('counts the chunks held in each cell, the last cell possibly short', () => {
    // 10 chunks, 4 per cell: cells [0..3], [4..7], [8..9]. Held: 0, 1, 5, 8, 9.
    const bits = Uint8Array.of(0b1100_0100, 0b1100_0000);
    const grouping = bitmapGrouping(10, 3);
    expect(grouping).toEqual({ chunksPerCell: 4, cells: 3 });
    expect([...heldPerCell(bits, 10, grouping)]).toEqual([2, 1, 2]);
    expect([0, 1, 2].map((cell) => chunksInCell(cell, 10, grouping))).toEqual([4, 4, 2]);
  });

  it('draws a cell full only when every chunk it stands for is held', () => {
    // Rounded, 15 of 16 chunks filled a 4 px cell: a card looked whole with the peer at 95 % (found by review).
    expect(cellFillPx(15, 16, 4)).toBe(3);
    expect(cellFillPx(7, 8, 4)).toBe(3);
    expect(cellFillPx(1, 16, 4)).toBe(1);
    const wrong: string[] = [];
    for (let sizePx = 1; sizePx <= 48; sizePx++) {
      for (let total = 2; total <= 256; total++) {
        if (cellFillPx(0, total, sizePx) !== 0) wrong.push(`0 of ${total} in ${sizePx} px`);
        if (cellFillPx(total, total, sizePx) !== sizePx) wrong.push(`${total} of ${total} in ${sizePx} px`);
        if (partlyHeldTinted(0, total, sizePx) || partlyHeldTinted(total, total, sizePx)) {
          wrong.push(`empty or full tinted in ${sizePx} px`);
        }
        for (let count = 1; count < total; count++) {
          const filledPx = cellFillPx(count, total, sizePx);
          const tinted = partlyHeldTinted(count, total, sizePx);
          // Told from full and from empty: a bar between, or (in a cell too small for one) a colour of its own.
          if (!tinted && !(filledPx >= 1 && filledPx < sizePx)) wrong.push(`${count} of ${total} in ${sizePx} px`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(partlyHeldTinted(1, 2, MIN_PARTIAL_BAR_PX - 1)).toBe(true);
    expect(partlyHeldTinted(1, 2, MIN_PARTIAL_BAR_PX)).toBe(false);
  });

  it('says what the bitmap shows in words', () => {
    expect(chunksText(Uint8Array.of(0xff, 0xf0), 12)).toBe('12 of 12 chunks');
    expect(chunksText(Uint8Array.of(0b1010_0000), 8)).toBe('2 of 8 chunks');
  });
});

describe('the swarm map’s geometry', () => {
  const peers = [
    { peerId: 's', seeder: true },
    { peerId: 'a', seeder: false },
    { peerId: 'b', seeder: false },
    { peerId: 'c', seeder: false },
    { peerId: 'd', seeder: false },
  ];

  it('puts the seeder in the middle and the others evenly on a circle, the first at the top', () => {
    const nodes = circleLayout(peers);
    expect(nodes[0]).toEqual({ peerId: 's', seeder: true, x: MAP_SIZE / 2, y: MAP_SIZE / 2, radius: SEEDER_RADIUS });
    expect(nodes.slice(1).every((node) => node.radius === NODE_RADIUS)).toBe(true);
    const ring = nodes.slice(1);
    const radii = ring.map((node) => Math.hypot(node.x - MAP_SIZE / 2, node.y - MAP_SIZE / 2));
    for (const radius of radii) expect(radius).toBeCloseTo(radii[0]!, 1);
    expect(ring[0]!.x).toBeCloseTo(MAP_SIZE / 2, 5);
    expect(ring[0]!.y).toBeLessThan(MAP_SIZE / 2);
    // Clockwise: the second is to the right.
    expect(ring[1]!.x).toBeGreaterThan(MAP_SIZE / 2);
    for (const node of nodes) {
      expect(node.x - NODE_RADIUS).toBeGreaterThanOrEqual(0);
      expect(node.y + NODE_RADIUS).toBeLessThanOrEqual(MAP_SIZE);
    }
  });

  it('keeps a classroom’s ring apart and inside the map, names included, at any size of swarm', () => {
    // A label's baseline sits 30 units under its node (SwarmMap.svelte); its descenders reach about 8 below.
    const labelBottom = (node: { y: number; radius: number }) => node.y + node.radius + 30 + 8;
    for (const count of [1, 2, 3, 4, 24, 32, 33, 40, 41, 64, 200, 1000]) {
      const nodes = circleLayout([
        { peerId: 'seeder', seeder: true },
        ...Array.from({ length: count }, (_, index) => ({ peerId: `p${index}`, seeder: false })),
      ]);
      const ring = nodes.slice(1);
      expect(ring).toHaveLength(count);
      for (const [index, node] of ring.entries()) {
        expect(Number.isFinite(node.radius) && node.radius >= MIN_NODE_RADIUS).toBe(true);
        const outline = node.radius + nodeStroke(node) / 2;
        expect(node.x - outline).toBeGreaterThanOrEqual(0);
        expect(node.y - outline).toBeGreaterThanOrEqual(0);
        expect(node.x + outline).toBeLessThanOrEqual(MAP_SIZE);
        expect(labelBottom(node)).toBeLessThanOrEqual(MAP_SIZE);
        if (count < 2) continue;
        const next = ring[(index + 1) % count]!;
        const apart = Math.hypot(next.x - node.x, next.y - node.y);
        // Outlines do not touch (a few units of rounding allowed only where nodes are at their smallest).
        if (node.radius > MIN_NODE_RADIUS) expect(apart).toBeGreaterThanOrEqual(2 * outline + 4);
        // Nor does any node touch the seeder.
        expect(Math.hypot(node.x - 500, node.y - 500)).toBeGreaterThan(SEEDER_RADIUS + outline + 100);
      }
      // Full size while there is room: the 40 laptops of a classroom shrink only a little.
      if (count <= 32) expect(ring.every((node) => node.radius === NODE_RADIUS)).toBe(true);
      if (count === 40) expect(ring[0]!.radius).toBeGreaterThan(NODE_RADIUS * 0.75);
    }
  });

  it('cuts a long name, keeping a namesake’s short id: 38-character names printed over each other', () => {
    const longest = `${'W'.repeat(MAX_DISPLAY_NAME_CHARS)} ·xuvICh`;
    expect([...mapLabelOf(longest)]).toHaveLength(MAX_LABEL_CHARS);
    expect(mapLabelOf(longest)).toBe('WWWWWWW… ·xuvICh');
    expect(mapLabelOf('Bright Hedgehog!')).toBe('Bright Hedgehog!');
    expect(mapLabelOf('A rather long chosen name')).toBe('A rather long c…');
    // Characters, not UTF-16 units: an emoji is not cut in half.
    expect(mapLabelOf('🦔'.repeat(20))).toBe(`${'🦔'.repeat(15)}…`);
  });

  it('puts every name inside the map, none over another, wherever the ring has names', () => {
    // A name as long as the map prints one ("Bright Hedgehog!"), each character as wide as the layout allows for.
    const width = MAX_LABEL_CHARS * LABEL_CHAR_EM * LABEL_FONT;
    const box = (node: (typeof nodes)[number]) => {
      const label = labelPlacement(node, MAX_LABEL_CHARS);
      const left = label.x - width / 2;
      return { left, right: left + width, top: label.y - LABEL_FONT, bottom: label.y + 8 };
    };
    let nodes = circleLayout([]);
    for (let count = 1; count <= MAX_LABELLED_RING; count++) {
      nodes = circleLayout([
        { peerId: 'seeder', seeder: true },
        ...Array.from({ length: count }, (_, index) => ({ peerId: `p${index}`, seeder: false })),
      ]);
      const boxes = nodes.map(box);
      for (const [index, a] of boxes.entries()) {
        // Centred at 3 or 9 o'clock, a name lost its first or last letters at the map's edge.
        expect(a.left, `${count} peers, name ${index}`).toBeGreaterThanOrEqual(0);
        expect(a.right, `${count} peers, name ${index}`).toBeLessThanOrEqual(MAP_SIZE);
        expect(a.bottom).toBeLessThanOrEqual(MAP_SIZE);
        for (const b of boxes.slice(index + 1)) {
          const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          expect(apart, `${count} peers: names ${index} and another overlap`).toBe(true);
        }
      }
    }
  });

  it('starts and ends a small node’s edges at its rim', () => {
    const nodes = circleLayout([
      { peerId: 's', seeder: true },
      ...Array.from({ length: 100 }, (_, index) => ({ peerId: `p${index}`, seeder: false })),
    ]);
    const [seeder, top] = nodes;
    expect(top!.radius).toBeLessThan(NODE_RADIUS);
    const down = edgeGeometry(top!, seeder!, 1, 1);
    expect(down.y1 - top!.y).toBeCloseTo(top!.radius, 5);
    expect(seeder!.y - down.y2).toBeCloseTo(SEEDER_RADIUS, 5);
    // The fastest edge narrower, so that its arrowhead (4 widths) stays about the size of the node it points at.
    expect(down.widthPx).toBeLessThan(MAX_EDGE_WIDTH);
    expect(down.widthPx).toBeLessThanOrEqual(top!.radius);
    expect(edgeGeometry(top!, seeder!, 0, 1).widthPx).toBe(MIN_EDGE_WIDTH);
  });

  it('has no middle without a seeder (it left): everyone on the circle', () => {
    const nodes = circleLayout(peers.slice(1));
    expect(nodes.every((node) => !node.seeder && Math.hypot(node.x - 500, node.y - 500) > 300)).toBe(true);
  });

  it('draws an edge from rim to rim, to the right of its direction, so both directions of a pair show', () => {
    const [seeder, top] = circleLayout(peers);
    const down = edgeGeometry(top!, seeder!, 500, 1000);
    const up = edgeGeometry(seeder!, top!, 500, 1000);
    // Top node straight above the seeder: going down, the right-hand side is −x in SVG coordinates.
    expect(down.x1).toBeLessThan(MAP_SIZE / 2);
    expect(up.x1).toBeGreaterThan(MAP_SIZE / 2);
    expect(down.y1 - top!.y).toBeCloseTo(NODE_RADIUS, 5);
    expect(seeder!.y - down.y2).toBeCloseTo(SEEDER_RADIUS, 5);
  });

  it('widens and speeds up an edge with its rate', () => {
    const [seeder, a] = circleLayout(peers);
    const slow = edgeGeometry(seeder!, a!, 10_000, 1_000_000);
    const fast = edgeGeometry(seeder!, a!, 1_000_000, 1_000_000);
    expect(fast.widthPx).toBe(MAX_EDGE_WIDTH);
    expect(slow.widthPx).toBeGreaterThan(MIN_EDGE_WIDTH);
    expect(slow.widthPx).toBeLessThan(fast.widthPx);
    expect(fast.dashPeriodSec).toBeLessThan(slow.dashPeriodSec);
    expect(edgeGeometry(seeder!, a!, 0, 0).widthPx).toBe(MIN_EDGE_WIDTH);
  });
});

describe('the race clock', () => {
  it('places the clock and both bounds on one bar that holds them all', () => {
    const early = raceScale(2, 8, 4);
    expect(early.maxSec).toBeCloseTo(8 * 1.15, 6);
    expect(early.elapsedFraction).toBeCloseTo(2 / 9.2, 6);
    expect(early.p2pFraction).toBeCloseTo(4 / 9.2, 6);
    expect(early.clientServerFraction).toBeCloseTo(8 / 9.2, 6);
    // A run over both bounds stretches the bar; the bounds move left.
    const late = raceScale(20, 8, 4);
    expect(late.elapsedFraction).toBeLessThan(1);
    expect(late.clientServerFraction!).toBeLessThan(early.clientServerFraction!);
  });

  it('has a bar before any bound is known, and leaves unknown marks out', () => {
    expect(raceScale(0, null, null)).toEqual({
      maxSec: 11.5,
      elapsedFraction: 0,
      clientServerFraction: null,
      p2pFraction: null,
    });
  });

  it('puts D_cs’s label a line lower where it would print over D_p2p’s', () => {
    // One leecher: the two bounds are equal.
    expect(labelsStacked(raceScale(2, 8.39, 8.39), 900)).toBe(true);
    expect(labelsStacked(raceScale(2, 9, 8), 300)).toBe(true);
    // Far apart on a wide bar (the 40-laptop run: 8.39 s against 5 min 27 s).
    expect(labelsStacked(raceScale(4, 327, 8.39), 900)).toBe(false);
    expect(labelsStacked(raceScale(2, 9, 8), (MARK_LABEL_PX / (1 / 9 / 1.15)) * 1.01)).toBe(false);
    expect(labelsStacked(raceScale(2, null, 8), 900)).toBe(false);
  });

  it('keeps each mark’s label over the bar, over its mark where there is room', () => {
    // 40–64 peers: D_p2p at ~0.02 of the bar, D_cs at 0.87 of a 420 px one. Centred on their marks, the first
    // went ~95 px into the title on the left and the second past the bar's end (found by review).
    const barPx = 420;
    const scale = raceScale(4, 327, 8.39);
    expect(markLabelStartPx(scale.p2pFraction!, barPx)).toBe(0);
    expect(markLabelStartPx(scale.clientServerFraction!, barPx)).toBe(barPx - MARK_LABEL_PX);
    expect(markLabelStartPx(0.5, barPx, 100)).toBe(160);
    for (let fraction = 0; fraction <= 1; fraction += 0.01) {
      for (const labelPx of [60, 140, MARK_LABEL_PX]) {
        const startPx = markLabelStartPx(fraction, barPx, labelPx);
        expect(startPx).toBeGreaterThanOrEqual(0);
        expect(startPx + labelPx).toBeLessThanOrEqual(barPx);
        // Over its mark: the mark lies under its label.
        expect(fraction * barPx).toBeGreaterThanOrEqual(startPx);
        expect(fraction * barPx).toBeLessThanOrEqual(startPx + labelPx);
      }
    }
    // A label wider than the bar (a phone) starts with it.
    expect(markLabelStartPx(0.9, 150)).toBe(0);
  });

  it('stacks labels pushed together at one end of the bar, though their marks are a label apart', () => {
    // D_p2p at 0, D_cs a label's width along: D_p2p's label, kept on the bar, would cover half of D_cs's.
    const scale = raceScale(0, MARK_LABEL_PX, 0);
    const barPx = MARK_LABEL_PX * 1.15 * 1.05;
    expect(labelsStacked(scale, barPx)).toBe(true);
    // Short labels measured as drawn fit side by side.
    expect(labelsStacked(scale, barPx, 80, 80)).toBe(false);
  });

  it('says where the run stands against its bound', () => {
    expect(raceVerdict(1, 2, 'running', 4)).toBe('within its bound so far');
    expect(raceVerdict(3, 2, 'running', 4)).toBe('past its bound (1.50 ×)');
    expect(raceVerdict(2.2, 2, 'finished', 4)).toBe('1.10 × its bound');
    expect(raceVerdict(2, null, 'running', 4)).toBe('bound not known yet');
    expect(raceVerdict(2, null, 'finished', 4)).toBe('bound not known');
    // Every leecher left before completing: the run goes on, and said "bound not known yet" for good.
    expect(raceVerdict(30, null, 'running', 0)).toBe('no leecher left: stop the run, or one that joins ends it');
    expect(raceVerdict(30, null, 'stopped', 0)).toBe('no leecher in the run');
    // Its one student flagged (reports refused), still downloading: not "left".
    expect(raceVerdict(30, null, 'running', 0, 1)).toBe(
      'no leecher counted (1 flagged): stop the run, or one that joins ends it',
    );
    // Not as if it still went on.
    expect(raceVerdict(1.24, 2, 'stopped', 4)).toBe('stopped at 0.62 × its bound');
    expect(raceVerdict(1, 2, 'interrupted', 4)).toBe('interrupted at 0.50 × its bound');
  });
});

describe('the full-screen button', () => {
  it('enters full screen where the API is there, and leaves it when already full screen', async () => {
    let requests = 0;
    let exits = 0;
    const target = { requestFullscreen: async () => void requests++ };
    expect(await toggleFullscreen(target, { fullscreenEnabled: true, fullscreenElement: null })).toBe('entered');
    const doc = { fullscreenEnabled: true, fullscreenElement: {} as Element, exitFullscreen: async () => void exits++ };
    expect(await toggleFullscreen(target, doc)).toBe('left');
    expect([requests, exits]).toEqual([1, 1]);
  });

  it('says to press F11 where the API is missing or the request is refused, without throwing', async () => {
    expect(await toggleFullscreen({}, {})).toBe('unsupported');
    expect(await toggleFullscreen({ requestFullscreen: async () => {} }, { fullscreenEnabled: false })).toBe(
      'unsupported',
    );
    const refusing = { requestFullscreen: () => Promise.reject(new TypeError('Permissions check failed')) };
    expect(await toggleFullscreen(refusing, { fullscreenEnabled: true })).toBe('refused');
    expect(fullscreenHint('refused')).toContain('F11');
    expect(fullscreenHint('unsupported')).toContain('F11');
    expect(fullscreenHint('entered')).toBeUndefined();
  });
});

describe('what a card says of its peer', () => {
  const fine = { flagged: null, away: false };
  it('counts the chunks of a downloading leecher, and times a completed one', () => {
    const running = runState(1, 'running');
    expect(cardStatus(fine, running, running.participants[1], 37, 64)).toBe('37 of 64');
    const finished = runState(1, 'finished');
    expect(cardStatus(fine, finished, finished.participants[1], 64, 64)).toBe('done 7.00 s');
    expect(cardStatus(fine, finished, finished.participants[0], 64, 64)).toBe('seeded');
    expect(cardStatus(fine, running, running.participants[0], 64, 64)).toBe('seeding');
  });

  it('says why a card shows nothing moving', () => {
    const running = runState(1, 'running');
    expect(cardStatus(fine, null, undefined, 0, 64)).toBe('waiting');
    expect(cardStatus(fine, running, undefined, 0, 64)).toBe('not in this run');
    expect(
      cardStatus(
        { flagged: { reason: 'x', refusedReports: 1 }, away: false },
        running,
        running.participants[1],
        64,
        64,
      ),
    ).toBe('reports refused');
    const unconfirmed = {
      ...running.participants[1]!,
      flagged: { reason: 'complete: not confirmed', refusedReports: 1 },
    };
    expect(cardStatus(fine, running, unconfirmed, 64, 64)).toBe('not counted in this run');
  });

  it('says a leecher whose tries to connect fail cannot connect, rather than that it waits or holds 0 chunks', () => {
    const running = runState(1, 'running');
    const stuck = { ...fine, report: { cannotConnect: true } };
    expect(cardStatus(stuck, null, undefined, 0, 64)).toBe('cannot connect');
    expect(cardStatus(stuck, running, running.participants[1], 0, 64)).toBe('cannot connect');
    expect(cardStatus(stuck, running, undefined, 0, 64)).toBe('cannot connect');
    // A result stands, and a seeder is never said to (its notices say others cannot reach it).
    const finished = runState(1, 'finished');
    expect(cardStatus(stuck, finished, finished.participants[1], 64, 64)).toBe('done 7.00 s');
    expect(cardStatus(stuck, running, running.participants[0], 64, 64)).toBe('seeding');
    expect(cardStatus({ ...fine, report: null }, running, running.participants[1], 3, 64)).toBe('3 of 64');
    // The seeder's card before any run (no participant yet) goes by its role.
    expect(cardStatus({ ...stuck, role: 'seeder' }, null, undefined, 64, 64)).toBe('waiting');
  });

  it('shows "cannot connect" (status, border, table row) by one rule: never beside what is said of it first', () => {
    const running = runState(1, 'running');
    const stuck = { ...fine, role: 'leecher' as const, report: { cannotConnect: true } };
    expect(cannotConnectShown(stuck, running.participants[1])).toBe(true);
    expect(cannotConnectShown(stuck, undefined)).toBe(true);
    // Its signalling dropped (the report is from before), its reports refused, a seeder, a result: not shown.
    expect(cannotConnectShown({ ...stuck, away: true }, running.participants[1])).toBe(false);
    expect(cannotConnectShown({ ...stuck, flagged: { reason: 'x', refusedReports: 1 } }, undefined)).toBe(false);
    expect(cannotConnectShown({ ...stuck, role: 'seeder' }, undefined)).toBe(false);
    expect(cannotConnectShown(stuck, running.participants[0])).toBe(false);
    const finished = runState(1, 'finished');
    expect(cannotConnectShown(stuck, finished.participants[1])).toBe(false);
    expect(cannotConnectShown({ ...stuck, report: { cannotConnect: false } }, undefined)).toBe(false);
  });

  it('says a peer whose signalling dropped is reconnecting, not how far it was when last heard of', () => {
    const running = runState(1, 'running');
    expect(cardStatus({ flagged: null, away: true }, running, running.participants[1], 37, 64)).toBe('reconnecting');
    expect(cardStatus({ flagged: null, away: true }, null, undefined, 0, 64)).toBe('reconnecting');
    // A result stands: a completer whose connection dropped (or a screen that lost its own) still shows its time.
    const finished = runState(1, 'finished');
    expect(cardStatus({ flagged: null, away: true }, finished, finished.participants[1], 64, 64)).toBe('done 7.00 s');
  });
});

describe('the report a screen draws a peer from', () => {
  const reportOf = (run: ReturnType<typeof runState>, peerId: string) =>
    swarmProgress('s', run).peers.find((peer) => peer.peerId === peerId)!.report;

  it('draws nothing of a leecher’s earlier run while a new one goes on (it starts empty), until it reports this one', () => {
    const second = runState(2, 'running', 100);
    const leecher = second.participants[1];
    // Its tab ended run 1's engine and opens run 2's store: the server still holds its last report of run 1.
    const ofRunOne = reportOf(runState(1, 'finished'), 'leech0');
    expect(reportShown(ofRunOne, second, leecher)).toBeNull();
    const ended = { ...ofRunOne!, runNumber: null };
    expect(reportShown(ended, second, leecher)).toBeNull();
    const ofRunTwo = reportOf(second, 'leech0');
    expect(reportShown(ofRunTwo, second, leecher)).toBe(ofRunTwo);
  });

  it('shows rates of the run shown only, and none of a peer away: its last ones stood still, looking live', () => {
    const running = runState(2, 'running');
    const ofRunTwo = reportOf(running, 'leech0');
    expect(ratesShown({ away: false }, ofRunTwo, running)).toBe(ofRunTwo);
    expect(ratesShown({ away: true }, ofRunTwo, running)).toBeNull();
    expect(ratesShown({ away: false }, reportOf(runState(1, 'finished'), 'leech0'), running)).toBeNull();
    expect(ratesShown({ away: false }, ofRunTwo, null)).toBeNull();
  });

  it('keeps the last report between runs, and a seeder’s or a non-participant’s as it is', () => {
    const ofRunOne = reportOf(runState(1, 'finished'), 'leech0');
    const finished = runState(1, 'finished');
    expect(reportShown(ofRunOne, finished, finished.participants[1])).toBe(ofRunOne);
    expect(reportShown(ofRunOne, null, undefined)).toBe(ofRunOne);
    const second = runState(2, 'running');
    expect(reportShown(ofRunOne, second, undefined)).toBe(ofRunOne);
    const seederReport = reportOf(runState(1, 'finished'), 'seed');
    expect(reportShown(seederReport, second, second.participants[0])).toBe(seederReport);
  });
});
