import { describe, expect, it } from 'vitest';
import { CollectionHint } from '../src/collection-hint';

const MIB = 1024 * 1024;

describe('CollectionHint', () => {
  it('allocates one hint of its size after every `everyBytes` received', () => {
    const allocated: number[] = [];
    const hint = new CollectionHint(16 * MIB, 64 * MIB, (bytes) => allocated.push(bytes));
    for (let i = 0; i < 511; i++) hint.passed(32 * 1024);
    expect(allocated).toEqual([]); // 511 × 32 KiB: just short of 16 MiB
    hint.passed(32 * 1024);
    expect(allocated).toEqual([64 * MIB]);
    for (let i = 0; i < 1024; i++) hint.passed(32 * 1024);
    expect(allocated).toEqual([64 * MIB, 64 * MIB, 64 * MIB]);
    expect(hint.hints).toBe(3);
  });

  it('by default allocates a real ArrayBuffer of the size (and drops it)', () => {
    const hint = new CollectionHint(1, 8 * MIB);
    hint.passed(1);
    expect(hint.hints).toBe(1);
    expect(hint.enabled).toBe(true);
  });

  it('stops trying after an allocation fails, and never throws to the link', () => {
    let tries = 0;
    const hint = new CollectionHint(MIB, 64 * MIB, () => {
      tries++;
      throw new RangeError('Array buffer allocation failed');
    });
    expect(() => hint.passed(2 * MIB)).not.toThrow();
    hint.passed(2 * MIB);
    expect(tries).toBe(1);
    expect(hint.enabled).toBe(false);
    expect(hint.hints).toBe(0);
  });

  it('refuses sizes that are not positive', () => {
    expect(() => new CollectionHint(0)).toThrow(RangeError);
    expect(() => new CollectionHint(MIB, Number.NaN)).toThrow(RangeError);
  });
});
