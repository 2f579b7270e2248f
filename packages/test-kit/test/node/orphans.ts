import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Whether something accepts connections on the loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Runs `body` (a module's top-level code, which prints "<port> <pid>" of the server it started) in a process of its
 * own, SIGKILLs that process as a CI timeout would (no teardown), and expects the server gone within 5 s.
 */
export async function expectGoneWithItsStarter(body: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swarmlab-starter-'));
  const script = join(dir, 'start.mts');
  writeFileSync(script, `${body}\nsetInterval(() => {}, 1000);\n`);
  // One process (`node --import tsx`, not the tsx CLI, which runs the script in a child of its own).
  const starter = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pid: number | undefined;
  try {
    const [port, serverPid] = await new Promise<number[]>((resolve, reject) => {
      starter.stdout.once('data', (data: Buffer) => resolve(String(data).trim().split(' ').map(Number)));
      starter.once('exit', (code) => reject(new Error(`the starter exited with ${code} before starting a server`)));
    });
    pid = serverPid;
    expect(await accepts(port!)).toBe(true);
    starter.kill('SIGKILL');
    await expect.poll(() => accepts(port!), { timeout: 5_000 }).toBe(false);
  } finally {
    starter.kill('SIGKILL');
    // Failed, the test leaves no server behind either.
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
