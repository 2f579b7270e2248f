import { describe, expect, it } from 'vitest';
import { MAX_RUN_NUMBER } from '../src/run-control';
import { progressReportSchema } from '../src/signalling';

describe('a progress report', () => {
  it('names a run number any other message could name, or none', () => {
    const runNumber = progressReportSchema.shape.runNumber;
    for (const valid of [null, 1, MAX_RUN_NUMBER]) expect(runNumber.safeParse(valid).success, String(valid)).toBe(true);
    // Past the largest run number every other schema takes (found by review: only this one had no bound).
    for (const invalid of [0, 1.5, MAX_RUN_NUMBER + 1, Number.MAX_SAFE_INTEGER])
      expect(runNumber.safeParse(invalid).success, String(invalid)).toBe(false);
  });

  it('may say its tries to connect fail, as a boolean or not at all', () => {
    const cannotConnect = progressReportSchema.shape.cannotConnect;
    for (const valid of [true, false, undefined])
      expect(cannotConnect.safeParse(valid).success, String(valid)).toBe(true);
    for (const invalid of ['true', 1, null])
      expect(cannotConnect.safeParse(invalid).success, String(invalid)).toBe(false);
  });
});
