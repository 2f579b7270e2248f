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
}

export const NO_TEST_SWITCHES: TestSwitches = { corruptBlocksFraction: 0 };

/** The switches a page's query string sets, if this build honours them; none otherwise. */
export function testSwitchesOf(search: string, builtIn: boolean = TEST_SWITCHES_BUILT_IN): TestSwitches {
  if (!builtIn) return NO_TEST_SWITCHES;
  const fraction = Number(new URLSearchParams(search).get('test-corrupt-blocks') ?? 0);
  if (!Number.isFinite(fraction) || fraction <= 0) return NO_TEST_SWITCHES;
  return { corruptBlocksFraction: Math.min(1, fraction) };
}
