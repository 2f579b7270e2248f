import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when it finds none.
  }
};

async function until(condition: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a load process ends with the benchmark that started it, also one that exits without stopping it', async () => {
  const parentScript = fileURLToPath(new URL('fixtures/load-process-parent.ts', import.meta.url));
  // Its load process writes to stderr only: a survivor holding the test's stdout would keep the run waiting.
  const parent = spawn(process.execPath, ['--import', 'tsx', parentScript], { stdio: ['pipe', 'pipe', 'ignore'] });
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const parentPid = Number(line.toString().trim());
  let children: number[] = [];
  await until(() => (children = childrenOf(parentPid)).length > 0, 'the load process to start');
  parent.stdin!.write('exit\n');
  await once(parent, 'exit');
  // Before, it stayed up, re-parented to init, with whatever it held.
  await until(() => children.every((pid) => !alive(pid)), 'the load process to end', 5000).catch(() => undefined);
  expect(children.filter(alive)).toEqual([]);
}, 30_000);

it('refuses a command to a load process that is gone, with no uncaught error (a clean-up after a crash)', async () => {
  const parentScript = fileURLToPath(new URL('fixtures/gone-load-process-parent.ts', import.meta.url));
  const parent = spawn(process.execPath, ['--import', 'tsx', parentScript], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  parent.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  parent.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const [code] = (await once(parent, 'exit')) as [number | null];
  // Before: ERR_IPC_CHANNEL_CLOSED thrown as an `error` event nobody listened to, and the benchmark's own failure lost.
  expect(err).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|Unhandled/);
  expect(out.trim()).toMatch(/^refused: \.\/test\/fixtures\/busy-load-process\.ts is gone/);
  expect(code).toBe(0);
}, 30_000);
