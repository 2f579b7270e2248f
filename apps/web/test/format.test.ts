import { formatRate as sharedFormatRate } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  countOf,
  formatBytes,
  formatBytesForModel,
  formatMegabytes,
  formatRate,
  formatSeconds,
  formatShares,
} from '../src/lib/format';
import { parseCap } from '../src/lib/run-settings';

describe('what the screens show and read', () => {
  it('counts in words: one peer, no peers, 3 peers', () => {
    expect(countOf(1, 'peer')).toBe('1 peer');
    expect(countOf(0, 'peer')).toBe('0 peers');
    expect(countOf(3, 'run')).toBe('3 runs');
    expect(countOf(2, 'leecher uploads', 'leechers upload')).toBe('2 leechers upload');
  });

  it('shows durations rounded before they are split into minutes and seconds', () => {
    expect(formatSeconds(179.6)).toBe('3 min 0 s');
    expect(formatSeconds(125.4)).toBe('2 min 5 s');
    expect(formatSeconds(59.96)).toBe('60.0 s');
    expect(formatSeconds(9.996)).toBe('10.0 s');
    expect(formatSeconds(119.96)).toBe('2 min 0 s');
  });

  it('shows durations from an hour in hours and minutes, not "180 min 0 s"', () => {
    expect(formatSeconds(10_800)).toBe('3 h 0 min');
    expect(formatSeconds(3599.4)).toBe('59 min 59 s');
    expect(formatSeconds(3599.6)).toBe('1 h 0 min');
    expect(formatSeconds(3600 + 29 * 60 + 31)).toBe('1 h 30 min');
    expect(formatSeconds(7199)).toBe('2 h 0 min');
    expect(formatSeconds(100 * 3600)).toBe('100 h 0 min');
  });

  it('shows sizes judged as shown: never "1024 MiB" nor "100.0 KiB" at a unit’s edge', () => {
    expect(formatBytes(268435456)).toBe('256 MiB');
    expect(formatBytes(1073741000)).toBe('1.0 GiB');
    expect(formatBytes(1048500)).toBe('1.0 MiB');
    expect(formatBytes(1023.96)).toBe('1.0 KiB');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(99.97 * 1024)).toBe('100 KiB');
    expect(formatBytes(99.9 * 1024)).toBe('99.9 KiB');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(2000 * 2 ** 30)).toBe('2000 GiB');
  });

  it('shows two shares of a whole that add up to 100, never 0 % of a part there is', () => {
    expect(formatShares(995, 1000)).toEqual(['>99 %', '<1 %']);
    expect(formatShares(996, 1000)).toEqual(['>99 %', '<1 %']);
    expect(formatShares(505, 1000)).toEqual(['51 %', '49 %']);
    expect(formatShares(1000, 1000)).toEqual(['100 %', '0 %']);
    expect(formatShares(0, 1000)).toEqual(['0 %', '100 %']);
    expect(formatShares(0, 0)).toEqual(['—', '—']);
  });

  it('shows F in the rates’ own decimal prefix, with its exact bytes, so F / u_s gives the bound', () => {
    // 16 MiB over 2 MB/s is 8.39 s: "16.78 MB" says so, where "16.0 MiB" reads 8 s.
    expect(formatBytesForModel(16 * 2 ** 20)).toBe('16.78 MB (16,777,216 bytes)');
    expect(formatBytesForModel(512 * 1024)).toBe('0.524 MB (524,288 bytes)');
    // A file under 1 kB read "0.000 MB (1 bytes)".
    expect(formatBytesForModel(1)).toBe('0.000001 MB (1 byte)');
    expect(formatBytesForModel(499)).toBe('0.0005 MB (499 bytes)');
    expect(formatMegabytes(1000)).toBe('0.001 MB');
    expect(formatMegabytes(1499)).toBe('0.0015 MB');
    expect(formatMegabytes(9999)).toBe('0.010 MB');
    expect(formatMegabytes(12_345)).toBe('0.012 MB');
    expect(formatMegabytes(2 ** 31)).toBe('2147 MB');
    expect(formatBytesForModel(2 ** 30)).toBe('1074 MB (1,073,741,824 bytes)');
  });

  it('picks the digits of a size in MB by the value as it shows (999,999 bytes read "1.000 MB")', () => {
    expect(formatMegabytes(999_999)).toBe('1.00 MB');
    expect(formatMegabytes(999_499)).toBe('0.999 MB');
    expect(formatMegabytes(99_999_000)).toBe('100 MB');
    expect(formatMegabytes(99_994_000)).toBe('99.99 MB');
    expect(formatMegabytes(9999)).toBe('0.010 MB');
  });

  it('shows rates as the headless peer’s terminal does: one formatter, tested in the protocol package', () => {
    expect(formatRate).toBe(sharedFormatRate);
  });

  it('refuses a cap typed in bits, which it would have read as eight times the rate', () => {
    expect(parseCap('10Mb/s', 'u_s')).toMatchObject({
      ok: false,
      message: expect.stringContaining('that is 1.25MB/s'),
    });
    expect(parseCap('100kb/s', 'u_i')).toMatchObject({
      ok: false,
      message: expect.stringContaining('that is 12.5kB/s'),
    });
    expect(parseCap('10MB/s', 'u_s')).toEqual({ ok: true, value: 10e6 });
  });
});
