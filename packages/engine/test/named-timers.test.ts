import { VirtualClock } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { NamedTimers } from '../src/named-timers';

describe('NamedTimers', () => {
  it('runs a periodic task on after a run of it throws, until cancelled', () => {
    const clock = new VirtualClock();
    const timers = new NamedTimers(clock);
    const runsAtMs: number[] = [];
    timers.every('tick', 1000, () => {
      runsAtMs.push(clock.nowMs());
      if (runsAtMs.length === 2) throw new Error('a bug in one run');
    });
    expect(() => clock.run(() => false, 2500)).toThrow('a bug in one run');
    clock.run(() => false, 4500);
    expect(runsAtMs).toEqual([1000, 2000, 3000, 4000]);
    timers.cancelAll();
    clock.run(() => false, 10_000);
    expect(runsAtMs).toHaveLength(4);
  });
});
