import { describe, expect, it } from 'vitest';
import { simulatePart } from '../src/simulate';
import { SCENARIO_DEFAULTS, type Scenario } from '../src/scenario';
import { simulateOnTwoThreads } from '../src/two-threads';

const SCENARIO: Scenario = {
  ...SCENARIO_DEFAULTS,
  peerCount: 4,
  fileBytes: 4 * SCENARIO_DEFAULTS.chunkBytes,
  serverUploadBytesPerSec: 1e6,
  peerUploadBytesPerSec: [1e6],
  peerDownloadBytesPerSec: [Infinity],
  latencyMs: 5,
  threads: 2,
};

describe('a simulation on two threads', () => {
  it('fails at once when the worker thread cannot load its module (it waited out a minute, then "did not answer")', () => {
    const broken = new URL('./fixtures/worker-that-cannot-load.ts', import.meta.url);
    // The blocked thread hears of the failure through the shared flag, not the worker's 'error' event: with the
    // flag unset, the test would block for 60 s and fail on the message.
    expect(() => simulateOnTwoThreads(SCENARIO, simulatePart, broken)).toThrow('simulator: the other thread failed');
  });
});
