import { describe, expect, it } from 'vitest';
import { FRAME_COST_FLOOR_BYTES } from '../src/limits';
import { createSocketBudget } from '../src/socket-budget';

const limits = { messagesPerSec: 100, messageBurst: 200, receivedBytesPerSec: 1000, receivedByteBurst: 10_000 };

describe('socket budget', () => {
  it('charges every frame its length plus the floor, and refuses events while in debt', () => {
    let nowMs = 0;
    const budget = createSocketBudget(limits, () => nowMs);
    expect(budget.received(9_000 - FRAME_COST_FLOOR_BYTES)).toBe(true);
    expect(budget.admit()).toBe(true);
    expect(budget.received(2_000 - FRAME_COST_FLOOR_BYTES)).toBe(true); // 1,000 bytes into debt
    expect(budget.admit()).toBe(false);
    nowMs += 999;
    expect(budget.admit()).toBe(false);
    nowMs += 1;
    expect(budget.admit()).toBe(true);
  });

  it('counts tiny frames at the floor, so a flood of them runs into debt too', () => {
    const budget = createSocketBudget(limits, () => 0);
    const framesInBurst = Math.floor(limits.receivedByteBurst / (FRAME_COST_FLOOR_BYTES + 10));
    for (let frame = 0; frame < framesInBurst; frame++) budget.received(10);
    expect(budget.admit()).toBe(true);
    budget.received(10);
    expect(budget.admit()).toBe(false);
  });

  it('says to disconnect once the debt passes a whole burst', () => {
    const budget = createSocketBudget(limits, () => 0);
    expect(budget.received(limits.receivedByteBurst * 2 - FRAME_COST_FLOOR_BYTES)).toBe(true);
    expect(budget.received(1)).toBe(false);
  });

  it('takes a request token per admitted event, and none while refusing for debt', () => {
    let nowMs = 0;
    const budget = createSocketBudget({ ...limits, messageBurst: 3, messagesPerSec: 1 }, () => nowMs);
    expect([budget.admit(), budget.admit(), budget.admit(), budget.admit()]).toEqual([true, true, true, false]);
    budget.received(limits.receivedByteBurst + 1500 - FRAME_COST_FLOOR_BYTES); // 1,500 bytes in debt
    nowMs += 1000; // a request token back, but 500 bytes still owed
    expect(budget.admit()).toBe(false);
    nowMs += 1000;
    expect(budget.admit()).toBe(true);
  });
});
