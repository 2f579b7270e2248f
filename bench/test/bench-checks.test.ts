import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_UNLISTED_PARTICIPANTS, type RunParticipant } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { intFlag, UsageError } from '../args';
import { median, medianOfMeasured, rateAtMedianTime } from '../stats';
import { rawReferenceOf } from '../raw-reference';
import { RawMeshFailure, withDeadline, type RawMeshRun } from '../raw-mesh';
import { capRateFlag } from '../rates';
import { receiverRate, type RawChannelResult } from '../raw-channel';
import { summariseRawRuns } from '../raw';
import { main as simMain, rowFailed } from '../sim';
import {
  checkClassroomRun,
  classroomBoundSec,
  classroomRunConfig,
  describeClassroom,
  parseClassroomArgs,
  step,
} from '../classroom';
import {
  browserCpuSecPerMiB,
  checkBackgroundTabsCanRun,
  checkRecord,
  secondsAfterStart,
  summarise,
  summaryTable,
  type RunResult,
} from '../swarm';
import { summariseMeshRuns } from '../mesh';
import { MAX_BENCH_LEECHERS, parseSwarmArgs } from '../swarm-options';
import { BenchFailure } from '../failure';
import { tabsOverTarget } from '../memory';

describe('bench swarm’s options', () => {
  it('read relative paths from where `pnpm bench` was typed, and from the process’s directory otherwise', () => {
    const typed = { npm_lifecycle_event: 'bench', INIT_CWD: '/repo/apps/web' };
    expect(parseSwarmArgs(['--static-dir', 'dist-copy', '--cpu-profile', 'prof'], typed, '/repo')).toMatchObject({
      staticDir: '/repo/apps/web/dist-copy',
      cpuProfileDir: '/repo/apps/web/prof',
    });
    // Another script's INIT_CWD is not where this command was typed.
    expect(
      parseSwarmArgs(['--static-dir', 'dist-copy'], { npm_lifecycle_event: 'test', INIT_CWD: '/elsewhere' }, '/repo'),
    ).toMatchObject({ staticDir: '/repo/dist-copy' });
  });

  it('refuse what the server or the run form would refuse only after the browser and the tabs were set up', () => {
    // The seeder is a member too: 64 leechers would not fit the server's 64 places.
    expect(MAX_BENCH_LEECHERS).toBe(63);
    expect(() => parseSwarmArgs(['--peers', '64'])).toThrow(UsageError);
    expect(parseSwarmArgs(['--peers', '63'])).toMatchObject({ peers: 63 });
    // Under the run form's 10 kB/s.
    expect(() => parseSwarmArgs(['--server-up', '5000'])).toThrow(/10kB\/s/);
    expect(parseSwarmArgs(['--server-up', '2MB/s'])).toMatchObject({ serverUpBytesPerSec: 2_000_000 });
    // One message gives the raw channel no time to measure.
    expect(() => parseSwarmArgs(['--raw-bytes', '32KiB'])).toThrow(UsageError);
    expect(parseSwarmArgs(['--raw-bytes', '0'])).toMatchObject({ rawBytes: 0 });
    expect(() => parseSwarmArgs(['--raw-bytes', '5GiB'])).toThrow(/--raw-bytes must be at most 4GiB/);
    expect(parseSwarmArgs(['--raw-bytes', '4GiB'])).toMatchObject({ rawBytes: 4 * 1024 ** 3 });
    // A shaped run measures no raw channel: its flags did nothing.
    expect(() => parseSwarmArgs(['--server-up', '2MB/s', '--raw-runs', '7'])).toThrow(/--raw-runs is for unshaped/);
    expect(() => parseSwarmArgs(['--server-up', '2MB/s', '--peer-down', '1MB/s', '--raw-bytes', '0'])).toThrow(
      /--raw-bytes is for unshaped/,
    );
    // The start page generates whole MiB: 20MB reached its field as 19.07…, which the form refused to submit.
    expect(() => parseSwarmArgs(['--file-bytes', '20MB'])).toThrow(/whole MiB/);
    expect(() => parseSwarmArgs(['--file-bytes', '2.5MB'])).toThrow(UsageError);
    expect(parseSwarmArgs(['--file-bytes', '16MiB'])).toMatchObject({ fileBytes: 16 * 1024 * 1024 });
  });

  it('refuse a leecher’s cap without the seeder’s: the run was shaped, yet had no bound and no raw reference', () => {
    for (const flag of ['--peer-up', '--peer-down'])
      expect(() => parseSwarmArgs([flag, '1MB/s'])).toThrow(`${flag} needs --server-up`);
    expect(() => parseSwarmArgs(['--peer-down', '1MB/s', '--mode', 'client-server'])).toThrow(UsageError);
    expect(parseSwarmArgs(['--server-up', '2MB/s', '--peer-up', '1MB/s', '--peer-down', '3MB/s'])).toMatchObject({
      serverUpBytesPerSec: 2_000_000,
      peerUpBytesPerSec: 1_000_000,
      peerDownBytesPerSec: 3_000_000,
    });
  });

  it('refuse a flag given twice (parseArgs kept the last without a word)', () => {
    expect(() => parseSwarmArgs(['--peers', '3', '--peers', '5'])).toThrow(/--peers is given twice/);
    expect(() => parseSwarmArgs(['--server-up', '1MB/s', '--server-up=5MB/s'])).toThrow(/--server-up is given twice/);
    expect(parseSwarmArgs(['-h'])).toBe('help');
  });

  it('say a negative value is out of range, in one line (it was node’s three lines on an "ambiguous" argument)', () => {
    expect(() => parseSwarmArgs(['--runs', '-1'])).toThrow('--runs must be a whole number from 1 to');
    let message = '';
    try {
      parseSwarmArgs(['--peers']);
    } catch (error) {
      message = error instanceof Error ? error.message : '';
    }
    // Node's own refusal, its first sentence only: the rest was advice for another command-line style.
    expect(message).toContain('--peers');
    expect(message).not.toMatch(/\n|\.$/);
  });

  it('take whole numbers in decimal digits only', () => {
    expect(intFlag('peers', ' 16 ', 4, 1, 63)).toBe(16);
    // Number() read these as 16 and 100 without a word.
    expect(() => intFlag('peers', '0x10', 4, 1, 63)).toThrow(UsageError);
    expect(() => intFlag('runs', '1e2', 3, 1, 100)).toThrow(UsageError);
    expect(() => intFlag('runs', '', 3, 1, 100)).toThrow(UsageError);
    expect(() => intFlag('runs', '-1', 3, 1, 100)).toThrow(UsageError);
  });
});

/** Raw-channel transfers of `countedBytes` after a first message of `messageBytes`, at each of `mbps` (10^6 B/s). */
function rawTransfers(countedBytes: number, ...mbps: number[]): RawChannelResult[] {
  const messageBytes = 32 * 1024;
  return mbps.map((rate) => {
    const seconds = countedBytes / (rate * 1e6);
    return {
      bytes: countedBytes + messageBytes,
      messageBytes,
      messages: 0,
      bytesPerSec: rate * 1e6,
      seconds,
      fromStartSeconds: seconds + 0.01,
      fromStartBytesPerSec: (countedBytes + messageBytes) / (seconds + 0.01),
      queueSeconds: 0,
      connectSeconds: 0.2,
      maxMessageBytes: 262_144,
      packetsSent: 1000,
      packetsDiscardedOnSend: 0,
    };
  });
}

describe('the raw reference of bench swarm', () => {
  it('is the settled connection’s transfers, not the fresh first one', () => {
    // The first transfer on a fresh connection lost packets early and stalled; the median of fresh transfers was
    // the reference, and the ratio followed its luck.
    const reference = rawReferenceOf(rawTransfers(60e6, 12, 30, 31, 29));
    expect(reference.bytesPerSec).toBeCloseTo(30e6, 0);
    expect(reference.freshBytesPerSec).toBe(12e6);
    expect(rawReferenceOf(rawTransfers(60e6, 12))).toEqual({ bytesPerSec: 12e6, freshBytesPerSec: 12e6 });
    expect(() => rawReferenceOf([])).toThrow(RangeError);
  });

  it('is the bytes over the settled transfers’ median time, not the median of their rates (15 against 13.33)', () => {
    // 60 MB at 10 and 20 MB/s: 6 s and 3 s, a median of 4.5 s.
    const reference = rawReferenceOf(rawTransfers(60e6, 12, 10, 20));
    expect(reference.bytesPerSec).toBeCloseTo(60e6 / 4.5, 0);
    expect(reference.freshBytesPerSec).toBe(12e6);
  });
});

describe('bench raw’s medians', () => {
  it('are the bytes over the median time, for both rates, as --runs 2 prints them', () => {
    const summary = summariseRawRuns(
      rawTransfers(60e6, 10, 20).map((run) => ({ ...run, browserCores: 1, otherCores: 0, receiverAnon: undefined })),
    );
    expect(summary.seconds).toBeCloseTo(4.5, 9);
    expect(summary.bytesPerSec).toBeCloseTo(60e6 / 4.5, 0);
    expect(summary.fromStartSeconds).toBeCloseTo(4.51, 9);
    expect(summary.fromStartBytesPerSec).toBeCloseTo((60e6 + 32 * 1024) / 4.51, 0);
  });
});

describe('the benchmarks’ link caps (bench swarm, bench classroom)', () => {
  it('are bytes per second, and bit units are refused rather than read as bytes', () => {
    expect(capRateFlag('server-up', '2MB/s')).toBe(2_000_000);
    expect(capRateFlag('server-up', undefined)).toBeUndefined();
    // bench classroom's "--server-up-kbps 2000" was kB/s: read as kbps, as the name says, eight times the rate.
    expect(() => capRateFlag('server-up', '2Mbps')).toThrow(UsageError);
    expect(() => capRateFlag('server-up', '1kB/s')).toThrow(/10kB\/s/);
  });
});

describe('a run bench swarm measured', () => {
  const options = { fileBytes: 32 * 1024 * 1024, mode: 'p2p' as const, peers: 8 };
  const record = {
    runNumber: 3,
    fileBytes: options.fileBytes,
    mode: 'p2p' as const,
    leechers: 8,
    abandonedLeechers: 0,
    distributionSec: 21.5,
  };

  it('counts only when every configured leecher was counted to the end', () => {
    expect(checkRecord(record, options)).toBe(21.5);
    // A stopped run is kept with no time: it measured none.
    expect(() => checkRecord({ ...record, phase: 'stopped', distributionSec: null }, options)).toThrow(
      /did not finish/,
    );
    // Before, a warning on stderr, and the run joined the medians with 8 leechers' bound and goodput.
    expect(() => checkRecord({ ...record, leechers: 7 }, options)).toThrow(BenchFailure);
    expect(() => checkRecord({ ...record, abandonedLeechers: 1 }, options)).toThrow(/1 abandoned/);
    expect(() => checkRecord({ ...record, mode: 'client-server' }, options)).toThrow(/not the run configured/);
  });
});

describe('bench swarm’s --timeline', () => {
  it('times its samples from the server’s start of the run, as the completions are, not from when a poll saw it', () => {
    const startedAtMs = Date.parse('2026-12-04T10:00:00.000Z');
    // The bench's poll first saw the run 0.3 s in: its samples read 0.3 s early beside the completions.
    expect(
      secondsAfterStart([startedAtMs + 300, startedAtMs + 800, startedAtMs + 1_450], '2026-12-04T10:00:00.000Z'),
    ).toEqual([0.3, 0.8, 1.45]);
    expect(secondsAfterStart([startedAtMs], 'not a date')).toEqual([Number.NaN]);
  });
});

describe('bench swarm’s CPU per MiB', () => {
  it('is the browser’s CPU-seconds over the window per MiB delivered', () => {
    // 1.5 cores for 8 s over 4 leechers × 32 MiB.
    expect(browserCpuSecPerMiB({ browser: 1.5, wallSec: 8 }, 4 * 32 * 1024 * 1024)).toBeCloseTo(12 / 128, 12);
    expect(browserCpuSecPerMiB({ browser: undefined, wallSec: 8 }, 1024 * 1024)).toBeNaN();
  });
});

describe('--peer-up in client-server mode, where leechers upload nothing', () => {
  it('is refused by bench swarm, as --raw-* on a shaped run is: it was taken and changed nothing', () => {
    expect(() => parseSwarmArgs(['--mode', 'client-server', '--server-up', '2MB/s', '--peer-up', '1MB/s'])).toThrow(
      new UsageError('--peer-up is for p2p runs: in client-server mode the leechers upload nothing'),
    );
    expect(parseSwarmArgs(['--mode', 'client-server', '--server-up', '2MB/s', '--peer-down', '1MB/s'])).toMatchObject({
      mode: 'client-server',
      peerUpBytesPerSec: undefined,
      peerDownBytesPerSec: 1_000_000,
    });
    expect(parseSwarmArgs(['--server-up', '2MB/s', '--peer-up', '1MB/s'])).toMatchObject({
      peerUpBytesPerSec: 1_000_000,
    });
  });

  it('is refused by bench classroom, whose default u_i is left out of its line and its run', () => {
    expect(() => parseClassroomArgs(['--mode', 'client-server', '--peer-up', '1MB/s'])).toThrow(UsageError);
    const options = parseClassroomArgs(['--mode', 'client-server', '--peers', '5', '--file-mib', '4']);
    if (options === 'help') throw new Error('not help');
    expect(options.peerUpBytesPerSec).toBeNull();
    expect(classroomRunConfig(options)).toMatchObject({ mode: 'client-server', peerUploadBytesPerSec: null });
    // D_cs = N·F / u_s: 4 leechers × 4 MiB at 2 MB/s.
    expect(classroomBoundSec(options)).toBeCloseTo((4 * 4 * 1024 * 1024) / 2e6, 9);
    expect(describeClassroom(options, 8.39)).toBe(
      'classroom: 5 headless peers (1 seeder), 4 MiB, u_s 2 MB/s, client-server; bound 8.39 s',
    );
    // In p2p the default u_i stands, and is said.
    const p2p = parseClassroomArgs(['--peers', '5']);
    if (p2p === 'help') throw new Error('not help');
    expect(classroomRunConfig(p2p)).toMatchObject({ mode: 'p2p', peerUploadBytesPerSec: 1e6 });
    expect(describeClassroom(p2p, 8.39)).toContain('u_s 2 MB/s, u_i 1 MB/s, p2p;');
  });
});

describe('bench classroom’s run', () => {
  it('is the class’s only when every leecher counted to the end: none flagged, none abandoned', () => {
    const leecher = (peerId: string): RunParticipant => ({
      peerId,
      role: 'leecher',
      settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      completedAfterMs: 9000,
      uploadedBytes: 0,
      downloadedBytes: 0,
      present: true,
      leftRun: false,
      flagged: null,
      witnessedBytes: 0,
      peakUploadBytesPerSec: 0,
      corroborated: true,
      tookPartAfterMs: 0,
    });
    const participants = ['a', 'b', 'c'].map(leecher);
    const run = {
      runNumber: 1,
      phase: 'finished' as const,
      distributionMs: 9000,
      participants,
      unlisted: NO_UNLISTED_PARTICIPANTS,
      abandonedLeechers: 0,
    };
    expect(checkClassroomRun(run, 3)).toBe(9000);
    // A leecher the server no longer lists (it left, past the most departed participants kept) still counted.
    const unlisted = { ...NO_UNLISTED_PARTICIPANTS, leechers: 1 };
    expect(checkClassroomRun({ ...run, participants: participants.slice(0, 2), unlisted }, 3)).toBe(9000);
    expect(() => checkClassroomRun({ ...run, participants: participants.slice(0, 2) }, 3)).toThrow(/counted 2 of 3/);
    // The server finishes a run once every leecher it did not flag completed: the benchmark set the other two's time
    // against three leechers' bound.
    const flagged = { ...participants[2]!, flagged: { reason: 'faster than its caps', refusedReports: 1 } };
    expect(() => checkClassroomRun({ ...run, participants: [participants[0]!, participants[1]!, flagged] }, 3)).toThrow(
      /counted 2 of 3 leechers .*c \(faster than its caps\)/,
    );
    expect(() => checkClassroomRun({ ...run, abandonedLeechers: 1 }, 3)).toThrow(BenchFailure);
    expect(() => checkClassroomRun({ ...run, phase: 'stopped', distributionMs: null }, 3)).toThrow(/ended stopped/);
  });
});

describe('the raw channel’s rate', () => {
  it('counts the bytes after the first message, which arrived before its clock started', () => {
    const kib = 1024;
    // Four 256 KiB messages, 0.3 s from the first to the last: three messages' worth in that time.
    expect(receiverRate(4 * 256 * kib, 256 * kib, 0.3)).toBeCloseTo((3 * 256 * kib) / 0.3, 6);
    expect(receiverRate(1, 1, 0)).toBeNaN();
  });
});

describe('bench sim’s exit status', () => {
  it('fails on a scenario that did not complete or whose files differ', () => {
    expect(rowFailed({ distributionSec: 12.5, allFilesIntact: true })).toBe(false);
    expect(rowFailed({ distributionSec: undefined, allFilesIntact: true })).toBe(true);
    expect(rowFailed({ distributionSec: 12.5, allFilesIntact: false })).toBe(true);
  });

  it('refuses a --max-peers no scenario fits: it ran nothing and exited 0', async () => {
    await expect(simMain(['--max-peers', '1'])).rejects.toThrow(UsageError);
  });
});

describe('bench mesh’s set-up', () => {
  it('gives up on a pair that never connects, naming it', async () => {
    // A pair whose ICE failed never opened its channel, nor closed it: the set-up waited for ever.
    await expect(withDeadline(new Promise<void>(() => {}), 50, 2, 5)).rejects.toThrow(
      new RawMeshFailure('page 2 and page 5 not connected after 0.05 s'),
    );
    await expect(withDeadline(Promise.reject(new Error('connection to page 5 failed')), 50, 2, 5)).rejects.toThrow(
      RawMeshFailure,
    );
    await expect(withDeadline(Promise.resolve(), 50, 2, 5)).resolves.toBeUndefined();
  });
});

describe('the benchmarks’ median', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('is NaN for any NaN among the values, whatever their order (sorting with one depended on it)', () => {
    expect(median([Number.NaN, 0.11, 0.09])).toBeNaN();
    expect(median([0.11, 0.09, Number.NaN])).toBeNaN();
    expect(median([3, Number.NaN, 1])).toBeNaN();
  });

  it('of what the runs measured leaves out a run that measured nothing, rather than blank the figure', () => {
    expect(medianOfMeasured([1.2, undefined, 1.4, Number.NaN, null])).toBeCloseTo(1.3);
    expect(medianOfMeasured([undefined, Number.NaN])).toBeNaN();
  });
});

describe('the goodput beside a median time', () => {
  const deliveredBytes = 100e6;
  const swarmRun = (distributionSec: number): RunResult => ({
    runNumber: 1,
    distributionSec,
    boundSec: null,
    ratio: null,
    uiBoundSec: null,
    uiRatio: null,
    uiBoundEstimated: true,
    seederUploadShare: 0.5,
    goodputBytesPerSec: deliveredBytes / distributionSec,
    completedAfterSec: [distributionSec],
    cores: { browser: 1, browserByThread: [], node: 0.1, other: 0, wallSec: distributionSec },
    browserCpuSecPerMiB: 0.1,
    browserCpuSecPerMiBToChecked: 0.1,
    udp: undefined,
    timelinesMB: [],
    timelineAtSec: [],
    profiles: [],
  });

  it('is N·F over the median time, not the median of the runs’ goodputs (7.5 MB/s beside a 15 s median)', () => {
    expect(rateAtMedianTime(deliveredBytes, [10, 20])).toBeCloseTo(deliveredBytes / 15);
    const raw = { bytesPerSec: 5e6, freshBytesPerSec: 4e6 };
    const summary = summarise({ results: [swarmRun(10), swarmRun(20)], raw }, deliveredBytes);
    expect(summary.distributionSec).toBe(15);
    expect(summary.goodputBytesPerSec).toBeCloseTo(deliveredBytes / 15);
    expect(summary.goodputOverRaw).toBeCloseTo(deliveredBytes / 15 / 5e6);
    expect(summary.goodputOverRawFresh).toBeCloseTo(deliveredBytes / 15 / 4e6);
  });

  it('sits in a medians table that has the UI’s estimate where no cap sets a bound, as each run’s line has', () => {
    const summary = summarise({ results: [swarmRun(10), swarmRun(20)], raw: undefined }, deliveredBytes);
    const estimated = { ...summary, uiBoundSec: 12.3456, uiRatio: 1.2151 };
    const unshaped = parseSwarmArgs([]);
    if (unshaped === 'help') throw new Error('not help');
    const lines = summaryTable(unshaped, [['visible', estimated]]).split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^bound D_p2p \(s\) +—$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^UI’s estimate of D_p2p from measured peak rates \(s\) +12\.346$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ratio distribution \/ UI’s estimate +1\.215$/));
    // A cap on u_s but none on u_i sets no D_p2p either.
    const seederCapped = parseSwarmArgs(['--server-up', '2MB/s']);
    if (seederCapped === 'help') throw new Error('not help');
    expect(summaryTable(seederCapped, [['visible', estimated]])).toContain('UI’s estimate of D_p2p');
    // A configured bound is the row; the UI's is only compared with it (a warning if they differ).
    const shaped = parseSwarmArgs(['--server-up', '2MB/s', '--peer-up', '1MB/s']);
    if (shaped === 'help') throw new Error('not help');
    expect(summaryTable(shaped, [['visible', estimated]])).not.toContain('UI’s estimate');
  });

  it('in bench mesh is a run’s bytes over the median run’s time, as its default two warm runs print it', () => {
    const meshRun = (seconds: number): RawMeshRun => ({
      bytes: deliveredBytes,
      seconds,
      bytesPerSec: deliveredBytes / seconds,
      cores: { browser: 1.5, browserByThread: [], node: 0.1, other: 0, wallSec: seconds },
      udp: undefined,
      packetsSent: 1000,
      packetsDiscardedOnSend: 0,
    });
    const summary = summariseMeshRuns([meshRun(10), meshRun(20)], deliveredBytes);
    expect(summary.seconds).toBe(15);
    expect(summary.bytesPerSec).toBeCloseTo(deliveredBytes / 15);
  });
});

describe('bench classroom’s steps', () => {
  it('turn a failure into a BenchFailure that names the step, printed without a stack trace', async () => {
    await expect(
      step('the teacher’s run:start', () => Promise.reject(new Error('operation has timed out'))),
    ).rejects.toThrow(new BenchFailure('the teacher’s run:start failed: operation has timed out'));
    const own = new BenchFailure('the crowd failed: peer 3 exited');
    await expect(step('starting the crowd', () => Promise.reject(own))).rejects.toBe(own);
    await expect(step('starting the seeder', async () => 7)).resolves.toBe(7);
  });
});

describe('bench swarm’s checks before it runs', () => {
  it('refuses a --cpu-profile it cannot write to: found after the first run, that run’s figures were lost', () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-bench-checks-'));
    try {
      const file = join(dir, 'a-file');
      writeFileSync(file, '');
      expect(() => parseSwarmArgs(['--cpu-profile', file])).toThrow(UsageError);
      expect(() => parseSwarmArgs(['--cpu-profile', join(file, 'under-a-file')])).toThrow(/cannot write profiles/);
      const made = join(dir, 'profiles', 'run-1');
      const parsed = parseSwarmArgs(['--cpu-profile', made]);
      expect(parsed !== 'help' && parsed.cpuProfileDir).toBe(made);
      // Made as the first profile is saved, not as the options are read: a run refused later leaves nothing.
      expect(existsSync(join(dir, 'profiles'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what --background-tabs lacks before the visible runs', () => {
    expect(() => checkBackgroundTabsCanRun(undefined, () => true)).toThrow(/system Chromium/);
    expect(() => checkBackgroundTabsCanRun('/usr/bin/chromium', () => false)).toThrow(
      new BenchFailure('--background-tabs needs Xvfb, for a headed window (apt-get install xvfb)'),
    );
    expect(() => checkBackgroundTabsCanRun('/usr/bin/chromium', () => true)).not.toThrow();
  });
});

describe('bench memory’s verdict', () => {
  it('names a tab over the RSS target in any run, not only one whose median peak is over it', () => {
    const mib = 1024 * 1024;
    const run = (seederMib: number) => ({
      fileMib: 256,
      tabs: [
        { name: 'seeder', peakRssBytes: seederMib * mib },
        { name: 'leecher 1', peakRssBytes: 200 * mib },
        { name: 'browser process', peakRssBytes: 900 * mib },
      ],
    });
    // Peaks of 280, 290 and 345 MiB: their median, 290, is within 300.
    expect(tabsOverTarget([[run(280), run(290), run(345)]], 300 * mib)).toEqual(['seeder @256 MiB (run 3: 345 MiB)']);
    expect(tabsOverTarget([[run(280), run(290)]], 300 * mib)).toEqual([]);
  });
});
