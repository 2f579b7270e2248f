import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineProject } from 'vitest/config';

/**
 * The web app's unit tests. `.svelte.ts` state classes compile as they do in the browser: the Svelte
 * plugin, Vite's `client` environment (see `test/client-environment.ts`) and Svelte's `browser` export,
 * so `$state`, `$derived` and `$effect` run on Svelte's client runtime, not its server one.
 */
export default defineProject({
  plugins: [svelte()],
  resolve: { conditions: ['browser'] },
  test: {
    name: 'web',
    include: ['test/**/*.test.ts'],
    environment: './test/client-environment.ts',
  },
});
