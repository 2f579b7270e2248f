import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/in-private-netns.mjs', import.meta.url));

/** Runs `sh -c script` through the namespace script; resolves with the shell's pid once it printed it. */
function throughScript(script: string) {
  const wrapper = spawn(process.execPath, [SCRIPT, 'sh', '-c', `echo $$; ${script}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => wrapper.once('exit', (code) => resolve(code)));
  const commandPid = new Promise<number>((resolve) =>
    wrapper.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  return { wrapper, exited, commandPid };
}

/** Whether a process runs (a zombie, which this machine's init may leave unreaped, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The suites run where only loopback is up (`scripts/in-private-netns.mjs`, which `test:unit` and `test:e2e` go
 * through). Under CI the script makes that namespace or fails; this suite checks it is in one: the script ran the
 * suites on the host's network, exit 0, whenever it was not root (found by review).
 */
describe('the network this suite runs in', () => {
  it('is loopback alone under CI', () => {
    // Not Linux: no namespace, and the suites run as they are (with a note), never under CI.
    if (!existsSync('/proc/net/dev')) return void expect(process.env['CI']).toBeUndefined();
    // Its namespace's interfaces (`/sys/class/net` shows the host's in a namespace made without a new sysfs).
    const interfaces = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .flatMap((line) => (line.includes(':') ? [line.split(':')[0]!.trim()] : []));
    if (process.env['CI']) expect(interfaces).toEqual(['lo']);
    else expect(interfaces).toContain('lo');
  });
});

describe.runIf(process.platform === 'linux')('the script the suites and benchmarks run through', () => {
  it('passes a SIGTERM sent to it alone on to the command, and exits as the command did', async () => {
    const { wrapper, exited, commandPid } = throughScript('sleep 30');
    const pid = await commandPid;
    expect(running(pid)).toBe(true);
    wrapper.kill('SIGTERM');
    // Before, the script died alone and the command ran on, orphaned.
    expect(await exited).toBe(128 + 15);
    expect(running(pid)).toBe(false);
  });

  it('exits with the command’s own status', async () => {
    expect(await throughScript('exit 3').exited).toBe(3);
  });
});
