import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { FullConfig } from '@playwright/test';
import { suiteServerErrorsFile } from './suite-server';

/**
 * Playwright's global teardown: the suite's server may have logged no error line in the whole run. Each test checks
 * those of its own time (`serverErrors` in fixtures.ts), but a line logged after a test's check (the server handling
 * its tabs' disconnects as they closed) came in the next test's time or in none, and a retry could pass it by
 * (found by review).
 */
export default function serverErrorsTeardown(config: FullConfig): void {
  const baseUrl = config.projects[0]?.use.baseURL;
  if (baseUrl === undefined) return;
  const file = suiteServerErrorsFile(Number(new URL(baseUrl).port));
  // None where the server ran without writing them (reused on purpose, `SWARMLAB_E2E_REUSE`).
  if (!existsSync(file)) return;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  // Read once, by this run: left in place, its lines failed every later run against a server reused on purpose (which
  // writes none of its own, or appends to them), however clean that run was. Nothing reads it after this teardown.
  rmSync(file, { force: true });
  if (lines.length > 0)
    throw new Error(`the suite's server logged errors during the run:\n${lines.slice(0, 10).join('\n')}`);
}
