#!/usr/bin/env node
// Runs a command inside a private network namespace with only loopback up, so WebRTC tests and
// benchmarks can reach nothing but this machine (see docs/TESTING.md): `unshare -n` as root, else
// `unshare -rn` (a user namespace, where the kernel allows one to an unprivileged user). Where neither
// can be made (not Linux, no unshare, user namespaces off), the command runs as it is with a note on
// stderr, except under CI (`CI` set), where that is an error: a suite run on the host's network there
// would pass while reaching the network it must not.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: in-private-netns.mjs <command> [args…]');
  process.exit(2);
}

/** util-linux's `setpriv`: the command gets SIGTERM if this script dies first (killed outright, say). */
const SETPRIV_PATH = '/usr/bin/setpriv';

/**
 * Whether this process is in its terminal's foreground process group (`/proc/self/stat`: its group is the terminal's
 * foreground group), where the terminal's Ctrl-C reaches every process of the group, the command too.
 */
function inForegroundGroup() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After the command's name: state, ppid, pgrp, session, tty_nr, tpgid.
    return fields[2] === fields[5];
  } catch {
    return false;
  }
}

/**
 * Runs the command and exits as it did (128 + the signal's number when a signal ended it). A SIGTERM or SIGHUP sent
 * to this script (a supervisor's, a tool stopping the process it started) ends the command with SIGTERM: before, only
 * the script died, and the suite or benchmark ran on, orphaned (found by review); a SIGHUP passed on as it is does
 * not reach a benchmark under tsx, whose launcher passes on only SIGINT and SIGTERM. Ctrl-C typed in a terminal
 * reaches the command from the terminal itself (the whole foreground group gets it): passed on as well, it would get
 * a second one, which Playwright takes for "stop at once, skip the clean-up"; this script then waits for it to end.
 * A SIGINT sent to this script alone (not in the foreground group) is passed on.
 */
function run(file, fileArgs) {
  const [command, commandArgs] = existsSync(SETPRIV_PATH)
    ? [SETPRIV_PATH, ['--pdeathsig', 'TERM', '--', file, ...fileArgs]]
    : [file, fileArgs];
  // Listened for before the command starts: it may run (and a signal come) before `spawn` returns to this script,
  // whose default action then ended it alone (a CI flake: the command printed its pid, the test signalled at once).
  let child;
  let pending;
  const passOn = (signal) => (child ? child.kill(signal) : (pending = signal));
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => passOn('SIGTERM'));
  process.on('SIGINT', () => {
    if (!inForegroundGroup()) passOn('SIGINT');
  });
  child = spawn(command, commandArgs, { stdio: 'inherit' });
  if (pending) child.kill(pending);
  child.on('error', (error) => {
    console.error(`error: could not run ${file}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (status, signal) => process.exit(status ?? 128 + (constants.signals[signal] ?? 0)));
}

/**
 * The network interfaces this process's namespace has (`/proc/net/dev`; `/sys/class/net` shows the host's until
 * sysfs is mounted again), or undefined where there is no such file.
 */
function namespaceInterfaces() {
  try {
    return readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .flatMap((line) => (line.includes(':') ? [line.split(':')[0].trim()] : []));
  } catch {
    return undefined;
  }
}

/** Whether this process already sees no network interface but loopback (inside such a namespace). */
function onlyLoopback() {
  const interfaces = namespaceInterfaces();
  return interfaces?.length === 1 && interfaces[0] === 'lo';
}

/** The `unshare` flags that make a namespace here, if any do. */
function unshareFlags() {
  if (process.platform !== 'linux') return undefined;
  for (const flags of [['-n'], ['-rn']]) {
    const probe = spawnSync('unshare', [...flags, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    if (probe.status === 0) return flags;
  }
  return undefined;
}

const inOne = onlyLoopback();
const flags = inOne ? undefined : unshareFlags();
if (inOne) {
  run(command, args);
} else if (flags) {
  run('unshare', [...flags, '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', command, ...args]);
} else if (process.env.CI) {
  console.error(
    'error: no private network namespace could be made (unshare -n as root, or unshare -rn with user namespaces ' +
      'allowed; apt-get install -y util-linux iproute2), and CI must not run its tests on the network',
  );
  process.exit(1);
} else {
  console.error(
    'note: no private network namespace here (needs Linux, unshare and root or user namespaces); running as is.',
  );
  run(command, args);
}
