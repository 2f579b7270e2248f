import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The e2e suite's global teardown (`e2e/server-errors-teardown.ts`) fails the run on the error lines its server wrote
 * to a file in the temporary directory, and removes that file: left there, it failed every later run against a
 * server reused on purpose (`SWARMLAB_E2E_REUSE=1`), however clean (found by review). Run as Playwright runs it, in a
 * process of its own (the checks import no e2e module: eslint.config.js's layers), with a temporary directory of the
 * test's own.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Any port: only the file's name depends on it, in a temporary directory of the test's own. */
const PORT = 29_517;

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** Runs the teardown with the temporary directory `dir`; resolves with its exit code and what it wrote to stderr. */
function teardown(dir: string): Promise<{ readonly code: number | null; readonly stderr: string }> {
  const config = { projects: [{ use: { baseURL: `http://127.0.0.1:${PORT}` } }] };
  const script =
    `const { default: teardown } = await import(${JSON.stringify(join(REPO_ROOT, 'e2e/server-errors-teardown.ts'))});\n` +
    `teardown(${JSON.stringify(config)});\n`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, TMPDIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('the e2e suite’s server-errors teardown', () => {
  it('fails on the lines its server wrote, and removes them: the next run does not fail on them again', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'swarmlab-teardown-test-'));
    const file = join(scratch, `swarmlab-e2e-${PORT}-server-errors.log`);
    writeFileSync(file, 'error: a handler threw\n');

    const first = await teardown(scratch);
    expect(first.code).not.toBe(0);
    expect(first.stderr).toContain('error: a handler threw');
    // Before, it stayed, and failed the next run against a reused server that wrote nothing.
    expect(existsSync(file)).toBe(false);

    const second = await teardown(scratch);
    expect(second.code, second.stderr).toBe(0);
  }, 20_000);
});
