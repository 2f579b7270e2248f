import { ScenarioError } from './scenario-error';
import { simulate, type SimulationResult } from './simulate';
import type { Scenario } from './scenario';

/** A run's result, or the simulator's refusal of the scenario in one line. */
export type ScenarioOutcome =
  { readonly ok: true; readonly result: SimulationResult } | { readonly ok: false; readonly message: string };

/**
 * Runs `scenario` for `pnpm sim`. A {@link ScenarioError} is an expected outcome, returned as data; anything else is
 * thrown on, with its stack, for it is a bug and not the user's. `run` is there for tests to throw what they like.
 */
export function runScenario(
  scenario: Scenario,
  run: (scenario: Scenario) => SimulationResult = simulate,
): ScenarioOutcome {
  try {
    return { ok: true, result: run(scenario) };
  } catch (error) {
    if (error instanceof ScenarioError) return { ok: false, message: error.message };
    throw error;
  }
}
