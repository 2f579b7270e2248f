import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileBytes, pollUntil } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { afterEach, expect, it } from 'vitest';
import { startHeadlessCrowd, type HeadlessCrowd } from '../src/headless-crowd';
import { startHeadlessPeer, type HeadlessPeer } from '../src/headless-peer';

let server: TestSignallingServer | undefined;
let seeder: HeadlessPeer | undefined;
let crowd: HeadlessCrowd | undefined;
let dir: string | undefined;

afterEach(async () => {
  await crowd?.close();
  await seeder?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  [crowd, seeder, server, dir] = [undefined, undefined, undefined, undefined];
});

it('says why, once a crowd process ended, to a caller waiting for a run’s completions', async () => {
  server = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-crowd-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(300_000, 3));
  seeder = await startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath });
  crowd = await startHeadlessCrowd({ swarmLink: seeder.shareLink, count: 2, peersPerProcess: 1 });
  expect(crowd.completedRun(1)).toBeUndefined();
  // The OOM killer, say, takes one of its processes (found by its arguments: the swarm's link).
  const [pid] = execFileSync('pgrep', ['-f', `crowd-worker.ts ${seeder.shareLink} 1 1`], { encoding: 'utf8' })
    .trim()
    .split('\n');
  process.kill(Number(pid), 'SIGKILL');
  const running = crowd;
  await pollUntil(() => running.failures.length > 0, 'the crowd to see its process end', 10_000);
  expect(running.failures).toEqual(['a crowd process ended (SIGKILL)']);
  expect(() => running.completedRun(1)).toThrow('the crowd failed: a crowd process ended (SIGKILL)');
}, 30_000);

it('refuses a crowd of no peer, or processes of none: every peer of none had completed at once', async () => {
  for (const [count, peersPerProcess] of [
    [0, 1],
    [Number.NaN, 1],
    [-2, 1],
    [2.5, 1],
    [2, 0],
  ] as const)
    await expect(startHeadlessCrowd({ swarmLink: 'http://127.0.0.1:1/', count, peersPerProcess })).rejects.toThrow(
      RangeError,
    );
});

it('starts its processes from any directory: tsx was looked for from the caller’s', async () => {
  server = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-crowd-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(300_000, 3));
  seeder = await startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath });
  const before = process.cwd();
  process.chdir(dir);
  try {
    crowd = await startHeadlessCrowd({ swarmLink: seeder.shareLink, count: 1, peersPerProcess: 1 });
  } finally {
    process.chdir(before);
  }
  expect(crowd.peerIds).toHaveLength(1);
}, 30_000);

// What lets its processes start without a shell raising their limit of descriptors first: a process started under a
// soft limit of 256 (macOS's default) has its hard limit's all the same, as Node raises it at start-up.
it.skipIf(!existsSync('/proc/self/limits'))('runs Node, which raises its own soft limit of descriptors', () => {
  const limits = execFileSync(
    'sh',
    [
      '-c',
      "ulimit -Sn 256 && exec \"$0\" -p \"require('node:fs').readFileSync('/proc/self/limits', 'utf8')\"",
      process.execPath,
    ],
    { encoding: 'utf8' },
  );
  const [soft, hard] = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits)!.slice(1);
  expect(soft).toBe(hard);
});

it('rejects, saying why, when its process cannot be started, and closes what it started', async () => {
  const execPath = process.execPath;
  // The processes run this Node: with none there, the spawn fails as EAGAIN or EMFILE would, with an 'error' event.
  process.execPath = '/nonexistent/node';
  try {
    await expect(
      startHeadlessCrowd({ swarmLink: 'http://127.0.0.1:1/s/x', count: 1, peersPerProcess: 1 }),
    ).rejects.toThrow(/a crowd process could not start: .*ENOENT/);
  } finally {
    process.execPath = execPath;
  }
});

it('says why a peer of a process could not start, once the peers it started left the swarm (their places free)', async () => {
  // Room for the seeder and one leecher: the process's second peer is refused.
  server = await startSignallingServer({ limits: { maxPeersPerSwarm: 2 } });
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-crowd-'));
  const seedPath = join(dir, 'lecture.bin');
  await writeFile(seedPath, fileBytes(300_000, 3));
  seeder = await startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath });
  await expect(startHeadlessCrowd({ swarmLink: seeder.shareLink, count: 2, peersPerProcess: 2 })).rejects.toThrow(
    /This swarm is full/,
  );
  // The first peer left as its process ended: its place is free at once. Before, the process exited with it in the
  // swarm, which kept its place for its grace period, and this join was refused as full.
  const late = await startHeadlessPeer({ swarmLink: seeder.shareLink });
  await late.close();
}, 30_000);
