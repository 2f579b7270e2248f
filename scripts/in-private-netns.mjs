#!/usr/bin/env node
// Runs a command inside a private network namespace with only loopback up, so WebRTC tests and
// benchmarks can reach nothing but this machine (see docs/TESTING.md): `unshare -n` as root, else
// `unshare -rn` (a user namespace, where the kernel allows one to an unprivileged user). Where neither
// can be made (not Linux, no unshare, user namespaces off), the command runs as it is with a note on
// stderr, except under CI (`CI` set), where that is an error: a suite run on the host's network there
// would pass while reaching the network it must not.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: in-private-netns.mjs <command> [args…]');
  process.exit(2);
}

function run(file, fileArgs) {
  const result = spawnSync(file, fileArgs, { stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
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

if (onlyLoopback()) run(command, args);
const flags = unshareFlags();
if (flags) {
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
