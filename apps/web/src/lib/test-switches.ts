/**
 * Switches only a test build honours: one built with `VITE_SWARMLAB_TEST_SWITCHES=1` (the e2e suite's,
 * `pnpm build:e2e`). Vite replaces the variable at build time, so in a production build (`pnpm build`,
 * what `pnpm start` serves) this is the constant `false` and the code behind every switch is dropped.
 */
export const TEST_SWITCHES_BUILT_IN: boolean = import.meta.env.VITE_SWARMLAB_TEST_SWITCHES === '1';

export interface TestSwitches {
  /**
   * `?test-corrupt-blocks=F`: this tab flips a byte in a fraction F (0..1) of the blocks it sends, so tests
   * see honest tabs catch a bad peer by hash, fetch the chunk elsewhere and drop it.
   */
  readonly corruptBlocksFraction: number;
  /**
   * `?test-resume-check-delay-ms=N`: a reloaded leecher's check of the chunks it stored takes N ms more, as
   * it does for a large file over plain http (hashed in JavaScript), so tests can start a newer run meanwhile; a
   * test may end it sooner (`test-delays.ts`).
   */
  readonly resumeCheckDelayMs: number;
  /**
   * `?test-join-check-delay-ms=N`: a joining tab's check of the swarm's file description against its link takes
   * N ms more, as a large one hashed in JavaScript does, so tests can start a run while it joins; a test may end it
   * sooner (`test-delays.ts`).
   */
  readonly joinCheckDelayMs: number;
}

export const NO_TEST_SWITCHES: TestSwitches = { corruptBlocksFraction: 0, resumeCheckDelayMs: 0, joinCheckDelayMs: 0 };

/** The switches a page's query string sets, if this build honours them; none otherwise. */
export function testSwitchesOf(search: string, builtIn: boolean = TEST_SWITCHES_BUILT_IN): TestSwitches {
  if (!builtIn) return NO_TEST_SWITCHES;
  const query = new URLSearchParams(search);
  const positive = (name: string): number => {
    const value = Number(query.get(name) ?? 0);
    return Number.isFinite(value) && value > 0 ? value : 0;
  };
  return {
    corruptBlocksFraction: Math.min(1, positive('test-corrupt-blocks')),
    resumeCheckDelayMs: Math.min(60_000, positive('test-resume-check-delay-ms')),
    joinCheckDelayMs: Math.min(60_000, positive('test-join-check-delay-ms')),
  };
}
