import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Every server suite built on `startHarness` or `serverPerTest` (apps/server/test/harness.ts) runs a second time with
 * its swarms in Redis (project `server-on-redis`, vitest.config.ts), whose list of suites is written by hand: three
 * suites added after it ran on the memory store alone while docs/TESTING.md said every one ran twice (found by
 * review).
 */

const SERVER_TEST_DIR = new URL('../../apps/server/test/', import.meta.url);

/** Harness suites that run on the memory store alone, each for its reason. Nothing else may be left out. */
const MEMORY_ONLY_SUITES: ReadonlyMap<string, string> = new Map([
  [
    'stale-requests.test.ts',
    'chooses its own store (`swarmState`): an in-memory one whose commits wait until the test releases them, as a ' +
      'retried Redis commit does; the harness then uses no Redis anyway',
  ],
]);

/** The server's test files (`*.test.ts`) that import `startHarness` or `serverPerTest` from the harness. */
function harnessSuites(): string[] {
  return readdirSync(SERVER_TEST_DIR)
    .filter((name) => name.endsWith('.test.ts'))
    .filter((name) => {
      const text = readFileSync(new URL(name, SERVER_TEST_DIR), 'utf8');
      return /\b(startHarness|serverPerTest)\b/.test(text) && /from '\.\/harness'/.test(text);
    })
    .sort();
}

const VITEST_CONFIG = readFileSync(new URL('../../vitest.config.ts', import.meta.url), 'utf8');

/**
 * The suites the `server-on-redis` project includes, as file names in apps/server/test: read from the text of
 * vitest.config.ts (the checks import no file of the workspace root: eslint.config.js's layers), which lists them
 * in `SERVER_BEHAVIOUR_SUITES` and gives that list to the project.
 */
function redisSuites(): string[] {
  const list =
    /const SERVER_BEHAVIOUR_SUITES = \[([^\]]*)\]\.map\(\(name\) => `apps\/server\/test\/\$\{name\}\.test\.ts`\);/.exec(
      VITEST_CONFIG,
    );
  if (!list) throw new Error('vitest.config.ts no longer lists SERVER_BEHAVIOUR_SUITES as this check reads it');
  const project = /name: 'server-on-redis',\s*include: SERVER_BEHAVIOUR_SUITES,/.test(VITEST_CONFIG);
  if (!project)
    throw new Error('the server-on-redis project of vitest.config.ts does not include SERVER_BEHAVIOUR_SUITES');
  // Without its comments: a suite commented out of the list (`// 'http', // flaky on Redis`) runs on memory alone.
  const listed = list[1]!.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return [...listed.matchAll(/'([^']+)'/g)].map((match) => `${match[1]!}.test.ts`);
}

describe('the server-on-redis project', () => {
  it('runs every server suite built on the harness but those kept to the memory store, each with its reason', () => {
    const suites = harnessSuites();
    expect(suites.length, 'the harness suites are found').toBeGreaterThan(10);
    const onRedis = new Set(redisSuites());
    const missing = suites.filter((name) => !onRedis.has(name) && !MEMORY_ONLY_SUITES.has(name));
    expect(missing, 'harness suites neither in server-on-redis nor in MEMORY_ONLY_SUITES').toEqual([]);
  });

  it('lists only suites that exist, and keeps none it runs on Redis in the memory-only list', () => {
    const suites = new Set(harnessSuites());
    const listed = redisSuites();
    expect(listed.length, 'the Redis project’s suites are found').toBeGreaterThan(10);
    expect(listed.filter((name) => !suites.has(name))).toEqual([]);
    expect([...MEMORY_ONLY_SUITES.keys()].filter((name) => listed.includes(name) || !suites.has(name))).toEqual([]);
  });
});
