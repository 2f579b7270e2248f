import { describe, expect, it } from 'vitest';
import {
  LinkShaper,
  planLeecherUnchokes,
  planSeederUnchokes,
  seededRandom,
  SuperSeeder,
  type ChokeCandidate,
} from '../src/index';
import { ChunkAssembly } from '../src/chunk-assembly';
import { PiecePicker } from '../src/piece-picker';
import { SmartBan } from '../src/smart-ban';

function candidate(peerId: string, overrides: Partial<ChokeCandidate> = {}): ChokeCandidate {
  return {
    peerId,
    interested: true,
    downloadBytesPerSec: 0,
    snubbed: false,
    lastUnchokedAtMs: -Infinity,
    ...overrides,
  };
}

describe('LinkShaper', () => {
  it('lets a shaper that saved up its burst send at once, then paces to the rate', () => {
    const shaper = new LinkShaper(1000, 500, 0);
    expect(shaper.tryTake(500, 10_000)).toBe(true); // the burst, saved up over 10 s idle
    expect(shaper.tryTake(500, 10_000)).toBe(true); // balance 0 is not negative: one more message
    expect(shaper.tryTake(500, 10_000)).toBe(false); // balance −500
    expect(shaper.msUntilAvailable(10_000)).toBeCloseTo(500);
    expect(shaper.tryTake(500, 10_499)).toBe(false);
    expect(shaper.tryTake(500, 10_500)).toBe(true);
  });

  it('starts in debt when told: the first message waits for its own bytes’ time', () => {
    const shaper = new LinkShaper(1000, 500, 0, 500);
    expect(shaper.tryTake(500, 0)).toBe(false);
    expect(shaper.msUntilAvailable(0)).toBeCloseTo(500);
    expect(shaper.tryTake(500, 500)).toBe(true);
    expect(shaper.tryTake(500, 999)).toBe(false);
    expect(shaper.tryTake(500, 1000)).toBe(true);
  });

  it('never saves up more than its burst', () => {
    const shaper = new LinkShaper(1000, 100, 0);
    expect(shaper.tryTake(100, 60_000)).toBe(true);
    expect(shaper.tryTake(100, 60_000)).toBe(true);
    expect(shaper.tryTake(100, 60_000)).toBe(false);
  });
});

describe('choking', () => {
  it('a leecher reciprocates: the interested peers that upload most to it, snubbed ones excluded', () => {
    const candidates = [
      candidate('slow', { downloadBytesPerSec: 10 }),
      candidate('fast', { downloadBytesPerSec: 900 }),
      candidate('snub', { downloadBytesPerSec: 5000, snubbed: true }),
      candidate('mid', { downloadBytesPerSec: 500 }),
      candidate('bored', { downloadBytesPerSec: 9000, interested: false }),
    ];
    const plan = planLeecherUnchokes(candidates, {
      uploadSlots: 2,
      optimisticSlots: 1,
      keepOptimistic: [],
      random: seededRandom(1),
    });
    expect(plan.regular).toEqual(['fast', 'mid']);
    expect(plan.optimistic).toHaveLength(1);
    expect(['slow', 'snub']).toContain(plan.optimistic[0]);
  });

  it('keeps the optimistic peer between rotations while it stays interested', () => {
    const candidates = [candidate('a', { downloadBytesPerSec: 100 }), candidate('b'), candidate('c')];
    const options = { uploadSlots: 1, optimisticSlots: 1, random: seededRandom(3) };
    expect(planLeecherUnchokes(candidates, { ...options, keepOptimistic: ['c'] }).optimistic).toEqual(['c']);
    const notInterested = candidates.map((c) => (c.peerId === 'c' ? { ...c, interested: false } : c));
    expect(planLeecherUnchokes(notInterested, { ...options, keepOptimistic: ['c'] }).optimistic).toEqual(['b']);
  });

  it('a seeder serves the interested peers it served least recently', () => {
    const candidates = [
      candidate('recent', { lastUnchokedAtMs: 5000 }),
      candidate('never'),
      candidate('old', { lastUnchokedAtMs: 1000 }),
      candidate('bored', { interested: false }),
    ];
    expect(planSeederUnchokes(candidates, 2, seededRandom(1))).toEqual(['never', 'old']);
  });
});

describe('PiecePicker', () => {
  it('picks the rarest candidate once past the random-first chunks, and never a held chunk', () => {
    const picker = new PiecePicker(4, seededRandom(1), 1);
    for (const [chunk, holders] of [
      [0, 3],
      [1, 1],
      [2, 2],
      [3, 1],
    ] as const)
      for (let i = 0; i < holders; i++) picker.peerGained(chunk);
    picker.held(1);
    expect(picker.pick(() => true, 1)).toBe(3);
    expect(picker.pick((i) => i !== 3, 1)).toBe(2);
  });

  it('agrees with a plain model through thousands of random gains, losses and holds', () => {
    const chunkCount = 20;
    const random = seededRandom(5);
    const picker = new PiecePicker(chunkCount, seededRandom(6), 0);
    const availability = new Array<number>(chunkCount).fill(0);
    const held = new Set<number>();
    for (let step = 0; step < 5000; step++) {
      const chunk = Math.floor(random() * chunkCount);
      const op = random();
      if (op < 0.5) {
        picker.peerGained(chunk);
        availability[chunk]!++;
      } else if (op < 0.9 && availability[chunk]! > 0) {
        picker.peerLost(chunk);
        availability[chunk]!--;
      } else if (op >= 0.9) {
        picker.held(chunk);
        held.add(chunk);
      }
      const wanted = availability.flatMap((a, i) => (a > 0 && !held.has(i) ? [a] : []));
      const picked = picker.pick((i) => availability[i]! > 0, 1);
      if (wanted.length === 0) expect(picked).toBeUndefined();
      else {
        expect(held.has(picked!)).toBe(false);
        expect(availability[picked!]).toBe(Math.min(...wanted));
      }
    }
    for (let i = 0; i < chunkCount; i++) expect(picker.availability(i)).toBe(availability[i]);
  });

  it('picks uniformly at random among candidates for the first chunks', () => {
    const picker = new PiecePicker(8, seededRandom(7), 4);
    picker.peerGained(0); // availability is ignored while random-first
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(picker.pick(() => true, 0)!);
    expect(seen.size).toBe(8);
  });
});

describe('SuperSeeder', () => {
  const lengthOf = () => 100;

  it('offers distinct chunks, one per peer, to the peer offered one longest ago', () => {
    const seeder = new SuperSeeder(3, lengthOf, seededRandom(1));
    const first = seeder.offerNext(['a', 'b'], 0)!;
    const second = seeder.offerNext(['a', 'b'], 1)!;
    expect(first.peerId).not.toBe(second.peerId);
    expect(first.chunkIndex).not.toBe(second.chunkIndex);
    expect(seeder.offerNext(['a', 'b'], 2)).toBeUndefined(); // both have an open offer
    expect(seeder.recordUpload(first.peerId, first.chunkIndex, 0, 60, 3)).toBe(false);
    expect(seeder.recordUpload(first.peerId, first.chunkIndex, 60, 40, 4)).toBe(true);
    const third = seeder.offerNext(['a', 'b'], 5)!;
    expect(third.peerId).toBe(first.peerId);
    expect(new Set([first.chunkIndex, second.chunkIndex, third.chunkIndex]).size).toBe(3);
  });

  it('puts a withdrawn offer back, counts chunks announced in the swarm, and ends once all are out', () => {
    const seeder = new SuperSeeder(2, lengthOf, seededRandom(2));
    const offer = seeder.offerNext(['a'], 0)!;
    expect(seeder.staleOffers(5000, 3000)).toEqual([{ peerId: 'a', chunkIndex: offer.chunkIndex }]);
    seeder.withdraw('a', offer.chunkIndex);
    const again = seeder.offerNext(['b'], 5000)!;
    expect(again.chunkIndex).toBe(offer.chunkIndex);
    expect(seeder.announced('c', 1 - offer.chunkIndex)).toBe(false);
    expect(seeder.active).toBe(true);
    seeder.recordUpload('b', again.chunkIndex, 0, 100, 5001);
    expect(seeder.active).toBe(false);
  });

  it('takes the peer’s have of its offered chunk as fulfilling the offer, whoever sent the bytes', () => {
    const seeder = new SuperSeeder(2, lengthOf, seededRandom(3));
    const offer = seeder.offerNext(['a'], 0)!;
    expect(seeder.recordUpload('a', offer.chunkIndex, 0, 40, 1)).toBe(false); // the other 60 came from elsewhere
    expect(seeder.announced('a', offer.chunkIndex)).toBe(true);
    expect(seeder.openOffers).toBe(0);
    const next = seeder.offerNext(['a'], 2)!;
    expect(next.chunkIndex).toBe(1 - offer.chunkIndex);
    expect(seeder.announced('a', next.chunkIndex)).toBe(true);
    expect(seeder.active).toBe(false);
  });

  it('does not put back a withdrawn chunk that another peer announced meanwhile', () => {
    const seeder = new SuperSeeder(2, lengthOf, seededRandom(4));
    const offer = seeder.offerNext(['a'], 0)!;
    expect(seeder.announced('b', offer.chunkIndex)).toBe(false); // b's copy leaves a's offer open
    expect(seeder.isOffered('a', offer.chunkIndex)).toBe(true);
    seeder.withdraw('b', offer.chunkIndex); // not b's offer: nothing changes
    expect(seeder.isOffered('a', offer.chunkIndex)).toBe(true);
    seeder.withdrawAll('a');
    const next = seeder.offerNext(['a', 'b'], 5000)!;
    expect(next.chunkIndex).toBe(1 - offer.chunkIndex);
    expect(seeder.offerNext(['a', 'b'], 5001)).toBeUndefined(); // nothing the swarm lacks is left to offer
    seeder.recordUpload(next.peerId, next.chunkIndex, 0, 100, 5002);
    expect(seeder.active).toBe(false);
  });

  it('counts an offer’s progress in new bytes, a block at a time: a trickle or a block sent again holds it no longer', () => {
    const seeder = new SuperSeeder(2, () => 1000, seededRandom(6), 100);
    const offer = seeder.offerNext(['a'], 0)!;
    // One byte every 2 s: no block's worth of new bytes, so the offer goes stale after the 3 s without one.
    for (let nowMs = 2000; nowMs <= 8000; nowMs += 2000) {
      expect(seeder.recordUpload('a', offer.chunkIndex, nowMs / 2000, 1, nowMs)).toBe(false);
      seeder.staleOffers(nowMs, 3000).forEach(({ peerId, chunkIndex }) => seeder.withdraw(peerId, chunkIndex));
    }
    // Before, each byte was progress, and the offer (and its chunk) stayed with the trickler for ever.
    expect(seeder.isOffered('a', offer.chunkIndex)).toBe(false);
    // The same block again and again adds nothing: the chunk is complete only once every byte went out.
    const again = seeder.offerNext(['b'], 9000)!;
    for (let i = 0; i < 10; i++) expect(seeder.recordUpload('b', again.chunkIndex, 0, 100, 9000 + i)).toBe(false);
    expect(seeder.active).toBe(true);
    // Overlapping blocks count their new bytes only: 100..300, then 200..500 adds 200, and so on to the end.
    expect(seeder.recordUpload('b', again.chunkIndex, 100, 200, 9100)).toBe(false);
    expect(seeder.recordUpload('b', again.chunkIndex, 200, 300, 9100)).toBe(false);
    expect(seeder.recordUpload('b', again.chunkIndex, 900, 500, 9100)).toBe(false); // past the chunk's end: 900..1000
    expect(seeder.recordUpload('b', again.chunkIndex, 450, 500, 9100)).toBe(true); // 500..900 was the last gap
  });

  it('offers the next chunk to a peer whose chunks spread before one whose chunk nobody else announced yet', () => {
    const seeder = new SuperSeeder(6, lengthOf, seededRandom(7));
    const toSlow = seeder.offerNext(['slow', 'fast'], 0)!;
    const toFast = seeder.offerNext(['slow', 'fast'], 1)!;
    expect([toSlow.peerId, toFast.peerId]).toEqual(['slow', 'fast']); // in turn while nothing is known
    seeder.recordUpload('slow', toSlow.chunkIndex, 0, 100, 2);
    seeder.recordUpload('fast', toFast.chunkIndex, 0, 100, 3);
    seeder.announced('slow', toFast.chunkIndex); // the fast peer passed its chunk on; the slow one has not yet
    // Offered in turn, 'slow' (offered longest ago) came next, and half a small swarm's chunks sat with such peers.
    expect(seeder.offerNext(['slow', 'fast'], 4)!.peerId).toBe('fast');
    expect(seeder.offerNext(['slow', 'fast'], 5)!.peerId).toBe('slow'); // no peer is left out while its link is free
  });

  it('counts an offer gone stale against its peer: the same chunk is not offered back to it first', () => {
    const seeder = new SuperSeeder(3, lengthOf, seededRandom(8));
    const stalled = seeder.offerNext(['staller'], 0)!;
    const taken = seeder.offerNext(['honest'], 1000)!;
    seeder.recordUpload('honest', taken.chunkIndex, 0, 100, 1500);
    seeder.announced('other', taken.chunkIndex);
    seeder.withdraw('staller', stalled.chunkIndex); // it asked for a byte now and then: stale
    // The staller was offered a chunk longest ago: it came first again, for the same chunk, again and again.
    expect(seeder.offerNext(['staller', 'honest'], 3000)).toEqual({ peerId: 'honest', chunkIndex: stalled.chunkIndex });
  });

  it('offers a peer that answered nothing to an offer gone stale nothing more while another peer can take offers', () => {
    const seeder = new SuperSeeder(6, lengthOf, seededRandom(20));
    const first = seeder.offerNext(['silent'], 0)!;
    seeder.withdraw('silent', first.chunkIndex); // stale: no request, no chunk announced since it was made
    // Alone, it is still offered chunks: a swarm of such peers (tabs that may wake) does not stall.
    const fallback = seeder.offerNext(['silent'], 4000)!;
    expect(fallback.peerId).toBe('silent');
    // A peer that is not quiet arrives: the offer the quiet one holds unanswered goes back, and the newcomer gets it.
    expect(seeder.hasQuietPeers).toBe(true);
    seeder.withdrawQuietOffers(['silent', 'honest']);
    expect(seeder.isOffered('silent', fallback.chunkIndex)).toBe(false);
    expect(seeder.offerNext(['silent', 'honest'], 4001)).toEqual({ peerId: 'honest', chunkIndex: fallback.chunkIndex });
    // The quiet peer gets no offer while 'honest' is there, though 'honest' holds one and can take no second.
    expect(seeder.offerNext(['silent', 'honest'], 4002)).toBeUndefined();
    // A request (for any chunk, even one refused) makes it one to offer to again, at once.
    expect(seeder.heardFrom('silent')).toBe(true);
    expect(seeder.heardFrom('silent')).toBe(false);
    expect(seeder.offerNext(['silent', 'honest'], 4003)!.peerId).toBe('silent');
  });

  it('keeps offering a peer that asked for its stalled offer, or announced a chunk, since it was made', () => {
    const seeder = new SuperSeeder(6, lengthOf, seededRandom(21));
    // A seeder at a low cap may not have sent a byte of an offer its peer asked for: that peer is not quiet.
    const asked = seeder.offerNext(['slow'], 0)!;
    seeder.heardFrom('slow'); // its request
    seeder.withdraw('slow', asked.chunkIndex);
    expect(seeder.hasQuietPeers).toBe(false);
    expect(seeder.offerNext(['slow', 'other'], 7000)!.peerId).toBe('other'); // its stalled offer counts against it
    expect(seeder.offerNext(['slow', 'other'], 7000)!.peerId).toBe('slow');
    // Quiet, then a `have` of a chunk it got elsewhere: it is alive, and the next offer may go to it.
    const quiet = new SuperSeeder(6, lengthOf, seededRandom(22));
    const unanswered = quiet.offerNext(['a'], 0)!;
    quiet.withdraw('a', unanswered.chunkIndex);
    expect(quiet.announced('a', (unanswered.chunkIndex + 1) % 6)).toBe(true);
    expect(quiet.hasQuietPeers).toBe(false);
    // A peer that leaves and comes back under the same id starts afresh, as with its rate.
    quiet.withdraw('a', quiet.offerNext(['a'], 1)!.chunkIndex);
    quiet.withdrawAll('a');
    expect(quiet.hasQuietPeers).toBe(false);
  });

  // 100-byte chunks; a second offer once the last came at 50 bytes/s or faster, over its last quarter.
  const twoOffers = (seed: number) =>
    new SuperSeeder(8, lengthOf, seededRandom(seed), 1, { maxOffersPerPeer: 2, extraOfferBytesPerSec: 50 });
  /** Sends an offer whole in four blocks, `gapMs` apart, from `atMs`: its rate is 25 bytes over `gapMs`. */
  const sendWhole = (seeder: SuperSeeder, peerId: string, chunkIndex: number, atMs: number, gapMs: number) => {
    for (let block = 0; block < 3; block++)
      expect(seeder.recordUpload(peerId, chunkIndex, 25 * block, 25, atMs + block * gapMs)).toBe(false);
    return seeder.recordUpload(peerId, chunkIndex, 75, 25, atMs + 3 * gapMs);
  };

  it('offers a second chunk to a peer that took its last offer fast, not to one that took it slowly', () => {
    const seeder = twoOffers(9);
    const toFast = seeder.offerNext(['fast', 'slow'], 0)!;
    const toSlow = seeder.offerNext(['fast', 'slow'], 0)!;
    expect([toFast.peerId, toSlow.peerId]).toEqual(['fast', 'slow']);
    expect(seeder.offerNext(['fast', 'slow'], 0)).toBeUndefined(); // no rate known yet: one offer each
    // Its first block left a round trip after the offer (900 ms): the rate counts its last quarter, 25 bytes in 0.4 s.
    expect(sendWhole(seeder, 'fast', toFast.chunkIndex, 900, 400)).toBe(true);
    seeder.announced('slow', toFast.chunkIndex); // passed on
    expect(seeder.offerNext(['fast', 'slow'], 1400)!.peerId).toBe('fast');
    expect(seeder.offerNext(['fast', 'slow'], 1400)!.peerId).toBe('fast'); // a second, while holding one
    expect(seeder.offerNext(['fast', 'slow'], 1400)).toBeUndefined(); // two each at most
    expect(seeder.openOffers).toBe(3);
    // The slow peer's offer came at 25 bytes in 4 s: its next are one at a time.
    expect(sendWhole(seeder, 'slow', toSlow.chunkIndex, 1000, 4000)).toBe(true);
    seeder.announced('fast', toSlow.chunkIndex);
    seeder.withdrawAll('fast');
    expect(seeder.offerNext(['slow'], 5000)!.peerId).toBe('slow');
    expect(seeder.offerNext(['slow'], 5000)).toBeUndefined();
  });

  it('takes the right to a second offer away from a peer that lets an offer stall, trickles, or leaves', () => {
    const seeder = twoOffers(10);
    const first = seeder.offerNext(['a'], 0)!;
    sendWhole(seeder, 'a', first.chunkIndex, 10, 10);
    const [one, two] = [seeder.offerNext(['a'], 20)!, seeder.offerNext(['a'], 20)!];
    expect([one.peerId, two.peerId]).toEqual(['a', 'a']);
    // Both stall: withdrawn, and its next offers are one at a time (it held both slots again and again).
    for (const { peerId, chunkIndex } of seeder.staleOffers(5000, 3000)) seeder.withdraw(peerId, chunkIndex);
    expect(seeder.openOffers).toBe(0);
    const third = seeder.offerNext(['a'], 5000)!;
    expect(seeder.offerNext(['a'], 5000)).toBeUndefined();
    // Fast again, then trickling: a block now and then keeps an offer from going stale, but the newer of two falls
    // a chunk behind the pace that earned it (at 50 bytes/s, 3 s after its offer) and moves on.
    sendWhole(seeder, 'a', third.chunkIndex, 5010, 10);
    const older = seeder.offerNext(['a'], 5100)!;
    const newer = seeder.offerNext(['a'], 5200)!;
    seeder.recordUpload('a', older.chunkIndex, 0, 10, 6000);
    seeder.recordUpload('a', newer.chunkIndex, 0, 10, 6000);
    expect(seeder.staleOffers(7000, 60_000)).toEqual([]);
    expect(seeder.offerNext(['a'], 7000)).toBeUndefined(); // two each at most
    expect(seeder.staleOffers(8300, 60_000)).toEqual([{ peerId: 'a', chunkIndex: newer.chunkIndex }]);
    seeder.withdraw('a', newer.chunkIndex);
    // The other offer stays, and completes.
    expect(seeder.isOffered('a', older.chunkIndex)).toBe(true);
    expect(seeder.recordUpload('a', older.chunkIndex, 10, 90, 8400)).toBe(true);
    // A peer that left and came back under the same id starts with one offer.
    const fresh = twoOffers(11);
    sendWhole(fresh, 'b', fresh.offerNext(['b'], 0)!.chunkIndex, 10, 10);
    fresh.withdrawAll('b');
    fresh.offerNext(['b'], 100);
    expect(fresh.offerNext(['b'], 100)).toBeUndefined();
  });

  it('ranks by chunks not spread, open offers aside, then by fewest open offers, then by the oldest offer', () => {
    const seeder = twoOffers(12);
    const toFast = seeder.offerNext(['fast', 'slow'], 0)!;
    const toSlow = seeder.offerNext(['fast', 'slow'], 0)!;
    sendWhole(seeder, 'fast', toFast.chunkIndex, 10, 10);
    sendWhole(seeder, 'slow', toSlow.chunkIndex, 10, 10);
    seeder.announced('slow', toFast.chunkIndex); // the fast peer's chunk spread; the slow peer's did not
    expect(seeder.offerNext(['fast', 'slow'], 100)!.peerId).toBe('fast');
    // Its open offer aside, the fast peer has spread everything: it comes before the slow one, which holds none.
    expect(seeder.offerNext(['fast', 'slow'], 100)!.peerId).toBe('fast');
    // Equal in chunks not spread, the peer holding fewer offers comes first, though offered one more lately.
    const even = twoOffers(13);
    const a1 = even.offerNext(['a'], 0)!;
    sendWhole(even, 'a', a1.chunkIndex, 1, 1);
    even.announced('b', a1.chunkIndex);
    even.offerNext(['a'], 10); // 'a' holds one, offered at 10
    const b1 = even.offerNext(['b'], 20)!;
    sendWhole(even, 'b', b1.chunkIndex, 21, 1);
    even.announced('a', b1.chunkIndex); // 'b' holds none, offered at 20
    expect(even.offerNext(['a', 'b'], 100)!.peerId).toBe('b');
  });

  it('counts a peer’s rate over the last quarter of its offer: neither the round trip before it nor a burst of requests', () => {
    // The first block 3 s after the offer (counted from the offer: 33 bytes/s), the rest at once: fast, a second offer follows.
    const late = twoOffers(14);
    const first = late.offerNext(['a'], 0)!;
    sendWhole(late, 'a', first.chunkIndex, 3000, 1);
    late.offerNext(['a'], 3010);
    expect(late.offerNext(['a'], 3010)?.peerId).toBe('a');
    // Three blocks at once (a download shaper's burst of requests), the last quarter at 25 bytes/s: slow. From the
    // first block it read 75 bytes/s, fast.
    const burst = twoOffers(15);
    const offer = burst.offerNext(['a'], 0)!;
    for (let block = 0; block < 3; block++) burst.recordUpload('a', offer.chunkIndex, 25 * block, 25, 10);
    expect(burst.recordUpload('a', offer.chunkIndex, 75, 25, 1010)).toBe(true);
    burst.offerNext(['a'], 1010);
    expect(burst.offerNext(['a'], 1010)).toBeUndefined();
  });

  it('counts a chunk of fewer than four blocks from the block before its last, and one of a single block not at all', () => {
    // Two 50-byte blocks 2 s apart: 25 bytes/s, slow. Counted from the last block itself, it read as infinitely fast.
    const two = twoOffers(17);
    const offer = two.offerNext(['a'], 0)!;
    two.recordUpload('a', offer.chunkIndex, 0, 50, 10);
    expect(two.recordUpload('a', offer.chunkIndex, 50, 50, 2010)).toBe(true);
    two.offerNext(['a'], 2010);
    expect(two.offerNext(['a'], 2010)).toBeUndefined();
    // A chunk sent as one block gives no rate, so no second offer; two fast blocks do.
    const one = twoOffers(18);
    const single = one.offerNext(['a'], 0)!;
    expect(one.recordUpload('a', single.chunkIndex, 0, 100, 10)).toBe(true);
    one.offerNext(['a'], 20);
    expect(one.offerNext(['a'], 20)).toBeUndefined();
    const fast = twoOffers(19);
    const quick = fast.offerNext(['a'], 0)!;
    fast.recordUpload('a', quick.chunkIndex, 0, 50, 10);
    expect(fast.recordUpload('a', quick.chunkIndex, 50, 50, 20)).toBe(true);
    fast.offerNext(['a'], 20);
    expect(fast.offerNext(['a'], 20)?.peerId).toBe('a');
  });

  it('offers no second chunk to a fast peer whose open offer fell a chunk behind its pace', () => {
    const seeder = twoOffers(16);
    const first = seeder.offerNext(['a'], 0)!;
    sendWhole(seeder, 'a', first.chunkIndex, 1, 1);
    seeder.offerNext(['a'], 10);
    // At 50 bytes/s its 100-byte offer is a chunk behind 2 s after it was made.
    expect(seeder.offerNext(['a'], 2500)).toBeUndefined();
    expect(seeder.offerNext(['a'], 1500)?.peerId).toBe('a');
  });

  it('keeps to one offer per peer by default (no upload cap: no share to compare with)', () => {
    const seeder = new SuperSeeder(4, lengthOf, seededRandom(10), 1, { maxOffersPerPeer: 2 });
    const offer = seeder.offerNext(['a'], 0)!;
    expect(sendWhole(seeder, 'a', offer.chunkIndex, 1, 1)).toBe(true); // 50,000 bytes/s
    expect(seeder.offerNext(['a'], 2)!.peerId).toBe('a');
    expect(seeder.offerNext(['a'], 2)).toBeUndefined();
  });

  it('offers only the chunks nobody announced, after a bitfield of most of them (a second seeder, say)', () => {
    const seeder = new SuperSeeder(64, lengthOf, seededRandom(5));
    const missing = new Set([3, 17, 40, 63]);
    for (let chunk = 0; chunk < 64; chunk++) if (!missing.has(chunk)) seeder.announced('other-seeder', chunk);
    expect(seeder.active).toBe(true);
    const offered: number[] = [];
    for (let nowMs = 0; nowMs < 8; nowMs++) {
      const offer = seeder.offerNext(['a'], nowMs);
      if (!offer) break;
      offered.push(offer.chunkIndex);
      seeder.recordUpload('a', offer.chunkIndex, 0, 100, nowMs);
    }
    expect(new Set(offered)).toEqual(missing);
    expect(offered).toHaveLength(4);
    expect(seeder.active).toBe(false);
  });
});

describe('SmartBan', () => {
  function assembly(bytes: readonly number[], senders: readonly string[]): ChunkAssembly {
    const chunk = new ChunkAssembly(7, bytes.length, 2);
    for (let block = 0; block < senders.length; block++)
      chunk.receive(block, Uint8Array.from(bytes.slice(2 * block, 2 * block + 2)), senders[block]!);
    return chunk;
  }

  it('convicts a lone sender of a failed chunk at once', () => {
    const ban = new SmartBan();
    expect([...ban.failed(assembly([1, 2, 3, 4], ['liar', 'liar']))]).toEqual([['liar', 2]]);
  });

  it('keeps a mixed failed copy and blames only the senders of blocks that differ from the good copy', () => {
    const ban = new SmartBan();
    expect(ban.failed(assembly([1, 2, 9, 9, 5, 6], ['honest', 'liar', 'other'])).size).toBe(0);
    const verdict = ban.verified(assembly([1, 2, 3, 4, 5, 6], ['a', 'b', 'c']));
    expect([...verdict]).toEqual([['liar', 1]]);
    expect(ban.verified(assembly([1, 2, 3, 4, 5, 6], ['a', 'b', 'c'])).size).toBe(0); // the copy is used once
  });
});
