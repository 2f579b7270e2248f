import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { fileBytes } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, expect, it } from 'vitest';
import { startHeadlessPeer, type HeadlessPeer } from '../src/index';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

let server: TestSignallingServer | undefined;
let seeder: HeadlessPeer | undefined;
let teacher: SignallingClient | undefined;
let dir: string | undefined;

afterEach(async () => {
  teacher?.disconnect();
  await seeder?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

it('a leecher whose disk fills up mid-download stops with one line, leaving nothing under the --out name', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(2 * 1024 * 1024, 5));
  seeder = await startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath });
  const outPath = join(dir, 'copy.bin');

  // The leecher's process may write files of 512 KiB at most (`ulimit -f`), as if its disk filled up there:
  // writes past it fail with EFBIG (Node ignores SIGXFSZ).
  const child = spawn(
    'bash',
    ['-c', `ulimit -f 512; exec "${TSX}" src/main.ts "$0" --out "$1"`, seeder.shareLink, outPath],
    {
      cwd: APP_DIR,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<Outcome>((resolve) =>
    child.on('exit', (code) => resolve({ exitCode: code, stdout, stderr })),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);

  teacher = SignallingClient.connect(server.url);
  const deadline = Date.now() + 15_000;
  while (!stdout.includes('waiting for a run to start') && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  const watching = await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! });
  expect(watching.ok).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);

  const outcome = await exited;
  clearTimeout(killer);
  expect(outcome.exitCode).toBe(1);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stderr).toMatch(
    /^error: cannot write chunk \d+ of the download to .*copy\.bin\.part: .*(EFBIG|too large)/i,
  );
  expect(existsSync(outPath)).toBe(false);
  expect(existsSync(outPath + '.part')).toBe(false);
}, 40_000);
