import type { SignallingError, SignallingResult } from '@swarmlab/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SIGNALLING_UNREACHABLE, untilRegistered } from '../src/until-registered';

const NOT_YET: SignallingError = { code: 'swarm-not-registered-yet', message: 'started 2 s ago' };
const NOT_FOUND: SignallingError = { code: 'swarm-not-found', message: 'unknown' };

/** An asker answering `answers` in turn (the last one for ever), counting its asks. */
function answering(...answers: SignallingResult<{ swarmId: string }>[]) {
  let asks = 0;
  return {
    get asks() {
      return asks;
    },
    ask: () => Promise.resolve(answers[Math.min(asks++, answers.length - 1)]!),
  };
}

afterEach(() => void vi.useRealTimers());

describe('untilRegistered', () => {
  it.each([
    ['forward two minutes', 120_000],
    ['back an hour', -3_600_000],
  ])(
    'keeps its patience when the wall clock is set %s during an ask (a sync, a laptop waking up)',
    async (_, jumpMs) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      let asks = 0;
      const answer = await untilRegistered(
        async () => {
          if (asks++ === 0) vi.setSystemTime(Date.now() + jumpMs);
          return { ok: false, error: NOT_YET };
        },
        { intervalMs: 20, patienceMs: 1000 },
      );
      expect(answer).toEqual({ ok: false, error: NOT_YET });
      // About 1000 / 20 asks, fewer on a loaded machine: it gave up after one when set forward, asked for an hour set
      // back.
      expect(asks).toBeGreaterThan(5);
      expect(asks).toBeLessThan(100);
    },
  );

  it('asks again while the server does not know the swarm yet, telling each wait, and returns what comes next', async () => {
    const server = answering({ ok: false, error: NOT_YET }, { ok: false, error: NOT_YET }, { ok: true, swarmId: 's' });
    const waits: SignallingError[] = [];
    const answer = await untilRegistered(server.ask, { intervalMs: 5, onWaiting: (error) => waits.push(error) });
    expect(answer).toEqual({ ok: true, swarmId: 's' });
    expect(server.asks).toBe(3);
    expect(waits).toEqual([NOT_YET, NOT_YET]);
  });

  it('asks again, without telling, while the server refuses it as rate-limited', async () => {
    const limited: SignallingError = { code: 'rate-limited', message: 'slow down' };
    const server = answering({ ok: false, error: limited }, { ok: true, swarmId: 's' });
    const waits: SignallingError[] = [];
    const answer = await untilRegistered(server.ask, { intervalMs: 5, onWaiting: (error) => waits.push(error) });
    expect(answer).toEqual({ ok: true, swarmId: 's' });
    expect(server.asks).toBe(2);
    expect(waits).toEqual([]);
  });

  it('asks again once the connection it lost meanwhile is back, and says it was unreachable if it never comes back', async () => {
    const lost: SignallingError = { code: 'signalling-lost', message: 'reconnecting' };
    const server = answering({ ok: false, error: NOT_YET }, { ok: false, error: lost }, { ok: true, swarmId: 's' });
    expect(await untilRegistered(server.ask, { intervalMs: 5 })).toEqual({ ok: true, swarmId: 's' });
    expect(server.asks).toBe(3);

    const never = answering({ ok: false, error: lost });
    expect(await untilRegistered(never.ask, { intervalMs: 5, patienceMs: 40 })).toEqual({
      ok: false,
      error: SIGNALLING_UNREACHABLE,
    });
    expect(never.asks).toBeGreaterThan(1);
  });

  it('asks again on the refusals it is given instead, and returns the others at once', async () => {
    const timeout: SignallingError = { code: 'timeout', message: 'no answer' };
    const askAgain = new Set<SignallingError['code']>(['timeout']);
    const server = answering({ ok: false, error: timeout }, { ok: true, swarmId: 's' });
    expect(await untilRegistered(server.ask, { intervalMs: 5, askAgain })).toEqual({ ok: true, swarmId: 's' });
    expect(server.asks).toBe(2);
    // Not in the set, though asked again by default.
    const notYet = answering({ ok: false, error: NOT_YET });
    expect(await untilRegistered(notYet.ask, { intervalMs: 5, askAgain })).toEqual({ ok: false, error: NOT_YET });
    expect(notYet.asks).toBe(1);
  });

  it('returns any other refusal at once', async () => {
    const server = answering({ ok: false, error: NOT_FOUND });
    expect(await untilRegistered(server.ask, { intervalMs: 5 })).toEqual({ ok: false, error: NOT_FOUND });
    expect(server.asks).toBe(1);
  });

  it('stops asking when its asker gives up, or its patience runs out, with the last answer', async () => {
    const cancelledAfterOne = answering({ ok: false, error: NOT_YET });
    let cancelled = false;
    const answer = await untilRegistered(cancelledAfterOne.ask, {
      intervalMs: 5,
      onWaiting: () => (cancelled = true),
      cancelled: () => cancelled,
    });
    expect(answer).toEqual({ ok: false, error: NOT_YET });
    expect(cancelledAfterOne.asks).toBe(1);

    const forever = answering({ ok: false, error: NOT_YET });
    expect(await untilRegistered(forever.ask, { intervalMs: 5, patienceMs: 40 })).toEqual({
      ok: false,
      error: NOT_YET,
    });
    expect(forever.asks).toBeGreaterThan(1);
    expect(forever.asks).toBeLessThanOrEqual(9);
  });
});
