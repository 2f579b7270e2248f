import {
  DEFAULT_RUN_CONFIG,
  resolvePeerSettings,
  type ProgressReport,
  type ResumedRun,
  type RunConfig,
  type RunParticipant,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { memberKeyDigestOf } from '../src/control-secret';
import { createSwarmRuns, WITNESS_REPORT_LAG_MS, type RunMember } from '../src/swarm-runs';
import {
  joinTab,
  latestProgress,
  leeching,
  complete,
  seedTab,
  serverPerTest,
  vouching,
  WAIT_MS,
  type Tab,
  type TypedClient,
} from './harness';

/**
 * A completion a member made while its socket was down: the report saying so was lost (or refused, sent before its
 * resume was answered), and its resume's account of the run says when it completed. A place kept for it takes that
 * time, within what the server knows of it; timed as the resume came, a 20 s Wi-Fi roam was added to the run's time.
 */

/** Long, so that no member is given up while a test moves the hand clock (the grace timer runs in real time). */
const LONG_GRACE_MS = 30_000;
/** When the runs here start, on the hand clock. */
const RUN_START_MS = 1000;

/** Drops the client's connection as a network would (the server sees its transport close, not a leave). */
function dropConnection(client: TypedClient): void {
  client.io.engine.close();
}

/** Run 1 as a leecher's tab knows it, `completedAfterMs` since the run's start on its clock (null: not completed). */
function runAsKnown(elapsedMs: number, completedAfterMs: number | null): ResumedRun {
  return {
    runNumber: 1,
    config: DEFAULT_RUN_CONFIG,
    settings: resolvePeerSettings(DEFAULT_RUN_CONFIG, {}, 'leecher'),
    elapsedMs,
    completedAfterMs,
    participants: [],
  };
}

/** What leecher `tab` sends on its new connection to take its place back, with its account of run 1. */
function resumeOf(tab: Tab, run: ResumedRun): SwarmResumeRequest {
  return { swarmId: tab.swarmId, peerId: tab.peerId, memberKey: tab.memberKey, seal: tab.seal, role: 'leecher', run };
}

describe('a completion made while its tab’s socket was down, told as its place is taken back', () => {
  const server = serverPerTest();
  const { clock } = server;

  /**
   * Run 1 of a seeder and `leecher`, started at `RUN_START_MS`: the leecher reports it has one chunk 500 ms in, then
   * its socket drops; the seeder reports, 4 s in, it sent the leecher the whole file (its witness).
   */
  const droppedLeecher = async () => {
    const harness = await server.start({
      limits: { memberGraceMs: LONG_GRACE_MS, progressBroadcastIntervalMs: 10 },
    });
    const seeder = await seedTab(harness);
    const leecher = await joinTab(harness, seeder.swarmId);
    clock.nowMs = RUN_START_MS;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    const send = async (client: TypedClient, report: ProgressReport, atMs: number): Promise<void> => {
      clock.nowMs = atMs;
      expect(await client.timeout(WAIT_MS).emitWithAck('progress:report', report)).toEqual({ ok: true });
    };
    await send(leecher.client, leeching(1), RUN_START_MS + 500);
    dropConnection(leecher.client);
    await latestProgress(seeder.received, (table) => table.peers[1]?.away === true, 'the leecher is shown away');
    await send(seeder.client, vouching(1, [leecher]), RUN_START_MS + 4000);
    /** The leecher back at `atMs` saying it completed `completedAfterMs` into the run: the table after it. */
    const resumeAt = async (atMs: number, completedAfterMs: number | null) => {
      const back = await harness.connect();
      const seen = seeder.received.progress.length;
      clock.nowMs = atMs;
      const resumed = await back
        .timeout(WAIT_MS)
        .emitWithAck('swarm:resume', resumeOf(leecher, runAsKnown(atMs - RUN_START_MS, completedAfterMs)));
      expect(resumed).toMatchObject({ ok: true, placeKept: true });
      const table = await latestProgress(
        seeder.received,
        (progress) => progress.peers[1]?.away === false,
        'the leecher is back',
        seen,
      );
      const row = table.run!.participants.find((participant) => participant.peerId === leecher.peerId)!;
      return { back, table, row };
    };
    return { harness, seeder, leecher, send, resumeAt };
  };

  it('times it as the tab did, not when the tab came back: the run’s time is the download’s, not the outage’s', async () => {
    const { resumeAt } = await droppedLeecher();
    // Completed 3.9 s in (the seeder's report covering the file came 100 ms later), back 20 s later.
    const { table, row } = await resumeAt(RUN_START_MS + 24_000, 3900);
    expect(table.run).toMatchObject({ phase: 'finished', distributionMs: 3900 });
    expect(row).toMatchObject({ completedAfterMs: 3900, corroborated: true, flagged: null });
  });

  it('does not take a completion later than the run’s age as the account arrives: no honest tab’s is', async () => {
    const { seeder, resumeAt, send } = await droppedLeecher();
    const { table, row, back } = await resumeAt(RUN_START_MS + 24_000, 24_000 + 1);
    expect(table.run?.phase).toBe('running');
    expect(row.completedAfterMs).toBeNull();
    // Its next report times it, as before.
    await send(back, complete(1), RUN_START_MS + 24_100);
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(finished.run?.distributionMs).toBe(24_100);
  });

  it('does not take a completion before the member took part in the run', async () => {
    const { harness, seeder, send } = await droppedLeecher();
    // A newcomer, 10 s into the run, claims it completed 5 s in.
    clock.nowMs = RUN_START_MS + 10_000;
    const late = await joinTab(harness, seeder.swarmId);
    await send(late.client, leeching(1), RUN_START_MS + 10_500);
    dropConnection(late.client);
    await latestProgress(seeder.received, (table) => table.peers[2]?.away === true, 'the newcomer is shown away');
    const back = await harness.connect();
    const seen = seeder.received.progress.length;
    clock.nowMs = RUN_START_MS + 30_000;
    const resumed = await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(late, runAsKnown(30_000, 5000)));
    expect(resumed).toMatchObject({ ok: true, placeKept: true });
    const table = await latestProgress(
      seeder.received,
      (p) => p.peers[2]?.away === false,
      'the newcomer is back',
      seen,
    );
    const row = table.run!.participants.find((participant) => participant.peerId === late.peerId)!;
    expect(row.completedAfterMs).toBeNull();
  });
});

const SEEDER: RunMember = {
  peerId: 's',
  role: 'seeder',
  override: {},
  flagged: null,
  keyDigest: memberKeyDigestOf('s'),
};
const LEECHER: RunMember = {
  peerId: 'a',
  role: 'leecher',
  override: {},
  flagged: null,
  keyDigest: memberKeyDigestOf('key of a'),
};
/** 10 MB: at the capped run's 500 kB/s download, 20 s at the least. */
const FILE_BYTES = 10_000_000;
const CAPPED_DOWNLOAD: RunConfig = { ...DEFAULT_RUN_CONFIG, peerDownloadBytesPerSec: 500_000 };

/** A leecher's report for run 1: one chunk held, not complete. */
const NOT_COMPLETE: ProgressReport = {
  role: 'leecher',
  runNumber: 1,
  bitsBase64: 'AA==',
  chunksHeld: 1,
  complete: false,
  uploadedBytes: 0,
  downloadedBytes: 1000,
  uploadBytesPerSec: 0,
  downloadBytesPerSec: 0,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
  sentTo: [],
};
/** The seeder's report for run 1: it sent `a` the whole file. */
const SEEDER_SENT_IT_ALL: ProgressReport = {
  ...NOT_COMPLETE,
  role: 'seeder',
  complete: true,
  uploadedBytes: FILE_BYTES,
  sentTo: [{ peerId: 'a', bytes: FILE_BYTES }],
};

interface Claim {
  readonly reportedAtMs: number;
  readonly coveredAtMs: number;
  readonly claimedMs: number;
  /** The run its account names (1: the run going on). */
  readonly runNumber?: number;
}

/**
 * Run 1 of `config` (started at 0 on a hand clock) with seeder `s` and leecher `a`: `a` reports, not complete, at
 * `reportedAtMs`, then drops; the seeder reports having sent it the whole file at `coveredAtMs`; `a` is back at 60 s,
 * claiming it completed `claimedMs` into the run. Returns its place afterwards.
 */
function claimedOnReturn(
  config: RunConfig,
  { reportedAtMs, coveredAtMs, claimedMs, runNumber = 1 }: Claim,
): RunParticipant | undefined {
  const clock = { nowMs: 0 };
  const runs = createSwarmRuns({
    config,
    nowMs: () => clock.nowMs,
    epochNowMs: () => 1_700_000_000_000 + clock.nowMs,
    maxDepartedParticipants: 10,
    fileBytes: FILE_BYTES,
    chunkBytes: 1_000_000,
    memberGraceMs: LONG_GRACE_MS,
  });
  runs.start(config, [SEEDER, LEECHER]);
  clock.nowMs = reportedAtMs;
  runs.report('a', NOT_COMPLETE);
  runs.away('a');
  clock.nowMs = coveredAtMs;
  runs.report('s', SEEDER_SENT_IT_ALL);
  clock.nowMs = 60_000;
  runs.back('a');
  runs.completedUnheard('a', { ...runAsKnown(60_000, claimedMs), config, runNumber });
  return runs.snapshot().run?.participants.find((participant) => participant.peerId === 'a');
}

describe('what a member back with its place kept may say of its completion', () => {
  it('is its tab’s time when the caps, its own reports and its witnesses allow it', () => {
    const place = claimedOnReturn(CAPPED_DOWNLOAD, { reportedAtMs: 5000, coveredAtMs: 22_000, claimedMs: 21_500 });
    expect(place).toMatchObject({ completedAfterMs: 21_500, corroborated: true });
  });

  it('is no earlier than its download cap lets the file arrive: not taken before then', () => {
    // The seeder says it sent it the whole file 12 s in, but 10 MB at 500 kB/s takes 20 s.
    const place = claimedOnReturn(CAPPED_DOWNLOAD, { reportedAtMs: 5000, coveredAtMs: 12_000, claimedMs: 10_000 });
    expect(place?.completedAfterMs).toBeNull();
  });

  it('is no earlier than its own report that said it had not completed', () => {
    const place = claimedOnReturn(DEFAULT_RUN_CONFIG, { reportedAtMs: 8000, coveredAtMs: 6000, claimedMs: 2000 });
    expect(place?.completedAfterMs).toBe(8000);
  });

  it('is no earlier than the report lag before the others’ reports covered the file: a silent tab backdates nothing', () => {
    const place = claimedOnReturn(DEFAULT_RUN_CONFIG, { reportedAtMs: 500, coveredAtMs: 9000, claimedMs: 1000 });
    expect(place?.completedAfterMs).toBe(9000 - WITNESS_REPORT_LAG_MS);
  });

  it('is not taken before the others’ reports cover the file: a tab never away backdates nothing', () => {
    const clock = { nowMs: 0 };
    const runs = createSwarmRuns({
      config: DEFAULT_RUN_CONFIG,
      nowMs: () => clock.nowMs,
      epochNowMs: () => 1_700_000_000_000 + clock.nowMs,
      maxDepartedParticipants: 10,
      fileBytes: FILE_BYTES,
      chunkBytes: 1_000_000,
      memberGraceMs: LONG_GRACE_MS,
    });
    runs.start(DEFAULT_RUN_CONFIG, [SEEDER, LEECHER]);
    /** The seeder's report at `atMs`: it sent `a` its share of the file by then, the whole file 65 s in. */
    const seederReportsAt = (atMs: number): void => {
      clock.nowMs = atMs;
      const sentBytes = Math.floor((FILE_BYTES * atMs) / 65_000);
      runs.report('s', {
        ...SEEDER_SENT_IT_ALL,
        uploadedBytes: sentBytes,
        sentTo: [{ peerId: 'a', bytes: sentBytes }],
      });
    };
    const placeOfA = () => runs.snapshot().run?.participants.find((participant) => participant.peerId === 'a');
    // The leecher sends no report; 55 s in, from a second socket, it says it completed 1 ms into the run.
    for (let atMs = 1000; atMs <= 55_000; atMs += 1000) seederReportsAt(atMs);
    runs.back('a');
    runs.completedUnheard('a', runAsKnown(55_000, 1));
    expect(placeOfA()?.completedAfterMs).toBeNull();
    // The seeder’s reports cover the file 65 s in: its claim was not kept, and the run goes on.
    for (let atMs = 56_000; atMs <= 65_000; atMs += 1000) seederReportsAt(atMs);
    expect(runs.snapshot().run?.phase).toBe('running');
    expect(placeOfA()?.completedAfterMs).toBeNull();
    // Its next report times its completion, as any report.
    clock.nowMs = 65_500;
    runs.report('a', { ...NOT_COMPLETE, complete: true, chunksHeld: 10, bitsBase64: '/8A=' });
    expect(placeOfA()?.completedAfterMs).toBe(65_500);
  });

  it('is not taken when it is later than the run’s age, nor for another run', () => {
    const honest: Claim = { reportedAtMs: 500, coveredAtMs: 9000, claimedMs: 8500 };
    expect(claimedOnReturn(DEFAULT_RUN_CONFIG, honest)?.completedAfterMs).toBe(8500);
    expect(claimedOnReturn(DEFAULT_RUN_CONFIG, { ...honest, claimedMs: 60_001 })?.completedAfterMs).toBeNull();
    expect(claimedOnReturn(DEFAULT_RUN_CONFIG, { ...honest, runNumber: 2 })?.completedAfterMs).toBeNull();
  });
});
