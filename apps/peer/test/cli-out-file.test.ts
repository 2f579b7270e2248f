import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '@swarmlab/protocol';
import { fileBytes } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, expect, it } from 'vitest';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The `swarmlab-peer` command, which `pnpm peer` runs: the peer in one process. */
const BIN = fileURLToPath(new URL('../bin/swarmlab-peer.mjs', import.meta.url));

let server: TestSignallingServer | undefined;
const children: ChildProcess[] = [];
let teacher: SignallingClient | undefined;
let dir: string | undefined;

/**
 * Kills a peer and everything it started, its process group (when the peer ran under the `tsx` command, in a
 * child process of its own, a kill of tsx alone left seeders of every earlier test still seeding after the suite).
 */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

afterEach(async () => {
  teacher?.disconnect();
  for (const child of children.splice(0)) killGroup(child);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `pnpm peer` in a process of its own (`shell` runs, then `exec` the `swarmlab-peer` command), its output so far
 * and its exit. The peers run outside the test's process: a WebRTC stack torn down mid-connection must not take
 * the test runner with it.
 */
function peerProcess(shell: string, args: readonly string[]) {
  // A process group of its own, so that the test's end kills whatever it started too (`killGroup`).
  const child = spawn('bash', ['-c', `${shell}; exec "${process.execPath}" "${BIN}" "$@"`, 'peer', ...args], {
    cwd: APP_DIR,
    detached: true,
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (data: Buffer) => (output.stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output.stderr += data.toString()));
  const exited = new Promise<Outcome>((resolve) => child.on('exit', (code) => resolve({ exitCode: code, ...output })));
  const printed = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const match = output.stdout.match(pattern);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`the peer never printed ${pattern}: ${output.stdout}${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { exited, printed };
}

it('a leecher whose disk fills up mid-download stops with one line, leaving nothing under the --out name', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(2 * 1024 * 1024, 5));
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
  const [, shareLink] = await seeder.printed(/share link: (\S+)/);
  const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
  const outPath = join(dir, 'copy.bin');

  // The leecher's process may write files of 512 KiB at most (`ulimit -f`), as if its disk filled up there:
  // writes past it fail with EFBIG (Node ignores SIGXFSZ).
  const leecher = peerProcess('ulimit -f 512', [shareLink!, '--out', outPath]);
  await leecher.printed(/waiting for a run to start/);
  teacher = SignallingClient.connect(server.url);
  const watching = await teacher.watchSwarm({ swarmId: swarmId!, control: control! });
  expect(watching.ok).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);

  const killer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), 25_000);
  const outcome = await leecher.exited;
  clearTimeout(killer);
  expect(outcome.exitCode).toBe(1);
  expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  expect(outcome.stderr).toMatch(
    /^error: cannot write chunk \d+ of the download to .*copy\.bin\.part: .*(EFBIG|too large)/i,
  );
  expect(existsSync(outPath)).toBe(false);
  expect(existsSync(outPath + '.part')).toBe(false);
}, 40_000);

it('a leecher interrupted (Ctrl-C) while it still connects stops at once, leaving no .part behind', async () => {
  // A server that takes the connection and never answers: the peer would wait out its 10 s connect timeout.
  const held: Socket[] = [];
  const silent: Server = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const outPath = join(dir, 'copy.bin');
  try {
    const link = `http://127.0.0.1:${port}/#/swarm/${'A'.repeat(22)}/${'0'.repeat(64)}`;
    const leecher = peerProcess('true', [link, '--out', outPath]);
    const deadline = Date.now() + 15_000;
    while (!existsSync(outPath + '.part') || held.length === 0) {
      if (Date.now() > deadline) throw new Error('the peer never made its .part nor connected');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    children.at(-1)!.kill('SIGINT');
    const outcome = await leecher.exited;
    expect(outcome.exitCode).toBe(130);
    expect(outcome.stderr.trim()).toBe('error: interrupted before the peer was in its swarm');
    expect(existsSync(outPath + '.part')).toBe(false);
    expect(existsSync(outPath)).toBe(false);
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
}, 30_000);

it.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)(
  'a leecher stopped by %s mid-download says nothing of a whole file, exits %i and leaves no .part',
  async (signal, exitCode) => {
    server = await startSignallingServer();
    dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
    const seedPath = join(dir, 'lecture.bin');
    writeFileSync(seedPath, fileBytes(2 * 1024 * 1024, 6));
    const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
    const [, shareLink] = await seeder.printed(/share link: (\S+)/);
    const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
    const outPath = join(dir, 'copy.bin');
    const leecher = peerProcess('true', [shareLink!, '--out', outPath]);
    await leecher.printed(/waiting for a run to start/);
    teacher = SignallingClient.connect(server.url);
    expect((await teacher.watchSwarm({ swarmId: swarmId!, control: control! })).ok).toBe(true);
    // 2 MiB at the lowest seeder cap, 10 kB/s: the run goes on for minutes, so it is interrupted mid-download.
    const slow: RunConfig = { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 10_000 };
    expect((await teacher.startRun({ config: slow })).ok).toBe(true);
    await leecher.printed(/run 1 started/);
    children.at(-1)!.kill(signal);
    const outcome = await leecher.exited;
    expect(outcome.exitCode).toBe(exitCode);
    expect(outcome.stdout).not.toMatch(/whole file/);
    expect(outcome.stderr).toBe('');
    expect(existsSync(outPath + '.part')).toBe(false);
    expect(existsSync(outPath)).toBe(false);
  },
  40_000,
);

it('a leecher told --exit-when-done names its whole, checked file, prints its SHA-256 and exits 0', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  const bytes = fileBytes(1024 * 1024 + 17, 8);
  writeFileSync(seedPath, bytes);
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
  const [, shareLink] = await seeder.printed(/share link: (\S+)/);
  const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
  // The server, at a loopback address, knows no network address here (a private network namespace): said.
  await seeder.printed(/it opens this machine only: the server knows no network address other machines reach/);
  const outPath = join(dir, 'copy.bin');
  const leecher = peerProcess('true', [shareLink!, '--out', outPath, '--exit-when-done']);
  await leecher.printed(/waiting for a run to start/);
  teacher = SignallingClient.connect(server.url);
  expect((await teacher.watchSwarm({ swarmId: swarmId!, control: control! })).ok).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  const outcome = await leecher.exited;
  expect(outcome).toMatchObject({ exitCode: 0, stderr: '' });
  const expected = createHash('sha256').update(bytes).digest('hex');
  expect(outcome.stdout).toContain(`run 1: whole file held and checked, sha-256 ${expected}`);
  expect(createHash('sha256').update(readFileSync(outPath)).digest('hex')).toBe(expected);
  expect(existsSync(outPath + '.part')).toBe(false);
}, 40_000);

it('a leecher whose run says to leave on completion does not say it still shares the file', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(600_000, 4));
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
  const [, shareLink] = await seeder.printed(/share link: (\S+)/);
  const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
  const leecher = peerProcess('true', [shareLink!]);
  await leecher.printed(/waiting for a run to start/);
  teacher = SignallingClient.connect(server.url);
  expect((await teacher.watchSwarm({ swarmId: swarmId!, control: control! })).ok).toBe(true);
  expect((await teacher.startRun({ config: { ...DEFAULT_RUN_CONFIG, leaveOnComplete: true } })).ok).toBe(true);
  const [output] = await leecher.printed(/run 1: left the run on completion[^]*holding the whole file[^\n]*\n/);
  // It destroyed its engine as it left the run: "still sharing it" told the teacher it seeded its classmates.
  expect(output).not.toMatch(/still sharing/);
  expect(output).toMatch(/holding the whole file; it left run 1 on completion and shares nothing more in it/);
}, 40_000);

it('a seeder whose output is piped into a command that stops reading (head -1) goes on seeding', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(1024 * 1024, 7));
  const child = spawn(process.execPath, [BIN, '--seed', seedPath, '--server', server.url], {
    cwd: APP_DIR,
    detached: true,
  });
  children.push(child);
  // As `| head -1` does: the first line read, the pipe closed; every later line meets a closed pipe (EPIPE).
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const deadline = Date.now() + 15_000;
  while (!server.logLines.some((line) => line.startsWith('swarm created'))) {
    if (Date.now() > deadline) throw new Error('the seeder never created its swarm');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Its share link and the rest went nowhere; the seeder goes on, in its swarm.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(child.exitCode).toBeNull();
  expect(stderr).toBe('');
  expect(server.logLines.some((line) => line.startsWith('swarm ended'))).toBe(false);
}, 40_000);

it('a seeder prints the swarm’s new join code once a restarted server gave it one, and the new code works', async () => {
  const first = await startSignallingServer();
  server = first;
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(300_000, 8));
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', first.url]);
  const [, oldCode] = await seeder.printed(/join code: +(\S+)/);
  // A server keeping its swarms in memory restarts: the seeder registers its swarm again, under a new code.
  await first.close();
  server = await startSignallingServer({ port: first.port });
  await seeder.printed(/signalling server: back/);
  const [, newCode] = await seeder.printed(/join code: +(\S+) \(new: the signalling server restarted/);
  expect(newCode).not.toBe(oldCode);
  teacher = SignallingClient.connect(server.url);
  expect(await teacher.resolveCode({ code: newCode!.replace('-', '') })).toMatchObject({ ok: true });
}, 40_000);

it('a leecher joining a run going on says what it joined first, then the run, and does not say it waits for one', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(1024 * 1024, 9));
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
  const [, shareLink] = await seeder.printed(/share link: (\S+)/);
  const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
  const early = peerProcess('true', [shareLink!]);
  await early.printed(/waiting for a run to start/);
  teacher = SignallingClient.connect(server.url);
  expect((await teacher.watchSwarm({ swarmId: swarmId!, control: control! })).ok).toBe(true);
  // At the lowest seeder cap the run goes on for minutes: a second leecher joins it.
  expect((await teacher.startRun({ config: { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 10_000 } })).ok).toBe(
    true,
  );
  const leecher = peerProcess('true', [shareLink!]);
  const [output] = await leecher.printed(/joined[^]*run 1 started\n[^]*\n/);
  // Its size as people read it: it was "(1048576 bytes, 4 chunks)".
  expect(output).toMatch(/^joined lecture\.bin \(1\.0 MiB, 4 chunks\)$/m);
  expect(output.indexOf('joined')).toBeLessThan(output.indexOf('run 1 started'));
  expect(output).not.toMatch(/waiting for a run to start/);
}, 40_000);

it('a later run whose file cannot take its name says so as it stops, not that it is finishing the check', async () => {
  server = await startSignallingServer();
  dir = mkdtempSync(join(tmpdir(), 'swarmlab-out-'));
  const seedPath = join(dir, 'lecture.bin');
  writeFileSync(seedPath, fileBytes(600_000, 5));
  const seeder = peerProcess('true', ['--seed', seedPath, '--server', server.url]);
  const [, shareLink] = await seeder.printed(/share link: (\S+)/);
  const [, swarmId, control] = await seeder.printed(/control: +\S+#\/watch\/([^/]+)\/[^/]+\/(\S+)/);
  const outPath = join(dir, 'copy.bin');
  const leecher = peerProcess('true', [shareLink!, '--out', outPath]);
  await leecher.printed(/waiting for a run to start/);
  teacher = SignallingClient.connect(server.url);
  expect((await teacher.watchSwarm({ swarmId: swarmId!, control: control! })).ok).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  await leecher.printed(/run 1 finished/);
  // The user saves a file of their own under the name, and the teacher starts run 2.
  rmSync(outPath);
  writeFileSync(outPath, 'mine');
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  const outcome = await leecher.exited;
  expect(outcome.exitCode).toBe(1);
  expect(outcome.stderr).toMatch(/copy\.bin appeared during the download/);
  expect(readFileSync(outPath, 'utf8')).toBe('mine');
  expect(existsSync(`${outPath}.part`)).toBe(true);
  // Before: "finishing the check of the whole download (100 %) before leaving; press Ctrl-C again…".
  expect(outcome.stdout).not.toMatch(/finishing the check/);
}, 40_000);
