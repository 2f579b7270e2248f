#!/usr/bin/env node
// Runs a command inside a private network namespace with only loopback up, so WebRTC tests and
// benchmarks can reach nothing but this machine (see docs/TESTING.md). Where the namespace cannot be
// made (not Linux, not root, no unshare), the command runs as it is, with a note on stderr.
import { spawnSync } from 'node:child_process';

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

const alreadyInside = process.env.SWARMLAB_IN_NETNS === '1';
const canUnshare =
  !alreadyInside &&
  process.platform === 'linux' &&
  spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;

if (canUnshare) {
  process.env.SWARMLAB_IN_NETNS = '1';
  run('unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', command, ...args]);
} else {
  if (!alreadyInside)
    console.error('note: no private network namespace here (needs Linux, root and unshare); running as is.');
  run(command, args);
}
