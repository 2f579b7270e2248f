import { describe, expect, it, vi } from 'vitest';
import { AWAIT_BROADCAST_MS, RUN_GOING_ON, RunRequestsState } from '../src/lib/state/run-requests-state.svelte';
import { useFakeClock } from './fake-clock';

const TIMED_OUT = 'The signalling server did not answer in time.';

/** A request the test settles: `answer(undefined)` accepts it, `answer(text)` refuses it. */
function pending(): { action: () => Promise<string | undefined>; answer: (refusal: string | undefined) => void } {
  let answer: (refusal: string | undefined) => void = () => {};
  const promise = new Promise<string | undefined>((resolve) => (answer = resolve));
  return { action: () => promise, answer: (refusal) => answer(refusal) };
}

describe('the run form’s requests', () => {
  useFakeClock();

  it('keep both buttons unavailable while a request is under way, and show its refusal', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(false);
    const start = pending();
    const made = requests.act(start.action, true);
    expect([requests.busy, requests.startUnavailable, requests.stopUnavailable]).toEqual([true, true, true]);
    start.answer('A run needs a seeder.');
    await made;
    expect(requests.busy).toBe(false);
    expect(requests.message).toBe('A run needs a seeder.');
    expect(requests.startUnavailable).toBe(false);
  });

  it('say why Start does nothing while the run goes on, until a table shows it over; nothing while a request is under way', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(true);
    expect(requests.startUnavailable).toBe(true);
    await requests.startUnavailablePressed(async () => {});
    expect(requests.message).toBe(RUN_GOING_ON);
    requests.tableShows(true);
    expect(requests.message).toBe(RUN_GOING_ON);
    requests.tableShows(false);
    expect(requests.message).toBeUndefined();
    // A stop under way: its own outcome is what the form says.
    requests.tableShows(true);
    const stop = pending();
    const made = requests.act(stop.action, false);
    await requests.startUnavailablePressed(async () => {});
    expect(requests.message).toBeUndefined();
    stop.answer(undefined);
    await made;
    expect(requests.message).toBeUndefined();
  });

  it('take back a refused start once a table shows the run started (the start timed out, yet the run began)', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(false);
    await requests.act(async () => TIMED_OUT, true);
    expect(requests.message).toBe(TIMED_OUT);
    requests.tableShows(false); // a table that changes nothing keeps it
    expect(requests.message).toBe(TIMED_OUT);
    requests.tableShows(true);
    expect(requests.message).toBeUndefined();
    expect(requests.stopUnavailable).toBe(false);
  });

  it('take back a refused stop once a table shows the run stopped, and a refused start the table shows as begun meanwhile is not shown', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(true);
    await requests.act(async () => TIMED_OUT, false);
    expect(requests.message).toBe(TIMED_OUT);
    requests.tableShows(false);
    expect(requests.message).toBeUndefined();

    const start = pending();
    const made = requests.act(start.action, true);
    requests.tableShows(true); // the run's table came before the (late) refusal
    start.answer(TIMED_OUT);
    await made;
    expect(requests.message).toBeUndefined();
  });

  it('keep the form’s own complaint whatever the tables show, and insert the same text anew', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(false);
    const shown: (string | undefined)[] = [];
    await requests.say('“2MBs” is not a rate.', async () => void shown.push(requests.message));
    expect(shown).toEqual([undefined]);
    requests.tableShows(true);
    expect(requests.message).toBe('“2MBs” is not a rate.');
  });

  it('wait, after an accepted start, for the table or 3 s, whichever comes first', async () => {
    const requests = new RunRequestsState();
    requests.tableShows(false);
    await requests.act(async () => undefined, true);
    expect(requests.awaiting).toBe(true);
    expect(requests.startUnavailable && requests.stopUnavailable).toBe(true);
    requests.tableShows(true);
    expect(requests.awaiting).toBeUndefined();
    expect(requests.stopUnavailable).toBe(false);

    await requests.act(async () => undefined, false);
    expect(requests.awaiting).toBe(false);
    vi.advanceTimersByTime(AWAIT_BROADCAST_MS - 1);
    expect(requests.awaiting).toBe(false);
    vi.advanceTimersByTime(1);
    expect(requests.awaiting).toBeUndefined();
    expect(requests.message).toBeUndefined();
    requests.dispose();
  });
});
