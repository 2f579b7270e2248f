import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemberGrace } from '../src/member-grace';

const GRACE_MS = 30_000;

describe('the in-memory grace of a restored run’s participants', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const graceGivingUp = () => {
    const givenUp: string[] = [];
    const grace = createMemberGrace({
      graceMs: GRACE_MS,
      giveUpMember: () => {},
      giveUpAwaiting: (swarmId) => void givenUp.push(swarmId),
      onError: (error) => {
        throw error;
      },
    });
    return { grace, givenUp };
  };

  it('waits once per swarm: asked again meanwhile, it keeps the first deadline', () => {
    const { grace, givenUp } = graceGivingUp();
    grace.awaitParticipants('swarm');
    vi.advanceTimersByTime(29_000);
    grace.awaitParticipants('swarm');
    vi.advanceTimersByTime(1_000);
    expect(givenUp).toEqual(['swarm']);
  });

  it('starts afresh for a run restored just now: a wait pending for a run before it gave its places up early', () => {
    const { grace, givenUp } = graceGivingUp();
    grace.awaitParticipants('swarm');
    vi.advanceTimersByTime(29_000);
    grace.awaitParticipants('swarm', true);
    vi.advanceTimersByTime(1_000);
    expect(givenUp).toEqual([]);
    vi.advanceTimersByTime(GRACE_MS - 1_000);
    expect(givenUp).toEqual(['swarm']);
    expect(grace.pendingCount).toBe(0);
  });
});
