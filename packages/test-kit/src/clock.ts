import { VirtualClock } from '@swarmlab/sim/virtual-clock';
import { EVENT_BUDGET, eventBudget } from './event-budget';

/**
 * The one deterministic clock of the tests: the simulator's `VirtualClock`, so unit tests and `pnpm sim`
 * run the engine on the same notion of time (events in time order, ties in scheduling order; nothing
 * runs until the test runs the clock). Imported through `@swarmlab/sim/virtual-clock`, which loads no
 * Node module, so pure packages' tests can use it.
 */
export { VirtualClock };

/**
 * Runs every event on `clock`, including those scheduled meanwhile, until none is left; throws `EventBudgetSpent`
 * if events are still left after `budgetEvents` (a timer that repeats for ever would otherwise run for ever).
 */
export function runAll(clock: VirtualClock, budgetEvents = EVENT_BUDGET): void {
  const budget = eventBudget(clock, budgetEvents);
  clock.run(() => budget.spent, Infinity);
  if (!clock.idle) budget.check();
}
