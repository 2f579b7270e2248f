import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundWindow } from '../../src/browser/index';

/** Whether a process with this id is still there. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const profiles = (): Set<string> =>
  new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('swarmlab-window-')));

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('a background window whose browser never comes up', () => {
  it('fails, and kills what it started (Xvfb, the browser) and removes its profile', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'swarmlab-window-test-'));
    const pidFile = join(scratch, 'browser.pid');
    // A "browser" under xvfb-run that never prints its DevTools endpoint: a hung start.
    const browser = join(scratch, 'hung-browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
    chmodSync(browser, 0o755);
    const before = profiles();
    const exitListeners = process.listenerCount('exit');

    await expect(BackgroundWindow.launch({ executablePath: browser, args: [], timeoutMs: 6000 })).rejects.toThrow(
      /did not start within 6000 ms/,
    );

    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 3000;
    while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Before, it ran on (as did Xvfb), holding the machine's cores and memory until someone killed it.
    expect(running(pid)).toBe(false);
    expect([...profiles()].filter((name) => !before.has(name))).toEqual([]);
    expect(process.listenerCount('exit')).toBe(exitListeners);
  });
});
