import { describe, expect, it } from 'vitest';
import {
  decodeRunControl,
  encodeRunControl,
  MAX_RUN_NUMBER,
  RUN_CONTROL_BYTES,
  RUN_CONTROL_KIND,
  RUN_CONTROL_TAG,
  type RunControl,
} from '../src/index';

describe('run-control codec', () => {
  it.each<RunControl>([
    { kind: 'begin', runNumber: 1 },
    { kind: 'end', runNumber: 0x01020304 },
    { kind: 'begin', runNumber: MAX_RUN_NUMBER },
  ])('round-trips $kind of run $runNumber', (control) => {
    const bytes = encodeRunControl(control);
    expect(bytes.length).toBe(RUN_CONTROL_BYTES);
    expect(decodeRunControl(bytes)).toEqual({ ok: true, control });
  });

  it('writes tag, kind, then the run number as a u32 big-endian', () => {
    const bytes = encodeRunControl({ kind: 'end', runNumber: 0x01020304 });
    expect([...bytes]).toEqual([RUN_CONTROL_TAG, RUN_CONTROL_KIND.end, 1, 2, 3, 4]);
  });

  it('decodes a message that sits inside a larger buffer', () => {
    const padded = new Uint8Array(RUN_CONTROL_BYTES + 7);
    padded.set(encodeRunControl({ kind: 'begin', runNumber: 258 }), 3);
    expect(decodeRunControl(padded.subarray(3, 3 + RUN_CONTROL_BYTES))).toEqual({
      ok: true,
      control: { kind: 'begin', runNumber: 258 },
    });
  });

  it.each([
    ['an empty message', new Uint8Array(0), 'not-run-control'],
    ['a wire message', Uint8Array.of(2, 0, 0, 0, 1), 'not-run-control'],
    ['a short message', Uint8Array.of(RUN_CONTROL_TAG, 1, 0, 0, 1), 'bad-length'],
    ['a long message', Uint8Array.of(RUN_CONTROL_TAG, 1, 0, 0, 0, 1, 0), 'bad-length'],
    ['an unknown kind', Uint8Array.of(RUN_CONTROL_TAG, 3, 0, 0, 0, 1), 'unknown-kind'],
    ['run 0', Uint8Array.of(RUN_CONTROL_TAG, 1, 0, 0, 0, 0), 'bad-run-number'],
  ] as const)('refuses %s with a typed error', (_name, bytes, code) => {
    const result = decodeRunControl(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.name).toBe('RunControlDecodeError');
      expect(result.error.code).toBe(code);
    }
  });

  it('never throws on random bytes', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let round = 0; round < 2000; round++) {
      const bytes = Uint8Array.from({ length: next() % 10 }, next);
      if (round % 2 === 0 && bytes.length > 0) bytes[0] = RUN_CONTROL_TAG;
      expect(() => decodeRunControl(bytes)).not.toThrow();
    }
  });

  it('throws RangeError on a local mistake: a run number outside 1 … 2³² − 1', () => {
    for (const runNumber of [0, -1, 1.5, 2 ** 32, Number.NaN])
      expect(() => encodeRunControl({ kind: 'begin', runNumber })).toThrow(RangeError);
  });
});
