import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    // Two cores here: one worker per core.
    maxWorkers: 2,
    // A safety net, not a wait: swarm tests run on virtual clocks, but the simulator's two-thread run and the
    // server's socket.io tests take real seconds on a busy two-core CI machine.
    testTimeout: 20_000,
  },
});
