import { describe, expect, it, vi } from 'vitest';
import { SEEDER_RETURN_WAIT_MS, SeederWait } from '../src/lib/state/seeder-wait.svelte';
import { useFakeClock } from './fake-clock';
import { runState, swarmProgress } from './fakes';

useFakeClock();

/** A table with the seeder, and one without it (the student's tab registered the swarm again first). */
const withSeeder = swarmProgress('s', runState(1, 'finished'));
const withoutSeeder = { ...withSeeder, peers: withSeeder.peers.filter((peer) => peer.role !== 'seeder') };

describe('waiting for the seeder’s tab after a drop or a restart', () => {
  it('awaits it from the drop until a table shows it', () => {
    const wait = new SeederWait();
    expect(wait.awaited).toBe(false);
    wait.lost();
    // However long the drop lasts: the seeder's tab is as cut off as this one may be.
    vi.advanceTimersByTime(10 * SEEDER_RETURN_WAIT_MS);
    expect(wait.awaited).toBe(true);
    wait.back();
    wait.seen(withoutSeeder);
    expect(wait.awaited).toBe(true);
    wait.seen(withSeeder);
    expect(wait.awaited).toBe(false);
  });

  it('gives it the wait once back, and then takes a table without it for its leaving', () => {
    const wait = new SeederWait(500);
    wait.lost();
    wait.back(withoutSeeder);
    vi.advanceTimersByTime(499);
    expect(wait.awaited).toBe(true);
    vi.advanceTimersByTime(1);
    expect(wait.awaited).toBe(false);
  });

  it('waits for nothing when the table heard on coming back shows the seeder', () => {
    const wait = new SeederWait();
    wait.lost();
    wait.back(withSeeder);
    expect(wait.awaited).toBe(false);
  });

  it('stops waiting when told to (the place could not be taken back, the screen closed), its timer with it', () => {
    const wait = new SeederWait(500);
    wait.back();
    wait.end();
    expect(wait.awaited).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    // A drop after a wait ended starts a new one; a second `back` restarts the wait rather than adding a timer.
    wait.lost();
    wait.back();
    wait.back();
    expect(vi.getTimerCount()).toBe(1);
  });
});
