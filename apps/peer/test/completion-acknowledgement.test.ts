import type { SignallingResult } from '@swarmlab/protocol';
import { VirtualClock } from '@swarmlab/test-kit';
import { afterEach, expect, it, vi } from 'vitest';
import { acknowledgedWithin } from '../src/completion-acknowledgement';

const RATE_LIMITED: SignallingResult = { ok: false, error: { code: 'rate-limited', message: 'slow down' } };
const HOUR_MS = 3_600_000;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `clock`'s events up to `untilMs` one at a time, letting the promises they settle run in between. */
async function runUntil(clock: VirtualClock, untilMs: number): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    const before = clock.eventsRun;
    clock.run(() => clock.eventsRun > before, untilMs);
    if (clock.eventsRun === before) return;
  }
}

/** `acknowledged`'s outcome, undefined while it has none. */
function outcomeOf(acknowledged: Promise<boolean>): () => boolean | undefined {
  let outcome: boolean | undefined;
  void acknowledged.then((value) => (outcome = value));
  return () => outcome;
}

it('asks again every retryMs while refused, tells onWaiting once, and gives up at the deadline of its clock', async () => {
  const clock = new VirtualClock();
  // The wall clock steps an hour forward at each ask (a time sync): before, the first refusal ended the wait.
  let wallMs = Date.now();
  vi.spyOn(Date, 'now').mockImplementation(() => wallMs);
  const asks: number[] = [];
  let waiting = 0;
  const outcome = outcomeOf(
    acknowledgedWithin(
      () => {
        asks.push(clock.nowMs());
        wallMs += HOUR_MS;
        return Promise.resolve(RATE_LIMITED);
      },
      { clock, timeoutMs: 2_000, retryMs: 500, cancelled: () => false, onWaiting: () => waiting++ },
    ),
  );
  await runUntil(clock, 1_999);
  expect(outcome()).toBeUndefined();
  await runUntil(clock, 2_000);
  expect(outcome()).toBe(false);
  expect(asks).toEqual([0, 500, 1_000, 1_500, 2_000]);
  expect(waiting).toBe(1);
});

it('is acknowledged once an ask is taken', async () => {
  const clock = new VirtualClock();
  const asks: number[] = [];
  const outcome = outcomeOf(
    acknowledgedWithin(
      () => {
        asks.push(clock.nowMs());
        return Promise.resolve(asks.length < 3 ? RATE_LIMITED : { ok: true });
      },
      { clock, timeoutMs: 60_000, retryMs: 500, cancelled: () => false },
    ),
  );
  await runUntil(clock, 60_000);
  expect(outcome()).toBe(true);
  expect(asks).toEqual([0, 500, 1_000]);
});

it('gives up on an ask still unanswered when the time is up, not after the ask’s own time-out', async () => {
  const clock = new VirtualClock();
  const asks: number[] = [];
  const outcome = outcomeOf(
    acknowledgedWithin(
      () => {
        asks.push(clock.nowMs());
        // The first is refused; the second is never answered (the client's own time-out is 10 s).
        return asks.length === 1 ? Promise.resolve(RATE_LIMITED) : new Promise<SignallingResult>(() => {});
      },
      { clock, timeoutMs: 60_000, retryMs: 500, cancelled: () => false },
    ),
  );
  await runUntil(clock, 59_999);
  expect(outcome()).toBeUndefined();
  await runUntil(clock, 60_000);
  expect(outcome()).toBe(false);
  expect(asks).toEqual([0, 500]);
});

it('asks no more once the asker gave up', async () => {
  const clock = new VirtualClock();
  let asks = 0;
  let closed = false;
  const outcome = outcomeOf(
    acknowledgedWithin(
      () => {
        asks++;
        closed = true;
        return Promise.resolve(RATE_LIMITED);
      },
      { clock, timeoutMs: 60_000, retryMs: 500, cancelled: () => closed },
    ),
  );
  await runUntil(clock, 60_000);
  expect([outcome(), asks]).toEqual([false, 1]);
});
