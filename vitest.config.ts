import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores here: one worker per core keeps the swarm tests' timing honest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'packages',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'checks/test/**/*.test.ts'],
          // The web app's tests need the Svelte compiler: they are the project below.
          exclude: [...configDefaults.exclude, 'apps/web/**'],
          // Swarm tests move real bytes on real timers; leave room for a busy CI machine.
          testTimeout: 20_000,
        },
      },
      'apps/web/vitest.config.ts',
    ],
  },
});
