import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The server's suites built on `startHarness` or `serverPerTest` (apps/server/test/harness.ts), which run on either
 * store. checks/test/redis-suites.test.ts fails when one is neither here nor in its list of memory-only suites (it
 * reads this list as text: names in quotes, mapped to paths as below).
 */
const SERVER_BEHAVIOUR_SUITES = [
  'abuse',
  'address-limits',
  'classroom',
  'control',
  'engine-frames',
  'fuzz',
  'hostile-payloads',
  'http',
  'lan-stun',
  'progress',
  'refusal-messages',
  'relay-budgets',
  'reports-trust',
  'resume',
  'runs',
  'signalling',
  'unheard-completion',
  'unknown-swarm',
].map((name) => `apps/server/test/${name}.test.ts`);

export default defineConfig({
  test: {
    // Each test file gets a fresh worker thread instead of the default fresh child process, which starts
    // faster: the whole unit run takes about a quarter less here. No test changes process-wide state (env,
    // cwd, exit handlers), which threads would share.
    pool: 'threads',
    // One worker per core. Three were faster (the whole unit run: 249 s with two, 204 s with three on a slow
    // CI-like machine), but two of five CI runs with three failed on server suites' timing or heap measurements:
    // a failed CI costs more than 45 s.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'packages',
          include: [
            'packages/*/test/**/*.test.ts',
            'apps/*/test/**/*.test.ts',
            'checks/test/**/*.test.ts',
            'bench/test/**/*.test.ts',
          ],
          // The web app's tests need the Svelte compiler, the headless peer's a process of their own: they
          // are the projects below.
          exclude: [...configDefaults.exclude, 'apps/web/**', 'apps/peer/**'],
          // A safety net, not a wait: swarm tests run on virtual clocks, but the simulator's two-thread run and
          // the server's socket.io tests take real seconds on a busy two-core CI machine.
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          // The server's behaviour suites again, their swarms in a Redis of the run's own (the shared store of
          // several processes, #13): what holds on one store must hold on the other. The suites of several
          // processes start Redis servers of their own and run once, above.
          name: 'server-on-redis',
          include: SERVER_BEHAVIOUR_SUITES,
          globalSetup: ['apps/server/test/redis-global-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'peer',
          include: ['apps/peer/test/**/*.test.ts'],
          // @roamhq/wrtc is a native addon whose threads outlive a worker thread's teardown (the process
          // crashed with SIGSEGV as the thread ended): its tests run in a child process instead.
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      'apps/web/vitest.config.ts',
    ],
  },
});
