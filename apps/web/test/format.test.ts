import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../src/lib/format';
import { parseCap } from '../src/lib/run-settings';

describe('what the screens show and read', () => {
  it('shows durations rounded before they are split into minutes and seconds', () => {
    expect(formatSeconds(179.6)).toBe('3 min 0 s');
    expect(formatSeconds(125.4)).toBe('2 min 5 s');
    expect(formatSeconds(59.96)).toBe('60.0 s');
  });

  it('refuses a cap typed in bits, which it would have read as eight times the rate', () => {
    expect(parseCap('10Mb/s', 'u_s')).toMatchObject({ ok: false, message: expect.stringContaining('write MB/s') });
    expect(parseCap('10MB/s', 'u_s')).toEqual({ ok: true, value: 10e6 });
  });
});
