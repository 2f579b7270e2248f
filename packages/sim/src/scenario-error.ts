/**
 * Thrown when the simulator refuses a scenario it cannot run or measure: no honest peer, a per-peer rate list of
 * another length than one or N, a seeder leaving early on two threads, two threads without link latency. `pnpm sim`
 * says it in one line and exits 2, as for a bad flag; any other error is a bug of the simulator's or the engine's, and
 * keeps its stack and exits 1. A TypeError of the engine's was one line and exit 2, a usage error (found by review).
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}
