import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDyingWithParent } from './dying-with-parent';

/** The teacher's laptop's address on the made-up classroom network. */
export const LAN_NAMESPACE_ADDRESS = '10.77.0.1';

/**
 * A network namespace of its own standing in for a classroom's Wi-Fi, with one network address (`10.77.0.1` on a veth
 * pair), a default route through it, and multicast DNS dropped (nftables) as a school network that blocks multicast
 * drops it. A page opened there without the camera permission (as every student's page on a plain-http LAN origin)
 * offers its address only behind an mDNS name, which nobody can resolve: unlike the suite's namespace (loopback only,
 * where pages are given the permission and offer 127.0.0.1). Needs root, or a user namespace (`unshare -rn`, as
 * `scripts/in-private-netns.mjs` makes), and `ip` and `nft`.
 */
export interface LanNamespace {
  readonly address: string;
  /** Starts `command` inside the namespace (`nsenter`), gone with this process as `spawnDyingWithParent` says. */
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess;
  /** An executable that runs `executablePath` inside the namespace (for Playwright's `launch({ executablePath })`). */
  wrap(executablePath: string): string;
  close(): Promise<void>;
}

const SETUP = `set -e
# Debian puts nft in /usr/sbin, on root's PATH only.
export PATH="$PATH:/usr/sbin:/sbin"
ip link set lo up
ip link add lan0 type veth peer name lan1
ip addr add ${LAN_NAMESPACE_ADDRESS}/24 dev lan0
ip link set lan0 up
ip link set lan1 up
ip route add default via 10.77.0.254 dev lan0 onlink
nft add table inet classroom
nft add chain inet classroom out '{ type filter hook output priority 0; }'
nft add chain inet classroom in '{ type filter hook input priority 0; }'
nft add rule inet classroom out udp dport 5353 drop
nft add rule inet classroom in udp dport 5353 drop
echo ready
exec sleep infinity`;

/** Makes the namespace; rejects with what its set-up printed when it cannot be made. */
export async function startLanNamespace(): Promise<LanNamespace> {
  const holder = spawnDyingWithParent(
    'unshare',
    ['-n', 'bash', '-c', SETUP],
    { stdio: ['ignore', 'pipe', 'pipe'] },
    'KILL',
  );
  let output = '';
  holder.stdout?.on('data', (data: Buffer) => (output += String(data)));
  holder.stderr?.on('data', (data: Buffer) => (output += String(data)));
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!output.includes('ready\n')) return;
      holder.stdout?.off('data', onData);
      resolve();
    };
    holder.stdout?.on('data', onData);
    holder.once('error', reject);
    holder.once('exit', (code, signal) =>
      reject(new Error(`the classroom network namespace could not be made (${code ?? signal}): ${output.trim()}`)),
    );
  });
  // The holder is `setpriv` become `unshare` become `bash` become `sleep`: one process, whose namespace it is.
  const netns = `--net=/proc/${holder.pid}/ns/net`;
  const wrappers = mkdtempSync(join(tmpdir(), 'swarmlab-lan-'));
  return {
    address: LAN_NAMESPACE_ADDRESS,
    spawn: (command, args, options) => spawnDyingWithParent('nsenter', [netns, command, ...args], options, 'KILL'),
    wrap(executablePath) {
      const wrapper = join(wrappers, `in-lan-${executablePath.replaceAll('/', '_')}`);
      writeFileSync(wrapper, `#!/bin/sh\nexec nsenter ${netns} ${JSON.stringify(executablePath)} "$@"\n`);
      chmodSync(wrapper, 0o755);
      return wrapper;
    },
    async close() {
      rmSync(wrappers, { recursive: true, force: true });
      if (holder.exitCode !== null || holder.signalCode !== null) return;
      const ended = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await ended;
    },
  };
}
