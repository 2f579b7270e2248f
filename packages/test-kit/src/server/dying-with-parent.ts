import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV_PATH = '/usr/bin/setpriv';

/**
 * `spawn`, the child gone with the process (the thread) that started it: a test run killed by SIGTERM or SIGKILL
 * (a CI timeout), or a Playwright worker thrown away after a test timed out, never runs its teardown, and left a
 * redis-server or a signalling server behind for good, holding its port (the retry and the file's next test were
 * refused it). util-linux's `setpriv` asks the kernel for `signal` on the parent's death, then becomes the command
 * (same PID); without it, a plain spawn.
 */
export function spawnDyingWithParent(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  signal: 'TERM' | 'KILL',
): ChildProcess {
  return existsSync(SETPRIV_PATH)
    ? spawn(SETPRIV_PATH, ['--pdeathsig', signal, '--', command, ...args], options)
    : spawn(command, args, options);
}
