import { describe, expect, it } from 'vitest';
import {
  Bitfield,
  buildManifest,
  canonicalManifestJson,
  chunkBytesFor,
  chunkLengthBytes,
  contentIdOf,
  manifestFileName,
  MAX_CHUNK_COUNT,
  MAX_FILE_NAME_LENGTH,
  MAX_FILE_BYTES,
  manifestSchema,
  sha256Hex,
  type Manifest,
} from '../src/index';

const bytes = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 31) % 251);

function build(): Promise<Manifest> {
  return buildManifest({
    name: 'lecture.pdf',
    sizeBytes: bytes.length,
    chunkBytes: 16 * 1024,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  });
}

describe('manifest', () => {
  it('hashes every chunk; the last chunk is shorter', async () => {
    const manifest = await build();
    expect(manifest.chunkSha256).toHaveLength(3);
    expect(manifest.chunkSha256[2]).toBe(await sha256Hex(bytes.subarray(32 * 1024)));
    expect(chunkLengthBytes(manifest, 0)).toBe(16 * 1024);
    expect(chunkLengthBytes(manifest, 2)).toBe(40_000 - 32 * 1024);
  });

  it('content id is the SHA-256 of the canonical JSON, independent of key order', async () => {
    const manifest = await build();
    const { chunkSha256, ...rest } = manifest;
    const reordered = JSON.parse(JSON.stringify({ chunkSha256, ...rest })) as Manifest;
    expect(await contentIdOf(reordered)).toBe(await contentIdOf(manifest));
    expect(await contentIdOf(manifest)).toBe(
      await sha256Hex(new TextEncoder().encode(canonicalManifestJson(manifest))),
    );
    expect(await contentIdOf({ ...manifest, name: 'other.pdf' })).not.toBe(await contentIdOf(manifest));
  });

  it.each([
    ['a hash count that does not match the size', (m: Manifest) => ({ ...m, chunkSha256: m.chunkSha256.slice(1) })],
    ['a negative size', (m: Manifest) => ({ ...m, sizeBytes: -1 })],
    ['a tiny chunk size', (m: Manifest) => ({ ...m, chunkBytes: 100 })],
    ['a name with a slash', (m: Manifest) => ({ ...m, name: '../etc/passwd' })],
    // Shown on every screen as "reportexe.pdf", and saved under that name.
    ['a name with a bidirectional override', (m: Manifest) => ({ ...m, name: 'report\u202Efdp.exe' })],
    ['a name with an Arabic letter mark', (m: Manifest) => ({ ...m, name: 'a\u061Cb.txt' })],
    ['a name with nothing visible', (m: Manifest) => ({ ...m, name: '\u200B\u3164' })],
    ['an upper-case hash', (m: Manifest) => ({ ...m, chunkSha256: m.chunkSha256.map((h) => h.toUpperCase()) })],
    ['an unknown field', (m: Manifest) => ({ ...m, extra: 1 })],
  ])('rejects %s', async (_name, mutate) => {
    expect(manifestSchema.safeParse(mutate(await build())).success).toBe(false);
  });
});

describe('chunkBytesFor', () => {
  const GIB = 1024 ** 3;
  it('keeps 256 KiB chunks up to 4 GiB, then doubles them to stay within the chunk count', () => {
    expect(chunkBytesFor(1)).toBe(256 * 1024);
    expect(chunkBytesFor(4 * GIB)).toBe(256 * 1024);
    expect(chunkBytesFor(4 * GIB + 1)).toBe(512 * 1024);
    expect(chunkBytesFor(MAX_FILE_BYTES)).toBe(1024 * 1024);
    expect(MAX_FILE_BYTES).toBe(16 * GIB);
    expect(Math.ceil(MAX_FILE_BYTES / chunkBytesFor(MAX_FILE_BYTES))).toBeLessThanOrEqual(MAX_CHUNK_COUNT);
  });
});

describe('Bitfield', () => {
  it('round-trips through wire bytes, most significant bit first', () => {
    const bits = new Bitfield(10);
    bits.set(0);
    bits.set(9);
    expect([...bits.toBytes()]).toEqual([0x80, 0x40]);
    const parsed = Bitfield.fromBytes(bits.toBytes(), 10);
    expect(parsed?.has(0)).toBe(true);
    expect(parsed?.has(9)).toBe(true);
    expect(parsed?.count).toBe(2);
  });

  it('rejects a wrong length or a set spare bit', () => {
    expect(Bitfield.fromBytes(new Uint8Array(3), 10)).toBeUndefined();
    expect(Bitfield.fromBytes(Uint8Array.of(0, 0x01), 10)).toBeUndefined();
  });

  it('counts each chunk once and ignores out-of-range indexes', () => {
    const bits = new Bitfield(3);
    expect(bits.set(1)).toBe(true);
    expect(bits.set(1)).toBe(false);
    expect(bits.set(3)).toBe(false);
    expect(bits.count).toBe(1);
    expect(Bitfield.full(3).isComplete).toBe(true);
  });

  it('takes no index that is not a chunk’s: NaN and fractions marked chunks 0 and 1', () => {
    const bits = new Bitfield(10);
    for (const index of [NaN, 1.5, -0.5, Infinity, -1]) {
      expect(bits.set(index), String(index)).toBe(false);
      expect(bits.has(index), String(index)).toBe(false);
    }
    expect([bits.count, bits.has(0), bits.has(1)]).toEqual([0, false, false]);
    bits.set(0);
    expect(bits.has(NaN)).toBe(false);
    expect(bits.unset(NaN)).toBe(false);
    expect(bits.count).toBe(1);
  });
});

describe('manifestFileName', () => {
  it('makes a name any system may carry: slashes and control characters become _, nothing else changes', () => {
    expect(manifestFileName('notes\\v2.txt')).toBe('notes_v2.txt');
    expect(manifestFileName('a/b\tc\u0000d.bin')).toBe('a_b_c_d.bin');
    expect(manifestFileName('Vorlesung über Netze – Teil 2 🎓.pdf')).toBe('Vorlesung über Netze – Teil 2 🎓.pdf');
    expect(manifestFileName('')).toBe('file');
    // Bidirectional controls too (the file would show as "reportexe.pdf"); a name with nothing visible is `file`.
    expect(manifestFileName('report\u202Efdp.exe')).toBe('report_fdp.exe');
    expect(manifestFileName('\u200B\u3164')).toBe('file');
    expect(manifestFileName('week 1\u2028notes\u2029.txt')).toBe('week 1_notes_.txt');
    for (const name of ['notes\\v2.txt', 'a/b\tc\u0000d.bin', '', 'report\u202Efdp.exe', '\u200B', 'a\u2028b']) {
      expect(manifestSchema.shape.name.safeParse(manifestFileName(name)).success).toBe(true);
    }
  });

  it(`cuts a long name to ${MAX_FILE_NAME_LENGTH} code units without splitting a character`, () => {
    const long = `${'a'.repeat(MAX_FILE_NAME_LENGTH - 1)}🎓.bin`;
    const cut = manifestFileName(long);
    expect(cut).toBe('a'.repeat(MAX_FILE_NAME_LENGTH - 1));
    expect(manifestFileName('b'.repeat(300))).toHaveLength(MAX_FILE_NAME_LENGTH);
  });
});
