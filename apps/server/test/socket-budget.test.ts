import { describe, expect, it } from 'vitest';
import { FRAME_COST_FLOOR_BYTES } from '../src/limits';
import { createAddressBudgets } from '../src/address-budgets';
import { createSocketBudget } from '../src/socket-budget';
import { createTokenBucket } from '../src/token-bucket';

const limits = {
  messagesPerSec: 100,
  messageBurst: 200,
  receivedBytesPerSec: 1000,
  receivedByteBurst: 10_000,
  receivedByteBurstPerAddress: 30_000,
};

/** An address budget that never runs out, for the socket's own rules. */
const roomyAddress = () => createTokenBucket({ capacity: 1e12, refillPerSec: 1e12, nowMs: () => 0 });

describe('socket budget', () => {
  it('charges every frame its length plus the floor, and refuses events while in debt', () => {
    let nowMs = 0;
    const budget = createSocketBudget(limits, roomyAddress(), () => nowMs);
    expect(budget.received(9_000 - FRAME_COST_FLOOR_BYTES)).toBe('within');
    expect(budget.admit()).toBe(true);
    expect(budget.received(2_000 - FRAME_COST_FLOOR_BYTES)).toBe('within'); // 1,000 bytes into debt
    expect(budget.admit()).toBe(false);
    nowMs += 999;
    expect(budget.admit()).toBe(false);
    nowMs += 1;
    expect(budget.admit()).toBe(true);
  });

  it('counts tiny frames at the floor, so a flood of them runs into debt too', () => {
    const budget = createSocketBudget(limits, roomyAddress(), () => 0);
    const framesInBurst = Math.floor(limits.receivedByteBurst / (FRAME_COST_FLOOR_BYTES + 10));
    for (let frame = 0; frame < framesInBurst; frame++) budget.received(10);
    expect(budget.admit()).toBe(true);
    budget.received(10);
    expect(budget.admit()).toBe(false);
  });

  it('says to disconnect once the debt passes a whole burst', () => {
    const budget = createSocketBudget(limits, roomyAddress(), () => 0);
    expect(budget.received(limits.receivedByteBurst * 2 - FRAME_COST_FLOOR_BYTES)).toBe('within');
    expect(budget.received(1)).toBe('own-debt');
  });

  it('takes a request token per admitted event, and none while refusing for debt', () => {
    let nowMs = 0;
    const budget = createSocketBudget({ ...limits, messageBurst: 3, messagesPerSec: 1 }, roomyAddress(), () => nowMs);
    expect([budget.admit(), budget.admit(), budget.admit(), budget.admit()]).toEqual([true, true, true, false]);
    budget.received(limits.receivedByteBurst + 1500 - FRAME_COST_FLOOR_BYTES); // 1,500 bytes in debt
    nowMs += 1000; // a request token back, but 500 bytes still owed
    expect(budget.admit()).toBe(false);
    nowMs += 1000;
    expect(budget.admit()).toBe(true);
  });

  it('shares the address budget with the address’s other sockets: its debt refuses them all', () => {
    let nowMs = 0;
    const address = createTokenBucket({ capacity: 30_000, refillPerSec: 1000, nowMs: () => nowMs });
    const sockets = Array.from({ length: 4 }, () => createSocketBudget(limits, address, () => nowMs));
    // Each stays within its own burst; together they owe the address 2,000 bytes.
    for (const socket of sockets) expect(socket.received(8000 - FRAME_COST_FLOOR_BYTES)).toBe('within');
    expect(sockets.map((socket) => socket.admit())).toEqual([false, false, false, false]);
    nowMs += 2000;
    expect(sockets.map((socket) => socket.admit())).toEqual([true, true, true, true]);
    // The address a whole burst into debt: a socket in debt itself, which ran it up, is to be disconnected; one
    // whose own budget is whole (a classmate behind the same NAT) only waits, refused until the address repaid;
    // one that spent more than a bystander lately, within its own budget, is closed as a drop (it may be a tab
    // that sent a big manifest: it keeps its place while it reconnects).
    const bystander = createSocketBudget(limits, address, () => nowMs);
    const fresh = createSocketBudget({ ...limits, receivedByteBurst: 1e9 }, address, () => nowMs);
    // Within its own (huge) budget, but spending far more than a bystander would: it is running the debt up.
    expect(fresh.received(300_000)).toBe('address-debt');
    expect(bystander.received(200)).toBe('within');
    expect(bystander.admit()).toBe(false);
    const culprit = sockets[0]!;
    expect(culprit.received(limits.receivedByteBurst)).toBe('own-debt');
  });

  it('drops the sockets that run an address up, each within its own budget, however many there are', () => {
    const nowMs = 0;
    const address = createTokenBucket({ capacity: 30_000, refillPerSec: 1000, nowMs: () => nowMs });
    const roomy = { ...limits, receivedByteBurst: 100_000 };
    const flooders = Array.from({ length: 20 }, () => createSocketBudget(roomy, address, () => nowMs));
    // Each sends 26 KB: within its own 100 KB burst, and past a bystander's quarter of it.
    const kept = flooders.map((flooder) => flooder.received(26_000 - FRAME_COST_FLOOR_BYTES));
    // Before, none was dropped, and the address's debt grew for as long as they went on.
    expect(kept.filter((verdict) => verdict !== 'within').length).toBeGreaterThan(15);
  });

  it('drops sockets that each send at their own rate, keeping their budgets whole, and the address repays soon after', () => {
    let nowMs = 0;
    const addressLimits = { ...limits, receivedBytesPerSecPerAddress: 3000 };
    const addresses = createAddressBudgets(addressLimits, () => nowMs);
    const address = addresses.open('10.0.0.1');
    const flooders = Array.from({ length: 50 }, () => createSocketBudget(limits, address, () => nowMs));
    const dropped = new Set<number>();
    // Ten minutes, each socket sending its own 1,000 bytes a second in frames of 100: 50 kB/s against 3 kB/s.
    for (let step = 0; step < 6000; step++) {
      nowMs += 100;
      flooders.forEach((flooder, index) => {
        if (!dropped.has(index) && flooder.received(100 - FRAME_COST_FLOOR_BYTES) !== 'within') dropped.add(index);
      });
      // Never deeper than two bursts: what is owed is repaid within 20 s of the flood's end.
      expect(address.balance()).toBeGreaterThanOrEqual(-2 * limits.receivedByteBurstPerAddress);
    }
    // Before, every frame was `within`: none was dropped, and the address owed 30 MB.
    expect(dropped.size).toBeGreaterThan(40);
    // The flood stopped: a classmate behind the same NAT is admitted once two bursts are refilled.
    const classmate = createSocketBudget(limits, address, () => nowMs);
    nowMs += ((3 * limits.receivedByteBurstPerAddress) / addressLimits.receivedBytesPerSecPerAddress) * 1000;
    expect(classmate.admit()).toBe(true);
    expect(addresses.inDebt('10.0.0.1')).toBe(false);
    addresses.dispose();
  });

  it('keeps a socket sending at under half its rate, an honest tab’s reports, while its address is in debt', () => {
    let nowMs = 0;
    const address = createTokenBucket({ capacity: 30_000, refillPerSec: 1000, nowMs: () => nowMs });
    const honest = createSocketBudget(limits, address, () => nowMs);
    address.charge(100_000); // others behind the NAT ran it up
    for (let step = 0; step < 600; step++) {
      nowMs += 1000;
      expect(honest.received(400 - FRAME_COST_FLOOR_BYTES), `at ${step} s`).toBe('within');
    }
  });
});
