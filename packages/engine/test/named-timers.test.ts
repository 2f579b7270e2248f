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

  it('sets no timer once cancelled: a store answering after the engine ended found nothing to run', () => {
    const clock = new VirtualClock();
    const timers = new NamedTimers(clock);
    timers.cancelAll();
    let ran = false;
    timers.once('reread-2', 1000, () => (ran = true));
    clock.run(() => false, 10_000);
    expect(ran).toBe(false);
  });

  it('cancels a name set again after it fired, and one set again from its own task', () => {
    const clock = new VirtualClock();
    const timers = new NamedTimers(clock);
    const runs: string[] = [];
    timers.once('wake', 1000, () => {
      runs.push('first');
      // Set again from its own task: it stays pending, to be cancelled.
      timers.once('wake', 1000, () => runs.push('again'));
    });
    clock.run(() => false, 1500);
    expect(runs).toEqual(['first']);
    timers.cancelAll();
    clock.run(() => false, 10_000);
    expect(runs).toEqual(['first']);

    // Fired and forgotten, then set anew: still cancelled by `cancelAll`.
    const later = new NamedTimers(clock);
    later.once('reread-3', 100, () => runs.push('fired'));
    clock.run(() => false, clock.nowMs() + 200);
    later.once('reread-3', 100, () => runs.push('set anew'));
    later.cancelAll();
    clock.run(() => false, clock.nowMs() + 1000);
    expect(runs).toEqual(['first', 'fired']);
  });
});
