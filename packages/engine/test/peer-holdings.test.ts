import { describe, expect, it } from 'vitest';
import { PeerHoldings } from '../src/peer-holdings';

describe('PeerHoldings', () => {
  it('keeps each slot apart, counts, reuses freed slots cleared, and grows past 32 slots', () => {
    const holdings = new PeerHoldings(70);
    const slots = Array.from({ length: 40 }, () => holdings.addPeer());
    expect(new Set(slots).size).toBe(40);
    for (const slot of slots) for (let chunk = slot % 3; chunk < 70; chunk += 3) holdings.set(slot, chunk);
    expect(holdings.set(slots[5]!, 5 % 3)).toBe(false);
    for (const slot of slots) {
      for (let chunk = 0; chunk < 70; chunk++) expect(holdings.has(slot, chunk)).toBe(chunk % 3 === slot % 3);
      expect(holdings.count(slot)).toBe(holdings.toBitfield(slot).count);
    }
    expect(holdings.unset(slots[1]!, 1)).toBe(true);
    expect(holdings.unset(slots[1]!, 1)).toBe(false);
    expect(holdings.count(slots[1]!)).toBe(22);
    holdings.removePeer(slots[7]!);
    const reused = holdings.addPeer();
    expect(reused).toBe(slots[7]);
    expect(holdings.count(reused)).toBe(0);
    expect(holdings.toBitfield(reused).count).toBe(0);
    expect(holdings.has(slots[8]!, 2)).toBe(true);
  });
});
