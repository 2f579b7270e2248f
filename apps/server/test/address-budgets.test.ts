import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAddressBudgets } from '../src/address-budgets';

const limits = { receivedBytesPerSecPerAddress: 1000, receivedByteBurstPerAddress: 10_000 };

describe('address budgets', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the sockets of one address one budget, and each address its own', () => {
    const budgets = createAddressBudgets(limits, () => 0);
    const first = budgets.open('a');
    expect(budgets.open('a')).toBe(first);
    expect(budgets.open('b')).not.toBe(first);
    first.charge(12_000);
    expect([budgets.inDebt('a'), budgets.inDebt('b')]).toEqual([true, false]);
  });

  it('forgets an address whose last socket left with its budget full', () => {
    const budgets = createAddressBudgets(limits, () => 0);
    budgets.open('a');
    budgets.open('a');
    budgets.close('a');
    expect(budgets.size).toBe(1);
    budgets.close('a');
    expect(budgets.size).toBe(0);
  });

  it('keeps an address that owes bytes after its last socket left, until it would be full again', () => {
    vi.useFakeTimers();
    let nowMs = 0;
    const budgets = createAddressBudgets(limits, () => nowMs);
    budgets.open('a').charge(15_000); // 5,000 bytes owed: 15 s until full
    budgets.close('a');
    expect([budgets.size, budgets.inDebt('a')]).toEqual([1, true]);
    // Reconnecting does not start afresh.
    nowMs += 1000;
    expect(budgets.open('a').balance()).toBe(-4000);
    budgets.close('a');
    nowMs += 13_999;
    vi.advanceTimersByTime(13_999);
    expect(budgets.size).toBe(1);
    nowMs += 1;
    vi.advanceTimersByTime(1);
    expect(budgets.size).toBe(0);
  });

  it('clears its timers when disposed', () => {
    vi.useFakeTimers();
    const budgets = createAddressBudgets(limits, () => 0);
    budgets.open('a').charge(5000);
    budgets.close('a');
    budgets.dispose();
    expect([budgets.size, vi.getTimerCount()]).toEqual([0, 0]);
  });
});
