import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'checks/test/**/*.test.ts'],
    // Two cores here: one worker per core keeps the swarm tests' timing honest.
    maxWorkers: 2,
    // Swarm tests move real bytes on real timers; leave room for a busy CI machine.
    testTimeout: 20_000,
  },
});
