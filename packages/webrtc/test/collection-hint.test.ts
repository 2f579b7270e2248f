import { describe, expect, it } from 'vitest';
import { CollectionHint } from '../src/collection-hint';

const MIB = 1024 * 1024;

describe('CollectionHint', () => {
  it('allocates one hint of its size after every `everyBytes` passed', () => {
    const allocated: number[] = [];
    const hint = new CollectionHint({
      everyBytes: 16 * MIB,
      hintBytes: 64 * MIB,
      minIntervalMs: 0,
      allocate: (bytes) => allocated.push(bytes),
    });
    for (let i = 0; i < 511; i++) hint.passed(32 * 1024);
    expect(allocated).toEqual([]); // 511 × 32 KiB: just short of 16 MiB
    hint.passed(32 * 1024);
    expect(allocated).toEqual([64 * MIB]);
    for (let i = 0; i < 1024; i++) hint.passed(32 * 1024);
    expect(allocated).toEqual([64 * MIB, 64 * MIB, 64 * MIB]);
    expect(hint.hints).toBe(3);
  });

  it('gives at most one hint per minIntervalMs, however fast bytes pass', () => {
    let nowMs = 0;
    let allocations = 0;
    const hint = new CollectionHint({
      everyBytes: MIB,
      minIntervalMs: 1000,
      nowMs: () => nowMs,
      allocate: () => allocations++,
    });
    for (let i = 0; i < 10; i++) hint.passed(MIB); // 10 MiB within one millisecond
    expect(allocations).toBe(1);
    nowMs = 999;
    hint.passed(MIB);
    expect(allocations).toBe(1);
    nowMs = 1000;
    hint.passed(MIB);
    expect(allocations).toBe(2);
  });

  it('by default allocates a real ArrayBuffer of the size, held until the next hint', () => {
    const hint = new CollectionHint({ everyBytes: 1, hintBytes: 8 * MIB, minIntervalMs: 0 });
    expect(hint.heldBytes).toBe(0);
    hint.passed(1);
    expect(hint.heldBytes).toBe(8 * MIB);
    hint.passed(1);
    expect(hint.hints).toBe(2);
    expect(hint.heldBytes).toBe(8 * MIB); // one held: the next replaced the last
    expect(hint.enabled).toBe(true);
  });

  it('stops trying after an allocation fails, and never throws to the link', () => {
    let tries = 0;
    const hint = new CollectionHint({
      everyBytes: MIB,
      minIntervalMs: 0,
      allocate: () => {
        tries++;
        throw new RangeError('Array buffer allocation failed');
      },
    });
    expect(() => hint.passed(2 * MIB)).not.toThrow();
    hint.passed(2 * MIB);
    expect(tries).toBe(1);
    expect(hint.enabled).toBe(false);
    expect(hint.hints).toBe(0);
  });

  it('refuses sizes that are not positive', () => {
    expect(() => new CollectionHint({ everyBytes: 0 })).toThrow(RangeError);
    expect(() => new CollectionHint({ hintBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new CollectionHint({ minIntervalMs: -1 })).toThrow(RangeError);
  });
});
