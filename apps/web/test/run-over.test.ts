import { VirtualClock } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { RunOverWaits, runIsOver, WHOLE_FILE_HASH_MAX_WAIT_MS } from '../src/lib/state/run-over';
import { runState, swarmProgress } from './fakes';

/** Lets the promise callbacks queued so far run. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function tracked(promise: Promise<void>): { readonly done: boolean } {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
}

describe('waiting for a run to be over (a completed leecher’s whole-file hash)', () => {
  it('reads a run as over when it finished, was stopped or a newer one began; a broadcast from before it says nothing', () => {
    expect(runIsOver(swarmProgress('s', runState(2, 'running')), 2)).toBe(false);
    expect(runIsOver(swarmProgress('s', runState(2, 'finished')), 2)).toBe(true);
    expect(runIsOver(swarmProgress('s', runState(2, 'stopped')), 2)).toBe(true);
    expect(runIsOver(swarmProgress('s', runState(3, 'running')), 2)).toBe(true);
    // A small file can be complete before the first broadcast of its run arrives (it happened in CI).
    expect(runIsOver(swarmProgress('s', runState(1, 'finished')), 2)).toBe(false);
    expect(runIsOver(swarmProgress('s', null), 2)).toBe(false);
    expect(runIsOver(undefined, 2)).toBe(false);
  });

  it('ends the wait at the broadcast that shows the run over, not before', async () => {
    const clock = new VirtualClock();
    const waits = new RunOverWaits(clock);
    waits.seen(swarmProgress('s', runState(1, 'running')));
    const wait = tracked(waits.until(1));
    waits.seen(swarmProgress('s', runState(1, 'running')));
    await settle();
    expect(wait.done).toBe(false);
    waits.seen(swarmProgress('s', runState(1, 'finished')));
    await settle();
    expect(wait.done).toBe(true);
  });

  it('does not wait for a run already over, and gives up after the longest wait', async () => {
    const clock = new VirtualClock();
    const waits = new RunOverWaits(clock);
    waits.seen(swarmProgress('s', runState(1, 'finished')));
    const over = tracked(waits.until(1));
    waits.seen(swarmProgress('s', runState(2, 'running')));
    const long = tracked(waits.until(2));
    await settle();
    expect(over.done).toBe(true);
    clock.run(() => false, WHOLE_FILE_HASH_MAX_WAIT_MS - 1);
    await settle();
    expect(long.done).toBe(false);
    clock.run(() => false, WHOLE_FILE_HASH_MAX_WAIT_MS);
    await settle();
    expect(long.done).toBe(true);
  });

  it('ends every wait when the tab leaves', async () => {
    const clock = new VirtualClock();
    const waits = new RunOverWaits(clock);
    waits.seen(swarmProgress('s', runState(4, 'running')));
    const first = tracked(waits.until(4));
    const second = tracked(waits.until(4));
    waits.releaseAll();
    await settle();
    expect([first.done, second.done]).toEqual([true, true]);
  });
});
