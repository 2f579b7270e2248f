import type { VirtualClock } from '@swarmlab/sim/virtual-clock';

/**
 * How many clock events one `runAll`, `TestSwarm.runUntil` or `TestSwarm.runFor` may run. A timer that repeats for
 * ever keeps the virtual clock busy in one synchronous loop, where vitest's `testTimeout` cannot fire: the run hung
 * until CI's 90-minute limit. The largest call in the repository's tests ran about 10,000 events (measured): this
 * is a hundred times that, and is spent within seconds. The simulator (`pnpm sim`) runs its `VirtualClock` itself, with no budget.
 */
export const EVENT_BUDGET = 1_000_000;

/** Thrown when a run of the test clock has spent its event budget and the clock is still busy. */
export class EventBudgetSpent extends Error {
  override readonly name = 'EventBudgetSpent';

  constructor(budgetEvents: number, what?: string) {
    super(
      `still busy after ${budgetEvents} events${what === undefined ? '' : ` (${what})`}: a timer that repeats for ever?`,
    );
  }
}

/** The events `clock` runs from now, against `budgetEvents`. */
export interface EventBudget {
  /**
   * True once `budgetEvents` events have run since the budget was made (a run of exactly that many may throw too: a
   * clock's `run` asks whether to stop before it knows whether an event is left).
   */
  readonly spent: boolean;
  /** Throws `EventBudgetSpent` once the budget is spent. */
  check(what?: string): void;
}

export function eventBudget(clock: VirtualClock, budgetEvents: number = EVENT_BUDGET): EventBudget {
  const lastEvent = clock.eventsRun + budgetEvents;
  return {
    get spent() {
      return clock.eventsRun >= lastEvent;
    },
    check(what) {
      if (clock.eventsRun >= lastEvent) throw new EventBudgetSpent(budgetEvents, what);
    },
  };
}
