import { describe, expect, it } from 'vitest';
import { parseByteQuantity } from '../src/byte-quantity';

describe('parseByteQuantity', () => {
  it.each([
    ['1500', 1500],
    ['2.5', 2.5],
    ['.5', 0.5],
    ['0', 0],
    ['100B', 100],
    ['1K', 1e3],
    ['1kb', 1e3],
    ['1KiB', 1024],
    ['1.5MB', 1.5e6],
    ['64MiB', 64 * 2 ** 20],
    ['64mib', 64 * 2 ** 20],
    ['2m', 2e6],
    ['1GB', 1e9],
    ['1GiB', 2 ** 30],
    [' 7 ', 7],
  ])('reads the size %s as %d bytes', (text, bytes) => {
    expect(parseByteQuantity(text, 'size')).toEqual({ ok: true, value: bytes });
  });

  it.each([
    ['2MB/s', 2e6],
    ['256KiB/s', 256 * 1024],
    ['125000', 125000],
    ['10/s', 10],
  ])('reads the rate %s as %d bytes/s', (text, bytesPerSec) => {
    expect(parseByteQuantity(text, 'rate')).toEqual({ ok: true, value: bytesPerSec });
  });

  it.each([
    ['', 'not a number of bytes'],
    ['abc', 'not a number of bytes'],
    ['1e6', 'not a number of bytes'],
    ['10Mbps', 'unknown unit'],
    ['1TB', 'unknown unit'],
    ['1.2.3', 'not a number of bytes'],
    ['-5', 'negative'],
    ['-1MB', 'negative'],
    ['1 MB', 'not a number of bytes'],
    ['2MB/s', 'a size takes no "/s"'],
  ])('rejects the size %j (%s)', (text, reason) => {
    const result = parseByteQuantity(text, 'size');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it.each([
    ['10Mb/s', 'write MB/s'],
    ['500Kb/s', 'write KB/s'],
    ['1Gib/s', 'write GiB/s'],
  ])('refuses the rate %j, written in bits, where it meant eight times less (%s)', (text, fix) => {
    const result = parseByteQuantity(text, 'rate');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('in bits') });
    if (!result.ok) expect(result.reason).toContain(fix);
  });

  it('rejects a size too large for a number', () => {
    expect(parseByteQuantity('9'.repeat(400), 'size')).toEqual({
      ok: false,
      reason: expect.stringContaining('too large'),
    });
  });
});
