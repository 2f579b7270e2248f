import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandDirectory, parseCliOptions } from '../src/cli-options';
import { HeadlessPeerError } from '../src/headless-peer-error';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The `swarmlab-peer` command, which `pnpm peer` runs: the peer in one process. */
const BIN = fileURLToPath(new URL('../bin/swarmlab-peer.mjs', import.meta.url));
const SWARM_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** The files this suite seeds, removed after it (every run left two directories in /tmp). */
const FILES_DIR = mkdtempSync(join(tmpdir(), 'swarmlab-cli-'));
/** An empty file, to seed. */
const EMPTY_FILE = join(FILES_DIR, 'empty.bin');
writeFileSync(EMPTY_FILE, '');
/** A file of a few bytes, to seed. */
const SMALL_FILE = join(FILES_DIR, 'small.bin');
writeFileSync(SMALL_FILE, 'lecture');
const CONTENT_ID = 'a'.repeat(64);

interface Outcome {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `pnpm peer …` as a user runs it: a process of its own, its exit code and its output. */
function runPeer(args: readonly string[], timeoutMs = 15_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: APP_DIR, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

it('the swarmlab-peer command (one process, tsx registered from its package) runs from any directory', async () => {
  const outcome = await new Promise<Outcome>((resolve) => {
    execFile(BIN, ['--help'], { cwd: tmpdir(), timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
  expect(outcome).toMatchObject({ exitCode: 0, stderr: '' });
  expect(outcome.stdout).toMatch(/^Usage:/);
});

let server: TestSignallingServer | undefined;

/** Its swarms are waited for (`swarm-not-registered-yet`) this long after it starts; the tests below start later. */
const SHARED_SERVER_GRACE_MS = 500;

beforeAll(async () => {
  server = await startSignallingServer({ limits: { memberGraceMs: SHARED_SERVER_GRACE_MS } });
});

afterAll(async () => {
  rmSync(FILES_DIR, { recursive: true, force: true });
  await server?.close();
});

// Each case is a process of its own (about a second to start tsx): they run side by side.
describe.concurrent('pnpm peer refuses bad input with one line and a failing exit code', () => {
  it.each([
    ['no arguments', [], 2, /give a share link, a join code, or --seed FILE/],
    // Node's own text advised putting it after `--`, which makes every option a word.
    ['an unknown option', ['--sed', 'x'], 2, /^error: unknown option --sed \(--help for usage\)\n$/],
    ['a link that names no swarm', ['http://127.0.0.1:8080/#/watch/x'], 2, /names no swarm/],
    ['a damaged swarm id', [`http://127.0.0.1:8080/#/swarm/short/${CONTENT_ID}`], 2, /swarm id/],
    ['a code with a look-alike letter', ['K7M-Q3O', '--server', 'http://127.0.0.1:1'], 2, /never contain 0, O/],
    ['a code without --server', ['K7M-Q3P'], 2, /needs --server URL/],
    [
      'a server without its scheme',
      ['K7M-Q3P', '--server', 'localhost:8080'],
      2,
      /write it with its scheme, like http:\/\/localhost:8080/,
    ],
    [
      'a file to seed, with a server without its scheme',
      ['--seed', SMALL_FILE, '--server', 'localhost:8080'],
      2,
      /write it with its scheme, like http:\/\/localhost:8080/,
    ],
    [
      'a file that does not exist',
      ['--seed', '/nonexistent/lecture.bin', '--server', 'http://127.0.0.1:1'],
      2,
      /no such file/,
    ],
    // Said before the server is asked anything: raced with the connection, the server out of reach was said instead.
    ['an empty file to seed', ['--seed', EMPTY_FILE, '--server', 'http://127.0.0.1:1'], 2, /is empty/],
    ['a blank name', ['--name', '  ', 'K7M-Q3P', '--server', 'http://127.0.0.1:1'], 2, /leave --name out/],
    ['an unreachable server', ['K7M-Q3P', '--server', 'http://127.0.0.1:1'], 1, /cannot reach the signalling server/],
  ])('%s', async (_name, args, exitCode, message) => {
    const outcome = await runPeer(args);
    expect(outcome.exitCode).toBe(exitCode);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    // Nothing started: "hashing FILE …" came before a refusal of the file or of the server's address.
    expect(outcome.stdout).toBe('');
  });

  it('an unknown join code, on a real server', async () => {
    const outcome = await runPeer(['K7M-Q3P', '--server', server!.url]);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr.trim()).toBe(`error: no swarm has the join code K7M-Q3P on this server (it may have ended)`);
  });

  it('a swarm the server does not know', async () => {
    const outcome = await runPeer([`${server!.url}/#/swarm/${SWARM_ID}/${CONTENT_ID}`]);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr).toMatch(/this swarm is unknown or has ended/);
  });
});

it('a swarm a server that has just started does not know yet: waits for its members, then says it is unknown', async () => {
  // Long enough for tsx to start the peer inside it on a loaded machine (this test runs on its own).
  const young = await startSignallingServer({ limits: { memberGraceMs: 10_000 } });
  try {
    const outcome = await runPeer([`${young.url}/#/swarm/${SWARM_ID}/${CONTENT_ID}`], 30_000);
    expect(outcome.stdout).toMatch(/the signalling server has just restarted and does not know this swarm yet/);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.stderr.trim()).toBe(
      'error: this swarm is unknown or has ended (every peer left, or the server restarted)',
    );
  } finally {
    await young.close();
  }
});

describe('parseCliOptions', () => {
  it('reads a share link, a code and a file to seed (paths from the directory the command was typed in)', () => {
    const link = `http://192.168.1.10:8080/#/swarm/${SWARM_ID}/${CONTENT_ID}`;
    expect(parseCliOptions([link, '--out', 'copy.bin'], '/home/teacher').peer).toEqual({
      swarmLink: link,
      outFile: '/home/teacher/copy.bin',
    });
    expect(parseCliOptions(['k7m q3p', '--server', 'http://h:1'], '/').peer).toEqual({
      joinCode: 'K7MQ3P',
      serverUrl: 'http://h:1',
    });
    expect(parseCliOptions(['--seed', 'lecture.bin', '--server', 'http://h:1'], '/srv').peer).toEqual({
      seedFile: '/srv/lecture.bin',
      serverUrl: 'http://h:1',
    });
  });

  it('reads relative paths from where `pnpm peer` was typed, and from the process’s directory otherwise', () => {
    expect(commandDirectory({ npm_lifecycle_event: 'peer', INIT_CWD: '/home/teacher' }, '/repo')).toBe('/home/teacher');
    // The bin run by another package's script: that script's INIT_CWD is not where this command runs.
    expect(commandDirectory({ npm_lifecycle_event: 'test', INIT_CWD: '/home/teacher' }, '/repo/other')).toBe(
      '/repo/other',
    );
    expect(commandDirectory({}, '/srv')).toBe('/srv');
    // This package's own `start`, typed at the root with `--filter` (pnpm runs it in apps/peer).
    expect(
      commandDirectory(
        { npm_lifecycle_event: 'start', npm_package_name: '@swarmlab/peer', INIT_CWD: '/home/teacher' },
        '/repo/apps/peer',
      ),
    ).toBe('/home/teacher');
    expect(
      commandDirectory(
        { npm_lifecycle_event: 'start', npm_package_name: '@swarmlab/web', INIT_CWD: '/home/teacher' },
        '/repo/apps/web',
      ),
    ).toBe('/repo/apps/web');
  });

  it('refuses an option given twice or empty, naming it (the last one was taken, and `--out=` named the directory)', () => {
    const twice = (): unknown => parseCliOptions(['--seed', 'lecture.mp4', '--seed', 'exam.mp4'], '/home/t');
    expect(twice).toThrow(HeadlessPeerError);
    expect(twice).toThrow('--seed given twice ("lecture.mp4" and "exam.mp4"): give it once');
    expect(() => parseCliOptions(['K7MQ3P', '--server', 'http://a:1', '--server=http://b:1'])).toThrow(
      /--server given twice/,
    );
    expect(() => parseCliOptions(['K7MQ3P', '--server', 'http://h:1', '--out='])).toThrow('--out needs a value');
    expect(() => parseCliOptions(['K7MQ3P', '--server='])).toThrow('--server needs a value');
    // Two words that make a join code: the quotes were forgotten.
    expect(() => parseCliOptions(['K7M', 'Q3P', '--server', 'http://h:1'])).toThrow(
      'one swarm at a time: got 2 (a join code with a space needs quotes: "K7M Q3P")',
    );
    expect(() => parseCliOptions(['a', 'b', '--server', 'http://h:1'])).toThrow(/^one swarm at a time: got 2$/);
  });

  it('answers --help whatever else the line holds, but not a --help after `--`', () => {
    expect(parseCliOptions(['--help', '--nope']).help).toBe(true);
    expect(parseCliOptions(['--seed', 'a', '--seed', 'b', '-h']).help).toBe(true);
    expect(parseCliOptions(['--', 'K7MQ3P', '--help', '--nope']).help).toBe(true);
    expect(() => parseCliOptions(['--nope', '--', '--help'])).toThrow(/^unknown option --nope$/);
  });

  it('reads the arguments after the `--` pnpm passes through, and refuses options after a later one', () => {
    // `pnpm peer -- --seed f --server URL`: before, every option was a word ("one swarm at a time: got 4").
    expect(parseCliOptions(['--', '--seed', 'lecture.bin', '--server', 'http://h:1'], '/srv').peer).toEqual({
      seedFile: '/srv/lecture.bin',
      serverUrl: 'http://h:1',
    });
    expect(parseCliOptions(['--', '--help']).help).toBe(true);
    const after = (): unknown => parseCliOptions(['K7MQ3P', '--', '--server', 'http://h:1']);
    expect(after).toThrow(HeadlessPeerError);
    expect(after).toThrow(/^options after `--` are not read: drop the `--`$/);
    expect(() => parseCliOptions(['--', '--', '--seed', 'a'])).toThrow(/^options after `--` are not read/);
    // Words after it are still words.
    expect(parseCliOptions(['--server', 'http://h:1', '--', 'K7MQ3P']).peer).toEqual({
      joinCode: 'K7MQ3P',
      serverUrl: 'http://h:1',
    });
  });

  it('names an unknown option in its own words, not Node’s advice to put it after `--`', () => {
    expect(() => parseCliOptions(['--sed', 'lecture.bin'])).toThrow(/^unknown option --sed$/);
    expect(() => parseCliOptions(['K7MQ3P', '-x'])).toThrow(/^unknown option -x$/);
    expect(() => parseCliOptions(['--', 'K7MQ3P', '--outt=copy.bin'])).toThrow(/^unknown option --outt$/);
  });

  it('refuses an --out that names a directory (a missing one was written as a file of its name)', () => {
    for (const out of ['newdir/', 'videos/newdir/', '.', 'newdir/..']) {
      const refused = (): unknown => parseCliOptions(['K7MQ3P', '--server', 'http://h:1', '--out', out], '/home/t');
      expect(refused).toThrow(HeadlessPeerError);
      expect(refused).toThrow(/names a directory: give the file's name, e\.g\. /);
    }
    expect(() => parseCliOptions(['K7MQ3P', '--server', 'http://h:1', '--out', 'newdir/'])).toThrow(
      "--out newdir/ names a directory: give the file's name, e.g. newdir/copy.mp4",
    );
    expect(parseCliOptions(['K7MQ3P', '--server', 'http://h:1', '--out', 'newdir/copy.mp4'], '/home/t').peer).toEqual({
      joinCode: 'K7MQ3P',
      serverUrl: 'http://h:1',
      outFile: '/home/t/newdir/copy.mp4',
    });
  });

  it('refuses a seed and a swarm at once, and --out or --exit-when-done on a seeder', () => {
    expect(() => parseCliOptions(['--seed', 'a', 'K7MQ3P'])).toThrow(HeadlessPeerError);
    expect(() => parseCliOptions(['--seed', 'a', '--out', 'b'])).toThrow(/--out is for a leecher/);
    // A script waiting for a seeder to exit on its own would wait for ever.
    expect(() => parseCliOptions(['--seed', 'a', '--exit-when-done'])).toThrow(/--exit-when-done is for a leecher/);
  });
});
