import { describe, expect, it } from 'vitest';
import { displayNameSchema, MAX_DISPLAY_NAME_CHARS, parseDisplayName } from '../src/index';

/** U+FDFA: one code point NFKC folds into 18, what made the role rule's folding of a long name slow. */
const LONG_FOLDING = '\uFDFA';

describe('a display name far past its length', () => {
  it('is refused for its length alone, before the rules that read the whole name', () => {
    const parsed = displayNameSchema.safeParse(LONG_FOLDING.repeat(27_000));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      `at most ${MAX_DISPLAY_NAME_CHARS} characters`,
    ]);
  });

  it('is not read by the other rules: one issue, though it breaks them too', () => {
    // A control character and a role mark: read, they were two more issues (and the folding of 27,000 × 18 characters).
    const parsed = displayNameSchema.safeParse(`${LONG_FOLDING.repeat(27_000)}\u0007 Sam (you)`);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      `at most ${MAX_DISPLAY_NAME_CHARS} characters`,
    ]);
  });

  it('is refused with the same sentence as any overlong name, where a person types it', () => {
    expect(parseDisplayName(LONG_FOLDING.repeat(100))).toEqual({
      ok: false,
      message: `A name has at most ${MAX_DISPLAY_NAME_CHARS} characters.`,
    });
  });

  it(`still takes ${MAX_DISPLAY_NAME_CHARS} characters outside the Basic Multilingual Plane (two code units each)`, () => {
    expect(displayNameSchema.safeParse(`  ${'🐝'.repeat(MAX_DISPLAY_NAME_CHARS)}  `)).toMatchObject({ success: true });
    expect(displayNameSchema.safeParse('🐝'.repeat(MAX_DISPLAY_NAME_CHARS + 1)).error?.issues).toHaveLength(1);
  });
});
