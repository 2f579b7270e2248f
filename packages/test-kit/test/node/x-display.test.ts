import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDisplay, displayLockFile } from '../../src/browser/x-display';

// Displays far above those windows take (from :99), the test's own: a window of another run is not disturbed.
const RANGE = { first: 950, last: 951 };
const locks = [displayLockFile(950), displayLockFile(951)];

afterEach(() => {
  for (const lock of locks) rmSync(lock, { force: true });
});

/** A process id no process has: one that ran and ended. */
function goneProcessId(): number {
  const { pid } = spawnSync('true');
  return pid;
}

function lockHeldBy(lockFile: string, pid: number): void {
  writeFileSync(lockFile, `${String(pid).padStart(10)}\n`);
}

describe('claiming an X display', () => {
  it('takes one whose lock a process that is gone left behind, and passes over one a live process holds', () => {
    // Before, a lock left by a starter killed outright (nothing removed it) cost its display for good.
    lockHeldBy(locks[0]!, goneProcessId());
    const claimed = claimDisplay(RANGE);
    expect(claimed).toEqual({ display: 950, lockFile: locks[0] });
    expect(readFileSync(locks[0]!, 'utf8').trim()).toBe(String(process.pid));
    rmSync(locks[0]!);

    // A lock of a live process (this one stands in for an X server) is held.
    lockHeldBy(locks[0]!, process.pid);
    expect(claimDisplay(RANGE).display).toBe(951);
    expect(() => claimDisplay(RANGE)).toThrow(/no free X display from :950 to :951/);
    expect(readFileSync(locks[0]!, 'utf8').trim()).toBe(String(process.pid));
  });

  it('leaves a lock it cannot read as held', () => {
    writeFileSync(locks[0]!, 'not a pid\n');
    expect(claimDisplay(RANGE).display).toBe(951);
    expect(readFileSync(locks[0]!, 'utf8')).toBe('not a pid\n');
  });
});
