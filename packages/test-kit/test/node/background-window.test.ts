import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackgroundWindow, CHROMIUM_ARGS, chromiumExecutablePath } from '../../src/browser/index';

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
    // A "browser" on Xvfb that never prints its DevTools endpoint: a hung start.
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

describe('a background window whose starter is killed outright', () => {
  it('goes with it: Xvfb and the browser, though no teardown ran (SIGKILL); the test removes what is left', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'swarmlab-window-test-'));
    const script = join(scratch, 'start.mts');
    const source = join(import.meta.dirname, '../../src/browser/index.ts');
    writeFileSync(
      script,
      `import { BackgroundWindow, chromiumExecutablePath, CHROMIUM_ARGS } from ${JSON.stringify(source)};\n` +
        `const window = await BackgroundWindow.launch({ executablePath: chromiumExecutablePath() ?? 'chromium', args: CHROMIUM_ARGS });\n` +
        `const { display, processIds, profileDir } = window;\n` +
        `console.log(JSON.stringify({ display, processIds, profileDir }));\nsetInterval(() => {}, 1000);\n`,
    );
    // One process (`node --import tsx`, not the tsx CLI, which runs the script in a child of its own).
    const starter = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const before = profiles();
    let pids: readonly number[] = [];
    let display: number | undefined;
    let profileDir: string | undefined;
    try {
      ({
        display,
        processIds: pids,
        profileDir,
      } = await new Promise<{ display: number; processIds: number[]; profileDir: string }>((resolve, reject) => {
        starter.stdout.once('data', (data: Buffer) => resolve(JSON.parse(String(data)) as never));
        starter.once('exit', (code) => reject(new Error(`the starter exited with ${code} before opening a window`)));
      }));
      expect(pids).toHaveLength(2);
      // The window's profile, new since the test began (others' windows, an e2e run's, may come and go meanwhile).
      expect([...profiles()].filter((name) => !before.has(name))).toContain(basename(profileDir));
      expect(pids.every(running)).toBe(true);
      starter.kill('SIGKILL');
      // Before, under `xvfb-run` in a detached group, both ran on for good, holding cores a benchmark then measured.
      await expect.poll(() => pids.filter(running), { timeout: 5_000 }).toEqual([]);
      // Xvfb ended on SIGTERM, removing its socket (SIGKILL left it).
      expect(existsSync(`/tmp/.X11-unix/X${display}`)).toBe(false);
    } finally {
      starter.kill('SIGKILL');
      for (const pid of pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
      // The display's lock, which the killed starter could not remove (the next window takes the next display).
      if (display !== undefined) rmSync(`/tmp/.X${display}-lock`, { force: true });
      // Its profile, likewise: each run of this test left one of Chromium's profiles in the temporary directory.
      if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });
    }
    expect(profileDir !== undefined && existsSync(profileDir), 'the window’s profile is gone').toBe(false);
  }, 40_000);
});

describe('the X display of a background window', () => {
  it('is one no X server has (its socket there is left alone), and its socket and lock go with the window', async () => {
    // The first display a window would take, given a socket as a desktop's X server would hold it.
    let taken = 99;
    while (existsSync(`/tmp/.X11-unix/X${taken}`) || existsSync(`/tmp/.X${taken}-lock`)) taken++;
    mkdirSync('/tmp/.X11-unix', { recursive: true, mode: 0o1777 });
    const desktopSocket = `/tmp/.X11-unix/X${taken}`;
    writeFileSync(desktopSocket, '');
    try {
      const window = await BackgroundWindow.launch({
        executablePath: chromiumExecutablePath() ?? 'chromium',
        args: CHROMIUM_ARGS,
      });
      // Before, Xvfb picked its own display: :0 in the private namespace, replacing a desktop's socket there.
      expect(window.display).toBeGreaterThan(taken);
      expect(existsSync(`/tmp/.X11-unix/X${window.display}`)).toBe(true);
      await window.close();
      expect(existsSync(desktopSocket)).toBe(true);
      expect(existsSync(`/tmp/.X11-unix/X${window.display}`)).toBe(false);
      expect(existsSync(`/tmp/.X${window.display}-lock`)).toBe(false);
    } finally {
      rmSync(desktopSocket, { force: true });
    }
  }, 40_000);
});
