import { describe, expect, it } from 'vitest';
import { COVERAGE_UNIT_BYTES, MAX_PARTLY_SENT_CHUNKS, SentCoverage } from '../src/sent-coverage';

const CHUNK_BYTES = 64 * 1024;
const LAST_CHUNK_BYTES = 5000; // the file's last chunk, not a multiple of the unit

describe('what we sent one peer, each byte once', () => {
  const coverage = (): SentCoverage =>
    new SentCoverage(3, (chunkIndex) => (chunkIndex === 2 ? LAST_CHUNK_BYTES : CHUNK_BYTES));

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

  it('keeps a bounded number of chunks partly sent, and counts a repeat as one (a byte of each chunk held 5 MB)', () => {
    const chunks = 16_384;
    const sent = new SentCoverage(chunks, () => CHUNK_BYTES);
    for (let chunkIndex = 0; chunkIndex < chunks; chunkIndex++) sent.add(chunkIndex, 0, 1);
    expect(sent.partlySentChunks).toBe(MAX_PARTLY_SENT_CHUNKS);
    // Past the bound, what is sent of another chunk cannot be told from a repeat: it counts as one.
    expect(sent.repeatedBytes).toBe(chunks - MAX_PARTLY_SENT_CHUNKS);
    expect(sent.sentBefore(chunks - 1, 0, 100)).toBe(100);
    // A chunk partly sent goes on being counted exactly, and leaves the bound once whole.
    expect(sent.add(0, 1, CHUNK_BYTES - 1)).toBe(CHUNK_BYTES - COVERAGE_UNIT_BYTES);
    expect(sent.partlySentChunks).toBe(MAX_PARTLY_SENT_CHUNKS - 1);
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
