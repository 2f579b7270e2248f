import { describe, expect, it } from 'vitest';
import { measurePayload } from '../src/payload-measure';
import { deepNest, randomValue, seededRandom } from './fuzz-values';

const roomy = { maxBytes: 10 * 1024 * 1024, maxDepth: 64 };
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

describe('measurePayload', () => {
  it('gives the UTF-8 bytes of the JSON, escapes, multi-byte characters and lone surrogates included', () => {
    const samples: unknown[] = [
      undefined,
      null,
      true,
      false,
      0,
      -1.5e-7,
      '',
      'plain',
      'quote " backslash \\ newline \n control \u0001',
      '€uro 😀 é',
      'lone \ud800 surrogate',
      [],
      {},
      [1, 'a', null, [], {}],
      { a: 1, 'k"ey': ['x'], nested: { deeper: [true, { z: '€' }] } },
      [undefined, () => 1],
      { skipped: undefined, alsoSkipped: () => 1, kept: 0 },
    ];
    for (const sample of samples) {
      expect(measurePayload(sample, roomy), JSON.stringify(sample)).toEqual({ ok: true, bytes: jsonBytes(sample) });
    }
  });

  it('agrees with JSON.stringify on a thousand random payloads', () => {
    const random = seededRandom(0x5eed);
    for (let run = 0; run < 1000; run++) {
      const value = randomValue(random, 5);
      expect(measurePayload(value, roomy), `run ${run}: ${JSON.stringify(value)}`).toEqual({
        ok: true,
        bytes: jsonBytes(value),
      });
    }
  });

  it('counts bytes, not UTF-16 characters', () => {
    const euros = '€'.repeat(30_000); // 30,000 characters, 90,000 bytes
    expect(measurePayload(euros, { maxBytes: 80 * 1024, maxDepth: 4 })).toEqual({
      ok: false,
      code: 'payload-too-large',
    });
    expect(measurePayload('a'.repeat(30_000), { maxBytes: 80 * 1024, maxDepth: 4 })).toEqual({
      ok: true,
      bytes: 30_002,
    });
  });

  it('counts binary attachments by their length', () => {
    expect(measurePayload({ blob: new Uint8Array(1000) }, roomy)).toEqual({ ok: true, bytes: 1000 + 9 });
    expect(measurePayload([new ArrayBuffer(64)], roomy)).toEqual({ ok: true, bytes: 64 + 2 });
  });

  it('refuses a deep payload after reading only as deep as the cap, whatever its depth', () => {
    const bounds = { maxBytes: 1024 * 1024, maxDepth: 16 };
    for (const kind of ['array', 'object'] as const) {
      expect(measurePayload(deepNest(16, 0, kind), bounds)).toMatchObject({ ok: true });
      expect(measurePayload(deepNest(17, 0, kind), bounds)).toEqual({ ok: false, code: 'payload-too-deep' });
      // JSON.stringify overflows the stack on this one; the measure does not even notice its depth.
      const abyss = deepNest(1_000_000, 0, kind);
      expect(() => JSON.stringify(abyss)).toThrow(RangeError);
      expect(measurePayload(abyss, bounds)).toEqual({ ok: false, code: 'payload-too-deep' });
    }
  });

  it('stops as soon as the payload passes the size cap', () => {
    const bounds = { maxBytes: 1000, maxDepth: 4 };
    expect(
      measurePayload(
        Array.from({ length: 1_000_000 }, () => 0),
        bounds,
      ),
    ).toEqual({
      ok: false,
      code: 'payload-too-large',
    });
    expect(measurePayload({ sdp: 'x'.repeat(997) }, bounds)).toEqual({ ok: false, code: 'payload-too-large' });
    expect(measurePayload({ sdp: 'x'.repeat(990) }, bounds)).toEqual({ ok: true, bytes: 1000 });
    expect(measurePayload('x'.repeat(998), bounds)).toEqual({ ok: true, bytes: 1000 });
    expect(measurePayload('x'.repeat(999), bounds)).toEqual({ ok: false, code: 'payload-too-large' });
  });
});
