import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  GENERATED_BLOCK_BYTES,
  generateTestFile,
  generatedTestFile,
  MAX_TEST_FILE_MIB,
  parseTestFileMib,
  preparedFileMib,
  regeneratedTestFile,
  testFileRange,
} from '../src/lib/test-file';

const GIB = 1024 ** 3;

describe('generated test files', () => {
  it('any range equals the same bytes of the whole file, across block boundaries', async () => {
    const whole = generateTestFile(5 * GENERATED_BLOCK_BYTES + 123, 42);
    const source = generatedTestFile(whole.length, 42);
    for (const [offset, length] of [
      [0, 10],
      [GENERATED_BLOCK_BYTES - 3, 7],
      [GENERATED_BLOCK_BYTES * 2 + 5, GENERATED_BLOCK_BYTES * 2],
      [whole.length - 100, 100],
    ] as const) {
      expect(bytesToHex(await source.read(offset, length))).toBe(bytesToHex(whole.subarray(offset, offset + length)));
    }
  });

  it('depends on the seed, is reproducible, and is not trivially repetitive', () => {
    const a = testFileRange(1, 0, 4096);
    expect(bytesToHex(testFileRange(1, 0, 4096))).toBe(bytesToHex(a));
    expect(bytesToHex(testFileRange(2, 0, 4096))).not.toBe(bytesToHex(a));
    // Two blocks of one file differ.
    expect(bytesToHex(testFileRange(1, GENERATED_BLOCK_BYTES, 4096))).not.toBe(bytesToHex(a));
  });

  it('reads a chunk at the end of a 4 GiB file without generating the rest', async () => {
    const source = generatedTestFile(4 * GIB, 9);
    const chunk = await source.read(4 * GIB - 256 * 1024, 256 * 1024);
    expect(chunk.length).toBe(256 * 1024);
    expect(bytesToHex(chunk)).toBe(bytesToHex(testFileRange(9, 4 * GIB - 256 * 1024, 256 * 1024)));
    // A read past the end is cut at the end.
    expect((await source.read(4 * GIB - 10, 100)).length).toBe(10);
  });

  it('reads into memory it is given, the same bytes as into a fresh buffer', async () => {
    const source = generatedTestFile(3 * 256 * 1024 + 5, 4);
    const memory = new ArrayBuffer(256 * 1024);
    for (const offset of [0, 256 * 1024, 3 * 256 * 1024]) {
      const fresh = await source.read(offset, 256 * 1024);
      const reused = await source.read(offset, 256 * 1024, memory);
      expect(reused.buffer).toBe(memory);
      expect(bytesToHex(reused)).toBe(bytesToHex(fresh));
    }
  });

  it('saves as a Blob with the same bytes', async () => {
    const source = generatedTestFile(9 * 1024 * 1024 + 7, 3);
    const saved = new Uint8Array(await (await source.blob()).arrayBuffer());
    expect(bytesToHex(sha256(saved))).toBe(bytesToHex(sha256(generateTestFile(source.sizeBytes, 3))));
  });

  it('saves part by part, letting the page’s other work run between parts and saying how far it is', async () => {
    const source = generatedTestFile(9 * 1024 * 1024, 4);
    let ticked = false;
    setTimeout(() => (ticked = true), 0);
    const fractions: number[] = [];
    await source.blob((fraction) => fractions.push(fraction));
    expect(ticked).toBe(true);
    expect(fractions).toEqual([4 / 9, 8 / 9, 1]);
  });

  it('stops saving when the Save is left', async () => {
    const source = generatedTestFile(64 * 1024 * 1024, 5);
    const left = new AbortController();
    const fractions: number[] = [];
    const saving = source.blob((fraction) => {
      fractions.push(fraction);
      if (fractions.length === 2) left.abort();
    }, left.signal);
    await expect(saving).rejects.toThrow();
    expect(fractions).toHaveLength(2);
  });

  it('sizes go up to the swarm cap (16 GiB)', () => {
    expect(MAX_TEST_FILE_MIB).toBe(16 * 1024);
    expect(parseTestFileMib('4096')).toEqual({ ok: true, sizeBytes: 4 * GIB });
    expect(parseTestFileMib('16385').ok).toBe(false);
  });

  it('is made again, byte for byte, from the name and size a swarm’s file description gives it', async () => {
    const original = generatedTestFile(3 * 1024 * 1024 + 5, 0xbeef01);
    const again = regeneratedTestFile({ name: original.name, sizeBytes: original.sizeBytes })!;
    expect(again.name).toBe('test-3MiB-beef01.bin');
    const [a, b] = await Promise.all([original, again].map((file) => file.read(1_000_000, 200_000)));
    expect(bytesToHex(sha256(b!))).toBe(bytesToHex(sha256(a!)));
    // Any other name, or a size its name does not give, is no generated file.
    for (const manifest of [
      { name: 'lecture.bin', sizeBytes: 3 * 1024 * 1024 },
      { name: 'test-3MiB-beef01.bin', sizeBytes: 9 * 1024 * 1024 },
      { name: 'test-3MiB-BEEF01.bin', sizeBytes: 3 * 1024 * 1024 },
      { name: 'test-3MiB-0beef01.bin', sizeBytes: 3 * 1024 * 1024 },
    ])
      expect(regeneratedTestFile(manifest)).toBeUndefined();
  });
});

describe('a prepared start link’s file size', () => {
  it('is a generated file’s size in MiB, and none for a picked file (the link cannot carry it)', () => {
    const generated = generatedTestFile(16 * 1024 * 1024, 0xbeef);
    expect(preparedFileMib({ name: generated.name, sizeBytes: generated.sizeBytes })).toBe(16);
    expect(preparedFileMib({ name: 'lecture.mp4', sizeBytes: 16 * 1024 * 1024 })).toBeUndefined();
    // A picked file named like a generated one, but not its bytes' size.
    expect(preparedFileMib({ name: generated.name, sizeBytes: 3 })).toBeUndefined();
  });
});
