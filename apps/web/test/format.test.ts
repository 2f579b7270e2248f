import { describe, expect, it } from 'vitest';
import { formatRate, formatSeconds } from '../src/lib/format';
import { parseCap } from '../src/lib/run-settings';

describe('what the screens show and read', () => {
  it('shows durations rounded before they are split into minutes and seconds', () => {
    expect(formatSeconds(179.6)).toBe('3 min 0 s');
    expect(formatSeconds(125.4)).toBe('2 min 5 s');
    expect(formatSeconds(59.96)).toBe('60.0 s');
  });

  it('shows rates below 1 MB/s in kB/s, where the slowest caps read 0.01 MB/s', () => {
    expect(formatRate(12_500)).toBe('12.5 kB/s');
    expect(formatRate(500_000)).toBe('500 kB/s');
    expect(formatRate(0)).toBe('0 kB/s');
    expect(formatRate(2_000_000)).toBe('2.00 MB/s');
    expect(formatRate(25_300_000)).toBe('25.3 MB/s');
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
