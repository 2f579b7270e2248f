import { describe, expect, it } from 'vitest';
import { PeerHoldings } from '../src/peer-holdings';

describe('PeerHoldings', () => {
  it('keeps each column apart, counts, reuses freed columns cleared, and grows past 32 columns', () => {
    const holdings = new PeerHoldings(70);
    const columns = Array.from({ length: 40 }, () => holdings.addPeer());
    expect(new Set(columns).size).toBe(40);
    for (const column of columns) for (let chunk = column % 3; chunk < 70; chunk += 3) holdings.set(column, chunk);
    expect(holdings.set(columns[5]!, 5 % 3)).toBe(false);
    for (const column of columns) {
      for (let chunk = 0; chunk < 70; chunk++) expect(holdings.has(column, chunk)).toBe(chunk % 3 === column % 3);
      expect(holdings.count(column)).toBe(holdings.toBitfield(column).count);
    }
    expect(holdings.unset(columns[1]!, 1)).toBe(true);
    expect(holdings.unset(columns[1]!, 1)).toBe(false);
    expect(holdings.count(columns[1]!)).toBe(22);
    holdings.removePeer(columns[7]!);
    const reused = holdings.addPeer();
    expect(reused).toBe(columns[7]);
    expect(holdings.count(reused)).toBe(0);
    expect(holdings.toBitfield(reused).count).toBe(0);
    expect(holdings.has(columns[8]!, 2)).toBe(true);
  });
});
