import { VirtualClock } from '@swarmlab/sim/virtual-clock';

/**
 * The one deterministic clock of the tests: the simulator's `VirtualClock`, so unit tests and `pnpm sim`
 * run the engine on the same notion of time (events in time order, ties in scheduling order; nothing
 * runs until the test runs the clock). Imported through `@swarmlab/sim/virtual-clock`, which loads no
 * Node module, so pure packages' tests can use it.
 */
export { VirtualClock };

/** Runs every event on `clock`, including those scheduled meanwhile, until none is left. */
export function runAll(clock: VirtualClock): void {
  clock.run(() => false, Infinity);
}
