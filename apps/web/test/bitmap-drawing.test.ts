import { Bitfield, MAX_CHUNK_COUNT } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { bitmapLayout, countHeld, forEachChangedChunk } from '../src/lib/bitmap-drawing';

describe('chunk bitmaps at 16,384 chunks', () => {
  it('cells shrink so the bitmap stays within its height; small files keep big cells', () => {
    expect(bitmapLayout(64, 600, 10, 160)).toEqual({ cellPx: 10, columns: 60, rows: 2, gapPx: 1 });
    const big = bitmapLayout(MAX_CHUNK_COUNT, 600, 10, 160);
    expect(big.rows * big.cellPx).toBeLessThanOrEqual(160);
    expect(big.columns * big.rows).toBeGreaterThanOrEqual(MAX_CHUNK_COUNT);
    expect(big.gapPx).toBe(0);
  });

  it('counts held chunks by bytes', () => {
    const bits = new Bitfield(MAX_CHUNK_COUNT);
    for (let index = 0; index < MAX_CHUNK_COUNT; index += 3) bits.set(index);
    expect(countHeld(bits.toBytes(), MAX_CHUNK_COUNT)).toBe(bits.count);
  });

  it('visits exactly the chunks that changed, and every chunk on a first draw', () => {
    const before = new Bitfield(MAX_CHUNK_COUNT);
    before.set(5);
    const after = new Bitfield(MAX_CHUNK_COUNT);
    after.set(5);
    after.set(6);
    after.set(16_383);
    const changed: [number, boolean][] = [];
    forEachChangedChunk(before.toBytes(), after.toBytes(), MAX_CHUNK_COUNT, (index, held) =>
      changed.push([index, held]),
    );
    expect(changed).toEqual([
      [6, true],
      [16_383, true],
    ]);
    let visited = 0;
    forEachChangedChunk(undefined, after.toBytes(), 13, () => visited++);
    expect(visited).toBe(13);
  });
});
