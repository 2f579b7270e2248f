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
    ['1kB', 1e3],
    ['1KB', 1e3],
    ['1KiB', 1024],
    ['1.5MB', 1.5e6],
    ['64MiB', 64 * 2 ** 20],
    ['64miB', 64 * 2 ** 20],
    ['2m', 2e6],
    ['1GB', 1e9],
    ['1GiB', 2 ** 30],
    // As the theory report writes a thousand GB.
    ['1TB', 1e12],
    ['1.5TiB', 1.5 * 2 ** 40],
    [' 7 ', 7],
    // Read as written, not by multiplying floats (2.01 * 1e6 is 2009999.9999999998).
    ['2.01MB', 2_010_000],
    ['1.005KB', 1005],
    ['99.99GB', 99_990_000_000],
    ['.5KB', 500],
    ['5.MB', 5e6],
    ['0.5KiB', 512],
  ])('reads the size %s as %d bytes', (text, bytes) => {
    expect(parseByteQuantity(text, 'size')).toEqual({ ok: true, value: bytes });
  });

  it.each([
    ['2MB/s', 2e6],
    ['256KiB/s', 256 * 1024],
    ['125000', 125000],
    ['10/s', 10],
    ['2.01MB/s', 2_010_000],
  ])('reads the rate %s as %d bytes/s', (text, bytesPerSec) => {
    expect(parseByteQuantity(text, 'rate')).toEqual({ ok: true, value: bytesPerSec });
  });

  it.each([
    ['', 'not a number of bytes'],
    ['abc', 'not a number of bytes'],
    ['1e6', 'not a number of bytes'],
    ['10MBps', 'unknown unit'],
    ['1PB', 'unknown unit'],
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
    ['10Mb/s', 'that is 1.25MB/s, or write 10MB/s for bytes'],
    ['500Kb/s', 'that is 62.5kB/s, or write 500kB/s for bytes'],
    ['100kb/s', 'that is 12.5kB/s, or write 100kB/s for bytes'],
    // The prefix written as units are read: "mB" is a millibyte.
    ['1mb/s', 'that is 0.125MB/s, or write 1MB/s for bytes'],
    ['2gib/s', 'that is 0.25GiB/s, or write 2GiB/s for bytes'],
    ['1Gib/s', 'that is 0.125GiB/s, or write 1GiB/s for bytes'],
    ['10Mbit/s', 'that is 1.25MB/s'],
    ['10Mbps', 'that is 1.25MB/s'],
    ['8bps', 'that is 1B/s'],
    ['800b/s', 'that is 100B/s'],
    // A capital I with a lower-case b is still bits: it was read as 2 KiB/s.
    ['2KIb/s', 'that is 0.25KiB/s, or write 2KiB/s for bytes'],
  ])('refuses the rate %j, written in bits, where it meant eight times less (%s)', (text, fix) => {
    const result = parseByteQuantity(text, 'rate');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('in bits') });
    if (!result.ok) expect(result.reason).toContain(fix);
  });

  it('refuses a size in bits the same way', () => {
    expect(parseByteQuantity('8kb', 'size')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('that is 1kB, or write 8kB for bytes'),
    });
    expect(parseByteQuantity('16MIb', 'size')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('that is 2MiB, or write 16MiB for bytes'),
    });
  });

  // The tera prefix was missing from the bits pattern: `1Tb/s` was read as 1 TB/s, eight times too fast.
  it.each([
    ['1Tb/s', 'rate', 'that is 0.125TB/s, or write 1TB/s for bytes'],
    ['1tb', 'size', 'that is 0.125TB, or write 1TB for bytes'],
    ['1Tib', 'size', 'that is 0.125TiB, or write 1TiB for bytes'],
    ['8Tbit', 'size', 'that is 1TB, or write 8TB for bytes'],
  ] as const)('refuses %j, tera written in bits', (text, kind, fix) => {
    const result = parseByteQuantity(text, kind);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('in bits') });
    if (!result.ok) expect(result.reason).toContain(fix);
  });

  it('takes a unit only from its own table, never from what every object inherits', () => {
    for (const text of ['1constructor', '2Constructor/s'])
      expect(parseByteQuantity(text, 'size'), text).toMatchObject({
        ok: false,
        reason: expect.stringContaining('unknown unit'),
      });
  });

  it('rejects a size too large for a number', () => {
    expect(parseByteQuantity('9'.repeat(400), 'size')).toEqual({
      ok: false,
      reason: expect.stringContaining('too large'),
    });
  });
});
