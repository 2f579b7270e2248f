// `pnpm bench classroom --peers 40`: a classroom-sized swarm (#11). Forty Chromium pages do not fit on two
// cores, so every peer is a headless one (the same engine in Node over @roamhq/wrtc, `apps/peer`): the seeder
// in this process, the leechers in a headless crowd (five per process), against the real server in a process
// of its own; a shaped p2p run, its ratio to D_p2p, and what the
// server spent on it: CPU seconds and resident memory, read from /proc.
import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHeadlessCrowd, startHeadlessPeer, type HeadlessCrowd, type HeadlessPeer } from '@swarmlab/peer';
import type { ClientToServerEvents, RunConfig, RunState, ServerToClientEvents, SwarmMode } from '@swarmlab/protocol';
import { fileBytes } from '@swarmlab/test-kit';
import { startServerProcess, type ServerProcess } from '@swarmlab/test-kit/server';
import { DEFAULT_LIMITS } from '@swarmlab/server';
import { clientServerBoundSec, p2pBoundSec } from '@swarmlab/theory';
import { io, type Socket } from 'socket.io-client';
import { intFlag, parseFlags, UsageError } from './args';
import { capRateFlag } from './rates';
import { BenchFailure, sleep } from './failure';
import { residentBytes } from './renderer-memory';
import { fixed, table } from './stats';
import { processCpuSeconds } from './proc-cpu';

export const USAGE = `usage: npx pnpm@12.4.2 bench classroom [--peers 40] [--file-mib 4] [--server-up 2MB/s] [--peer-up 1MB/s] [--mode p2p]
  One headless seeder and N-1 headless leechers (apps/peer, @roamhq/wrtc; five per process), the real signalling
  server in a process of its own; a shaped p2p run started from a screen holding the control secret. Prints the
  measured distribution time against D_p2p (ratio), and the server's CPU seconds, mean cores and peak RSS
  during the run. Rates in bytes per second (2MB/s, 500kB/s; bit units such as 2Mbps are refused with their
  byte figure). --peer-up is for p2p (--mode client-server refuses it: the leechers upload nothing). --peers at most ${DEFAULT_LIMITS.maxPeersPerAddressInSwarm}: every peer is on 127.0.0.1, and the server seats that many of
  one address in a swarm.`;

const MIB = 1024 * 1024;

/** A free TCP port on loopback, for the server process. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Waits until `read` gives a value, polling; fails the benchmark after `timeoutMs`. */
async function until<T>(read: () => T | undefined | false, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new BenchFailure(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A class as its flags configure it. */
export interface ClassroomOptions {
  readonly peerCount: number;
  readonly fileMib: number;
  readonly mode: SwarmMode;
  readonly serverUpBytesPerSec: number;
  /** u_i; null in client-server mode, where the leechers upload nothing. */
  readonly peerUpBytesPerSec: number | null;
}

/** The flags as a class; `'help'` for `--help`. */
export function parseClassroomArgs(argv: readonly string[]): ClassroomOptions | 'help' {
  const flags = parseFlags(argv, {
    peers: { type: 'string' },
    'file-mib': { type: 'string' },
    'server-up': { type: 'string' },
    'peer-up': { type: 'string' },
    mode: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) return 'help';
  const mode = flags.mode ?? 'p2p';
  if (mode !== 'p2p' && mode !== 'client-server') throw new UsageError('--mode is p2p or client-server');
  // Leechers upload nothing in client-server mode: u_i was taken, printed and changed nothing (found by review).
  if (mode === 'client-server' && flags['peer-up'] !== undefined)
    throw new UsageError('--peer-up is for p2p runs: in client-server mode the leechers upload nothing');
  return {
    peerCount: intFlag('peers', flags.peers, 40, 2, DEFAULT_LIMITS.maxPeersPerAddressInSwarm),
    fileMib: intFlag('file-mib', flags['file-mib'], 4, 1, 1024),
    mode,
    serverUpBytesPerSec: capRateFlag('server-up', flags['server-up']) ?? 2e6,
    peerUpBytesPerSec: mode === 'p2p' ? (capRateFlag('peer-up', flags['peer-up']) ?? 1e6) : null,
  };
}

/** The run `options` configure, as the teacher's screen starts it. */
export function classroomRunConfig(options: ClassroomOptions): RunConfig {
  return {
    mode: options.mode,
    seederUploadBytesPerSec: options.serverUpBytesPerSec,
    peerUploadBytesPerSec: options.peerUpBytesPerSec,
    peerDownloadBytesPerSec: null,
    leaveOnComplete: false,
  };
}

/** The seed's bound for the class: D_p2p, or D_cs in client-server mode. */
export function classroomBoundSec(options: ClassroomOptions): number {
  const leecherCount = options.peerCount - 1;
  const input = {
    peerCount: leecherCount,
    fileBytes: options.fileMib * MIB,
    serverUploadBytesPerSec: options.serverUpBytesPerSec,
    peerDownloadBytesPerSec: Array.from({ length: leecherCount }, () => Infinity),
  };
  const peerUpBytesPerSec = options.peerUpBytesPerSec;
  return peerUpBytesPerSec === null
    ? clientServerBoundSec(input)
    : p2pBoundSec({ ...input, peerUploadBytesPerSec: Array.from({ length: leecherCount }, () => peerUpBytesPerSec) });
}

/** The line that opens the output: the class, its caps (no u_i in client-server mode) and its bound. */
export function describeClassroom(options: ClassroomOptions, boundSec: number): string {
  const peerUp = options.peerUpBytesPerSec === null ? '' : `u_i ${options.peerUpBytesPerSec / 1e6} MB/s, `;
  return (
    `classroom: ${options.peerCount} headless peers (1 seeder), ${options.fileMib} MiB, ` +
    `u_s ${options.serverUpBytesPerSec / 1e6} MB/s, ${peerUp}${options.mode}; bound ${fixed(boundSec, 2)} s`
  );
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = parseClassroomArgs(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { peerCount, fileMib, mode } = options;
  const leecherCount = peerCount - 1;
  const config = classroomRunConfig(options);
  const boundSec = classroomBoundSec(options);
  console.log(describeClassroom(options, boundSec));

  // The seed file (up to a gigabyte) goes on the way out too: Ctrl-C ends the process (tsx exits at once) without
  // running the `finally` below, and every interrupted run left its file in the temporary directory (found by review).
  let dir: string | undefined;
  const removeDir = (): void => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', removeDir);
  // A closed terminal's SIGHUP ends the process without its 'exit' (tsx passes on only SIGINT and SIGTERM): exit, so
  // that the file goes then too.
  const hangUp = (): never => process.exit(128 + 1);
  process.once('SIGHUP', hangUp);
  let server: ServerProcess | undefined;
  let seeder: HeadlessPeer | undefined;
  let crowd: HeadlessCrowd | undefined;
  // The teacher's screen: it holds the control secret and starts the run.
  let teacher: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'swarmlab-classroom-'));
    const port = await freePort();
    const signalling = await step('starting the signalling server', () => startServerProcess({ port, quiet: true }));
    server = signalling;
    teacher = io(signalling.origin, { transports: ['websocket'] });
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, fileBytes(fileMib * MIB, 11));
    const origin = signalling.origin;
    seeder = await step('starting the seeder', () =>
      startHeadlessPeer({ serverUrl: origin, seedFile: seedPath, runConfig: config }),
    );
    const seed = seeder;
    // Joining one after another, as a class does: each newcomer connects to those already there.
    crowd = await step('starting the crowd', () =>
      startHeadlessCrowd({ swarmLink: seed.shareLink, count: leecherCount }),
    );
    const leechers = crowd;
    // A crowd process or peer that failed ends the benchmark with its reason, not a time-out later.
    const crowdFailed = (): void => {
      if (leechers.failures.length > 0) throw new BenchFailure(`the crowd failed: ${leechers.failures.join('; ')}`);
    };
    await until(
      () => {
        crowdFailed();
        return seed.swarmProgress?.peers.length === peerCount;
      },
      'every peer in the table',
      60_000,
    );
    // The mesh settles: the seeder's connections stop changing for two seconds.
    let settled = -1;
    let stableSince = Date.now();
    await until(
      () => {
        if (seed.connectedPeers !== settled) [settled, stableSince] = [seed.connectedPeers, Date.now()];
        return Date.now() - stableSince > 2000;
      },
      'the mesh to settle',
      120_000,
    );
    console.log(`mesh: the seeder has ${seed.connectedPeers} WebRTC connections`);

    const screen = teacher;
    const watched = await step('the teacher’s swarm:watch', () =>
      screen.timeout(10_000).emitWithAck('swarm:watch', { swarmId: seed.swarmId, control: seed.controlSecret! }),
    );
    if (!watched.ok) throw new BenchFailure(`the teacher's screen was refused: ${watched.error.message}`);
    const cpuBefore = processCpuSeconds(signalling.pid);
    const startedAtMs = performance.now();
    let peakRssBytes = residentBytes(signalling.pid)?.nowBytes ?? 0;
    const started = await step('the teacher’s run:start', () =>
      screen.timeout(10_000).emitWithAck('run:start', { config }),
    );
    if (!started.ok) throw new BenchFailure(`run refused: ${started.error.message}`);
    const finished = await until(
      () => {
        crowdFailed();
        peakRssBytes = Math.max(peakRssBytes, residentBytes(signalling.pid)?.nowBytes ?? 0);
        const run: RunState | null | undefined = seed.swarmProgress?.run;
        return run && run.runNumber === started.runNumber && run.phase !== 'running' ? run : undefined;
      },
      'the run to finish',
      // Three times the bound and a minute, at least ten minutes: a gigabyte at the default caps takes 17.
      Math.max(600, 3 * boundSec + 60) * 1000,
    );
    const wallSec = (performance.now() - startedAtMs) / 1000;
    const cpuSec = (processCpuSeconds(signalling.pid) ?? Number.NaN) - (cpuBefore ?? Number.NaN);
    const distributionMs = checkClassroomRun(finished, leecherCount);
    const hashes = await step('reading every leecher’s SHA-256', () =>
      until(() => leechers.completedRun(started.runNumber), 'every leecher’s SHA-256', 60_000),
    );
    const wrong = [...hashes.values()].filter((hash) => hash !== seed.fileSha256).length;
    if (wrong > 0) throw new BenchFailure(`${wrong} leechers ended with other bytes than the seeder's`);
    const measuredSec = distributionMs / 1000;
    console.log(
      table([
        ['figure', 'value'],
        ['leechers completed (SHA-256 = seeder’s)', String(leecherCount)],
        [`${mode === 'p2p' ? 'D_p2p' : 'D_cs'} (s)`, fixed(boundSec, 2)],
        ['measured (s)', fixed(measuredSec, 2)],
        [`measured / ${mode === 'p2p' ? 'D_p2p' : 'D_cs'}`, fixed(measuredSec / boundSec, 3)],
        ['server CPU during the run (s)', fixed(cpuSec, 2)],
        ['server mean cores during the run', fixed(cpuSec / wallSec, 3)],
        ['server peak RSS (MiB)', fixed(peakRssBytes / MIB, 0)],
      ]),
    );
    return 0;
  } finally {
    teacher?.disconnect();
    await crowd?.close();
    await seeder?.close().catch(() => undefined);
    await server?.kill();
    process.off('exit', removeDir);
    process.off('SIGHUP', hangUp);
    removeDir();
  }
}

/**
 * `task`, its failure a `BenchFailure` naming the step (the CLI prints a failure's message alone): a crowd that
 * failed, a seeder that could not reach the server or an unanswered request printed a stack trace, one of them
 * only socket.io's "operation has timed out" (found by review).
 */
export async function step<T>(what: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    if (error instanceof BenchFailure) throw error;
    throw new BenchFailure(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The run's distribution time, if it is the configured class's: finished, with every one of `leecherCount` leechers
 * counted to the end. The server ends a run once every leecher it did not flag has completed, so a run that finished
 * on fewer (one flagged, or abandoned) is not that class's: its time set against their bound would be wrong.
 */
export function checkClassroomRun(
  run: Pick<RunState, 'runNumber' | 'phase' | 'distributionMs' | 'participants' | 'unlisted' | 'abandonedLeechers'>,
  leecherCount: number,
): number {
  if (run.phase !== 'finished' || run.distributionMs === null)
    throw new BenchFailure(`run ${run.runNumber} ended ${run.phase}, not finished`);
  const leechers = run.participants.filter((participant) => participant.role === 'leecher');
  const flagged = leechers.filter((participant) => participant.flagged !== null);
  // Past the most departed participants the server keeps, completed leechers that left count unlisted.
  const counted = leechers.length - flagged.length + run.unlisted.leechers;
  if (counted !== leecherCount || run.abandonedLeechers > 0)
    throw new BenchFailure(
      `run ${run.runNumber} counted ${counted} of ${leecherCount} leechers (${run.abandonedLeechers} abandoned` +
        (flagged.length > 0
          ? `; flagged: ${flagged.map((participant) => `${participant.peerId} (${participant.flagged!.reason})`).join(', ')}`
          : '') +
        `): its time is not the class's`,
    );
  return run.distributionMs;
}
