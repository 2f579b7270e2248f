import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run-scenario';
import { SCENARIO_DEFAULTS, ScenarioError, type Scenario } from '../src/index';

const SCENARIO: Scenario = {
  ...SCENARIO_DEFAULTS,
  peerCount: 4,
  fileBytes: 256 * 1024,
  serverUploadBytesPerSec: 1e6,
  peerUploadBytesPerSec: [1e6],
  peerDownloadBytesPerSec: [Infinity],
};

describe('runScenario', () => {
  it("returns the simulator's refusal of a scenario as one line, for exit 2", () => {
    expect(runScenario({ ...SCENARIO, peerCount: 1, corruptFraction: 0.5 })).toEqual({
      ok: false,
      message: 'simulator: 1 corrupt peer(s) of 1 leave no honest peer to measure',
    });
    expect(runScenario({ ...SCENARIO, seederLeavesEarly: true, threads: 2 })).toEqual({
      ok: false,
      message: 'simulator: a seeder that leaves early needs one thread',
    });
    expect(
      runScenario(SCENARIO, () => {
        throw new ScenarioError('refused');
      }),
    ).toEqual({ ok: false, message: 'refused' });
  });

  it('throws any other error on, stack and all, for exit 1: it is a bug, not a bad flag', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'chunks')");
    expect(() =>
      runScenario(SCENARIO, () => {
        throw bug;
      }),
    ).toThrow(bug);
  });

  it('returns a run that the simulator completes', () => {
    const outcome = runScenario(SCENARIO);
    expect(outcome).toMatchObject({ ok: true, result: { allFilesIntact: true } });
    if (outcome.ok) expect(outcome.result.distributionSec).toBeGreaterThan(0);
  });
});
