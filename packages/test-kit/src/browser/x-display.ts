import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where X servers keep their sockets, and the displays a window may take (`xvfb-run -a` starts at 99 too). */
const X_SOCKET_DIR = '/tmp/.X11-unix';
const FIRST_DISPLAY = 99;
const LAST_DISPLAY = 999;

/** The lock file of X display `display` (`/tmp/.X<n>-lock`), as every X server names it. */
export function displayLockFile(display: number): string {
  return `/tmp/.X${display}-lock`;
}

/**
 * Claims an X display no server uses: its socket absent, its lock file (`/tmp/.X<n>-lock`) created here, exclusively,
 * so two windows starting at once never share one. Xvfb asked to pick a display itself (`-displayfd` alone) took
 * :0 inside the tests' private network namespace, where the host's X server is invisible (abstract sockets are per
 * namespace), and replaced a desktop's `/tmp/.X11-unix/X0` with its own, gone with it (found by review).
 *
 * A lock whose process is gone (a window's starter killed outright: nothing removed it) is removed and the display
 * taken, as X servers do themselves: each such lock used to cost a display for good.
 */
export function claimDisplay(
  range: { readonly first: number; readonly last: number } = { first: FIRST_DISPLAY, last: LAST_DISPLAY },
): { readonly display: number; readonly lockFile: string } {
  for (let display = range.first; display <= range.last; display++) {
    if (existsSync(join(X_SOCKET_DIR, `X${display}`))) continue;
    const lockFile = displayLockFile(display);
    if (tryLock(lockFile)) return { display, lockFile };
    if (!lockIsStale(lockFile)) continue; // Held: the next.
    // Between the check and the removal another starter may have done the same and locked it anew, which this
    // removes: the race Xorg's own stale-lock rule has, over a lock left by a process killed outright.
    rmSync(lockFile, { force: true });
    if (tryLock(lockFile)) return { display, lockFile };
  }
  throw new Error(`no free X display from :${range.first} to :${range.last} (X servers of others on every one?)`);
}

/** Creates `lockFile` holding this process's id, unless it exists. */
function tryLock(lockFile: string): boolean {
  try {
    // An X server's lock holds its pid, right-aligned in 10 characters; -displayfd turns Xvfb's own locking off.
    writeFileSync(lockFile, `${String(process.pid).padStart(10)}\n`, { flag: 'wx', mode: 0o444 });
    return true;
  } catch {
    return false;
  }
}

/** Whether the lock names a process that is gone (one unreadable or naming none is held: someone else's to judge). */
function lockIsStale(lockFile: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
