import { describe, expect, it } from 'vitest';
import { COVERAGE_UNIT_BYTES, MAX_COVERAGE_UNITS, SentCoverage, coverageUnitBytes } from '../src/sent-coverage';

const CHUNK_BYTES = 64 * 1024;
const LAST_CHUNK_BYTES = 5000; // the file's last chunk, not a multiple of the unit

describe('what we sent one peer, each byte once', () => {
  const coverage = (): SentCoverage =>
    new SentCoverage(3, CHUNK_BYTES, (chunkIndex) => (chunkIndex === 2 ? LAST_CHUNK_BYTES : CHUNK_BYTES));

  it('counts whole blocks exactly, and a block sent again not at all', () => {
    const sent = coverage();
    expect(sent.add(0, 0, 16 * 1024)).toBe(16 * 1024);
    expect(sent.add(0, 0, 16 * 1024)).toBe(0);
    expect(sent.add(0, 16 * 1024, 48 * 1024)).toBe(48 * 1024);
    // Whole now: nothing of it counts again.
    expect(sent.add(0, 0, CHUNK_BYTES)).toBe(0);
    expect(sent.add(1, 0, CHUNK_BYTES)).toBe(CHUNK_BYTES);
  });

  it('counts the last chunk’s short unit exactly', () => {
    const sent = coverage();
    expect(sent.add(2, 0, 4096)).toBe(4096);
    expect(sent.add(2, 4096, LAST_CHUNK_BYTES - 4096)).toBe(LAST_CHUNK_BYTES - 4096);
    expect(sent.add(2, 0, LAST_CHUNK_BYTES)).toBe(0);
  });

  it('never counts more than was sent: ranges off the unit count a unit once, a hostile one less', () => {
    const sent = coverage();
    let counted = 0;
    // Every byte of a unit, one at a time: the first marks the unit.
    for (let offset = 0; offset < COVERAGE_UNIT_BYTES; offset++) counted += sent.add(1, offset, 1);
    expect(counted).toBe(1);
    // Straddling two units: only the one not sent before counts, and only the bytes of it sent now.
    expect(sent.add(1, COVERAGE_UNIT_BYTES - 10, 20)).toBe(10);
  });

  it('counts every honest block once however many chunks are partly sent at once (a bound of 1,024 did not)', () => {
    // A downloader of a large file takes blocks of thousands of chunks from each uploader: before, past 1,024 chunks
    // partly sent, the blocks of the others counted as sent before, and its honest completion went unconfirmed.
    const chunks = 4096;
    const blockBytes = 16 * 1024;
    const sent = new SentCoverage(chunks, CHUNK_BYTES, () => CHUNK_BYTES);
    let counted = 0;
    for (let offset = 0; offset < CHUNK_BYTES; offset += blockBytes)
      for (let chunkIndex = 0; chunkIndex < chunks; chunkIndex++) counted += sent.add(chunkIndex, offset, blockBytes);
    expect(counted).toBe(chunks * CHUNK_BYTES);
    expect(sent.repeatedBytes).toBe(0);
    // All sent: its memory is let go, and nothing counts again.
    expect(sent.memoryBytes).toBe(0);
    expect(sent.add(7, 0, blockBytes)).toBe(0);
    expect(sent.sentBefore(7, 0, blockBytes)).toBe(blockBytes);
  });

  it('keeps a bitmap bounded by the file’s size, whatever a peer asks (a byte of each chunk held 5 MB once)', () => {
    const chunks = 16_384;
    const chunkBytes = 1024 * 1024; // a 16 GiB file, the largest a manifest may describe
    const sent = new SentCoverage(chunks, chunkBytes, () => chunkBytes);
    for (let chunkIndex = 0; chunkIndex < chunks; chunkIndex++) expect(sent.add(chunkIndex, 0, 1)).toBe(1);
    expect(sent.memoryBytes).toBe(MAX_COVERAGE_UNITS / 8);
    // Its unit is then 16 KiB: a whole honest block (32 KiB) still counts exactly, a unit partly sent does not again.
    expect(sent.unitBytes).toBe(16 * 1024);
    expect(sent.add(1, 32 * 1024, 32 * 1024)).toBe(32 * 1024);
    expect(sent.add(0, 1, 100)).toBe(0);
    expect(sent.repeatedBytes).toBe(100);
  });

  it('takes units of 1 KiB up to a 1 GiB file, then doubles them', () => {
    expect(coverageUnitBytes(0)).toBe(COVERAGE_UNIT_BYTES);
    expect(coverageUnitBytes(1024 ** 3)).toBe(1024);
    expect(coverageUnitBytes(1024 ** 3 + 1)).toBe(2048);
    expect(coverageUnitBytes(4 * 1024 ** 3)).toBe(4096);
    expect(coverageUnitBytes(16 * 1024 ** 3)).toBe(16 * 1024);
  });

  it('lets its bitmap go when retired: every byte then counts as sent before, held to the repeat budget', () => {
    const sent = coverage();
    expect(sent.add(0, 0, 16 * 1024)).toBe(16 * 1024);
    expect(sent.memoryBytes).toBeGreaterThan(0);
    sent.retire();
    expect(sent.memoryBytes).toBe(0);
    // Bytes never sent as well: a peer id retired long gone is claimed as sent nothing more.
    expect(sent.sentBefore(1, 0, 1024)).toBe(1024);
    expect(sent.add(1, 0, 1024)).toBe(0);
    expect(sent.repeatedBytes).toBe(1024);
  });

  it('keeps no memory before the first send', () => {
    const sent = coverage();
    expect(sent.memoryBytes).toBe(0);
    expect(sent.sentBefore(0, 0, 1024)).toBe(0);
    expect(sent.memoryBytes).toBe(0);
  });

  it('says how much of a range was sent before, without marking it', () => {
    const sent = coverage();
    sent.add(0, 0, 16 * 1024);
    expect(sent.sentBefore(0, 0, 32 * 1024)).toBe(16 * 1024);
    expect(sent.sentBefore(1, 0, 16 * 1024)).toBe(0);
    expect(sent.add(0, 0, 32 * 1024)).toBe(16 * 1024);
    expect(sent.repeatedBytes).toBe(16 * 1024);
  });
});
