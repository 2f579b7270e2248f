import { describe, expect, it } from 'vitest';
import { secondsText } from '../src/seconds-text';

describe('secondsText', () => {
  it('prints a time under 10 s with 4 significant digits, not a small bound as "0.00"', () => {
    // 1 MiB to 2 peers at 1 GB/s: a bound of 0.00105 s was "0.00 s" beside a ratio of 171.6614.
    expect(secondsText(0.001048576)).toBe('0.001049');
    expect(secondsText(1.23456)).toBe('1.235');
    expect(secondsText(9.9994)).toBe('9.999');
    expect(secondsText(0)).toBe('0.000');
  });

  it('keeps two decimals from 10 s up', () => {
    expect(secondsText(14.2106)).toBe('14.21');
    expect(secondsText(335.54)).toBe('335.54');
    expect(secondsText(10)).toBe('10.00');
  });
});
