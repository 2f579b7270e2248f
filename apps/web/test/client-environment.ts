import type { Environment } from 'vitest/environments';

/**
 * Runs tests in Node with modules transformed by Vite's `client` environment, so `.svelte.ts` files
 * compile with `generate: 'client'` and import Svelte's browser runtime: `$state`, `$derived` and
 * `$effect` behave as in the app. Tests bring their own fakes for the few browser APIs they touch.
 */
export default {
  name: 'svelte-client',
  viteEnvironment: 'client',
  setup: () => ({ teardown: () => {} }),
} satisfies Environment;
