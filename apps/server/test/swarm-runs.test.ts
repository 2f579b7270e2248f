import {
  NO_UNLISTED_PARTICIPANTS,
  DEFAULT_RUN_CONFIG,
  MAX_RUN_NUMBER,
  type ProgressReport,
  type ResumedRun,
  type RunConfig,
  type RunParticipant,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { memberKeyDigestOf } from '../src/control-secret';
import { bytesThroughCap } from '../src/report-bounds';
import { createSwarmRuns, type RunMember, type SwarmRuns, type SwarmRunsState } from '../src/swarm-runs';
import { WITNESS_SILENCE_MS } from '../src/witness-ledger';

const SHAPED: RunConfig = {
  mode: 'client-server',
  seederUploadBytesPerSec: 1_000_000,
  peerUploadBytesPerSec: 200_000,
  peerDownloadBytesPerSec: 500_000,
  leaveOnComplete: false,
};

const SEEDER: RunMember = {
  peerId: 's',
  role: 'seeder',
  override: {},
  flagged: null,
  keyDigest: memberKeyDigestOf('s'),
};
const leecher = (peerId: string, override: RunMember['override'] = {}): RunMember => ({
  peerId,
  role: 'leecher',
  override,
  flagged: null,
  keyDigest: memberKeyDigestOf(`key of ${peerId}`),
});

/** The file the runs here carry: what the witnesses of a completion must account for. */
const FILE_BYTES = 3000;

/** The seeder's report for run `runNumber` saying it sent each of `peerIds` the file: it vouches for them. */
const vouch = (runNumber: number, ...peerIds: string[]): ProgressReport => ({
  ...reportFor(runNumber, true),
  role: 'seeder',
  uploadedBytes: FILE_BYTES * peerIds.length,
  sentTo: peerIds.map((peerId) => ({ peerId, bytes: FILE_BYTES })),
});

/** A report for run `runNumber`; complete when `complete` is true. */
const reportFor = (runNumber: number | null, complete = false, downloadedBytes = 1000): ProgressReport => ({
  role: 'leecher',
  runNumber,
  bitsBase64: 'AA==',
  chunksHeld: complete ? 3 : 1,
  complete,
  uploadedBytes: 10,
  downloadedBytes,
  uploadBytesPerSec: 0,
  downloadBytesPerSec: 0,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
  sentTo: [],
});

/** One report of `framer`'s, a lie nobody can check: it sent `receiver` the whole file. */
const claimsToHaveSentTheFile = (receiver: string): ProgressReport => ({
  ...reportFor(1, false),
  uploadedBytes: FILE_BYTES,
  sentTo: [{ peerId: receiver, bytes: FILE_BYTES }],
});

/** A run whose every upload is capped at 100 kB/s: the reload tests' (what a member's engines may claim together). */
const CAPPED_100_KB: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  peerUploadBytesPerSec: 100_000,
  seederUploadBytesPerSec: 100_000,
};

/** A leecher's own settings in the restored runs here: within SHAPED's caps. */
const RESTORER_SETTINGS: ResumedRun['settings'] = {
  uploadBytesPerSec: 200_000,
  downloadBytesPerSec: 500_000,
  leaveOnComplete: false,
};

/**
 * Run 1 of SHAPED as a member describes it after the server restarted, 60 s into it, listing `peerIds` (the seeder
 * `s` first, then leechers), its own completion not claimed: `fields` changes any of that.
 */
function resumedRun(peerIds: readonly string[], fields: Partial<ResumedRun> = {}): ResumedRun {
  return {
    runNumber: 1,
    config: SHAPED,
    settings: RESTORER_SETTINGS,
    elapsedMs: 60_000,
    completedAfterMs: null,
    participants: peerIds.map((peerId, index) => ({ peerId, role: index === 0 ? 'seeder' : 'leecher' })),
    ...fields,
  };
}

/** What every `createSwarmRuns` here starts from, but its clocks. */
const OPTIONS = {
  config: DEFAULT_RUN_CONFIG,
  maxDepartedParticipants: 10,
  fileBytes: FILE_BYTES,
  chunkBytes: 1000,
  memberGraceMs: 30_000,
};

/** Runs on a clock the test sets: monotonic from 1000 ms, wall clock at 1.7e12 + the same. */
function setUp(maxDepartedParticipants = OPTIONS.maxDepartedParticipants) {
  const clock = { nowMs: 1000 };
  const runs = createSwarmRuns({
    ...OPTIONS,
    nowMs: () => clock.nowMs,
    epochNowMs: () => 1_700_000_000_000 + clock.nowMs,
    maxDepartedParticipants,
  });
  const at = (nowMs: number) => {
    clock.nowMs = nowMs;
    return runs;
  };
  return { runs, at };
}

/**
 * A clock for runs on which the members in `reporting` report every second from `fromMs`, as honest tabs do (every
 * 300 ms), so none of them is a silent witness: `now(ms)` makes the reports due before `ms`, then sets the clock
 * there. The map may change between calls (a member that drops stops reporting).
 */
function reportingClock(
  at: (nowMs: number) => SwarmRuns,
  fromMs: number,
  reporting: Map<string, ProgressReport>,
): (nowMs: number) => SwarmRuns {
  let nextMs = fromMs + 1000;
  return (nowMs) => {
    for (; nextMs < nowMs; nextMs += 1000) for (const [peerId, report] of reporting) at(nextMs).report(peerId, report);
    return at(nowMs);
  };
}

/**
 * Run 1 of s, a and b in which a completes at 1100 ms; s and b, the possible witnesses, report every second from
 * then on through `now` (`reporting`, which a test changes as b drops or falls silent).
 */
function aCompletedWithWitnessesReporting() {
  const { at, runs } = setUp();
  at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
  at(1100).report('a', reportFor(1, true));
  const reporting = new Map([
    ['s', vouch(1)],
    ['b', reportFor(1, false)],
  ]);
  return { runs, reporting, now: reportingClock(at, 1000, reporting) };
}

const participant = (fields: Partial<RunParticipant> & Pick<RunParticipant, 'peerId'>): RunParticipant => ({
  role: 'leecher',
  settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
  completedAfterMs: null,
  uploadedBytes: 0,
  downloadedBytes: 0,
  present: true,
  leftRun: false,
  flagged: null,
  witnessedBytes: 0,
  corroborated: false,
  peakUploadBytesPerSec: 0,
  tookPartAfterMs: 0,
  ...fields,
});

describe('swarm runs', () => {
  it('has the initial config and no run before the first start', () => {
    const { runs } = setUp();
    expect(runs.snapshot()).toEqual({ config: DEFAULT_RUN_CONFIG, run: null, flows: [] });
    expect(runs.running()).toBeNull();
    expect(runs.stop()).toEqual({ ok: false, code: 'no-run' });
  });

  it('starts a run with every member, resolving each one’s settings, and takes its config for the next', () => {
    const { at } = setUp();
    // Settings the controller gave (`overrideByControl`) stand as given, looser than the run's caps or not.
    const started = at(2000).start(SHAPED, [
      { ...SEEDER, override: { uploadBytesPerSec: 2_000_000 }, overrideByControl: true },
      leecher('a'),
      { ...leecher('b', { downloadBytesPerSec: null, leaveOnComplete: true }), overrideByControl: true },
    ]);
    expect(started).toEqual({
      ok: true,
      started: {
        runNumber: 1,
        config: SHAPED,
        settings: {
          s: { uploadBytesPerSec: 2_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
          a: { uploadBytesPerSec: 200_000, downloadBytesPerSec: 500_000, leaveOnComplete: false },
          b: { uploadBytesPerSec: 200_000, downloadBytesPerSec: null, leaveOnComplete: true },
        },
        elapsedMs: 0,
      },
    });
    expect(at(2500).snapshot()).toMatchObject({
      config: SHAPED,
      run: {
        runNumber: 1,
        phase: 'running',
        startedAtEpochMs: 1_700_000_002_000,
        elapsedMs: 500,
        distributionMs: null,
        abandonedLeechers: 0,
        participants: [{ peerId: 's', role: 'seeder' }, { peerId: 'a' }, { peerId: 'b' }],
      },
    });
  });

  it('refuses a start while a run goes on, and one without a seeder', () => {
    const { runs } = setUp();
    expect(runs.start(SHAPED, [leecher('a')])).toEqual({ ok: false, code: 'no-seeder' });
    expect(runs.start(SHAPED, [SEEDER])).toEqual({ ok: false, code: 'no-leecher' });
    expect(runs.snapshot().config).toEqual(DEFAULT_RUN_CONFIG);
    expect(runs.start(SHAPED, [SEEDER, leecher('a')])).toMatchObject({ ok: true });
    expect(runs.start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')])).toEqual({ ok: false, code: 'run-in-progress' });
    expect(runs.snapshot().config).toEqual(SHAPED);
  });

  it('finishes when every leecher completed, timed on the server clock from the start', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1200).report('s', vouch(1, 'a', 'b')); // no completion: the seeder's account of what it sent
    at(1500).report('a', reportFor(1, true, 3000));
    at(1700).report('a', reportFor(1, true, 3000)); // only the first complete report counts
    expect(at(1800).snapshot().run).toMatchObject({ phase: 'running', elapsedMs: 800, distributionMs: null });
    at(2600).report('b', reportFor(1, true, 3000));
    const finished = at(9000).snapshot();
    expect(finished.run).toEqual({
      runNumber: 1,
      phase: 'finished',
      config: DEFAULT_RUN_CONFIG,
      startedAtEpochMs: 1_700_000_001_000,
      elapsedMs: 1600,
      distributionMs: 1600,
      unlisted: NO_UNLISTED_PARTICIPANTS,
      abandonedLeechers: 0,
      uncountedUploadedBytes: 0,
      restoredAfterMs: null,
      interruption: null,
      participants: [
        participant({ peerId: 's', role: 'seeder', uploadedBytes: 6000, downloadedBytes: 1000 }),
        ...['a', 'b'].map((peerId, i) =>
          participant({
            peerId,
            completedAfterMs: [500, 1600][i]!,
            uploadedBytes: 10,
            downloadedBytes: 3000,
            witnessedBytes: FILE_BYTES,
            corroborated: true,
          }),
        ),
      ],
    });
    expect(finished.run).not.toBeNull();
    expect(at(9000).running()).toBeNull();
    // A finished run is frozen.
    at(9500).report('a', reportFor(1, true, 9999));
    at(9500).leave('a');
    expect(at(9900).snapshot().run).toEqual(finished.run);
  });

  it('counts reports only for the run they name', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    at(1100).report('a', reportFor(null, true)); // left over from before the run
    at(1200).report('a', reportFor(7, true));
    expect(at(1300).snapshot().run).toMatchObject({
      phase: 'running',
      participants: [{ peerId: 's' }, { peerId: 'a', completedAfterMs: null, downloadedBytes: 0 }],
    });
    at(1400).report('nobody', reportFor(1, true));
    at(1450).report('s', vouch(1, 'a'));
    at(1500).report('a', reportFor(1, true));
    expect(at(1600).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 500 });
  });

  it('marks a selfish leecher as having left the run when it completes', () => {
    const { at } = setUp();
    at(1000).start({ ...DEFAULT_RUN_CONFIG, leaveOnComplete: true }, [SEEDER, leecher('a'), leecher('b')]);
    at(1300).report('a', reportFor(1, true));
    expect(at(1400).snapshot().run?.participants[1]).toMatchObject({ completedAfterMs: 300, leftRun: true });
    expect(at(1400).snapshot().run?.participants[0]).toMatchObject({ leftRun: false }); // never the seeder
  });

  it('lets a member’s own settings tighten the run’s caps, never loosen them (its own "no cap" voided the bounds)', () => {
    const { at } = setUp();
    const started = at(1000).start(SHAPED, [
      SEEDER,
      // Set from their own tabs, without the control secret: two tabs of one person, say.
      leecher('x', { uploadBytesPerSec: null, downloadBytesPerSec: null }),
      leecher('y', { uploadBytesPerSec: 50_000_000, downloadBytesPerSec: 100_000, leaveOnComplete: true }),
    ]);
    expect(started).toMatchObject({
      ok: true,
      started: {
        settings: {
          x: { uploadBytesPerSec: 200_000, downloadBytesPerSec: 500_000, leaveOnComplete: false },
          y: { uploadBytesPerSec: 200_000, downloadBytesPerSec: 100_000, leaveOnComplete: true },
        },
      },
    });
  });

  it('lets a newcomer take part in the run going on, announced with every present participant’s settings', () => {
    const { at } = setUp();
    expect(at(1000).join(leecher('early'))).toBeNull(); // no run: nothing to take part in
    at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b')]);
    at(1200).report('a', reportFor(1, true));
    at(1250).leave('a');
    expect(at(1300).join({ ...leecher('late', { uploadBytesPerSec: null }), overrideByControl: true })).toEqual({
      runNumber: 1,
      config: SHAPED,
      settings: {
        s: { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
        b: { uploadBytesPerSec: 200_000, downloadBytesPerSec: 500_000, leaveOnComplete: false },
        late: { uploadBytesPerSec: null, downloadBytesPerSec: 500_000, leaveOnComplete: false },
      },
      elapsedMs: 300,
    });
    expect(at(1300).isParticipant('late')).toBe(true);
    at(1350).report('s', vouch(1, 'a', 'b', 'late'));
    at(1500).report('b', reportFor(1, true));
    expect(at(1600).snapshot().run?.phase).toBe('running'); // a and b completed, but "late" has not
    at(2300).report('late', reportFor(1, true));
    expect(at(2400).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 1300 });
  });

  it('drops a leecher that leaves before completing, which may finish the run', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1400).report('a', reportFor(1, true));
    at(1500).leave('s'); // the seeder leaving does not end the run
    expect(at(1500).snapshot().run).toMatchObject({
      phase: 'running',
      participants: [{ peerId: 's', present: false, leftRun: true }, { peerId: 'a' }, { peerId: 'b' }],
    });
    at(2000).leave('b');
    expect(at(3000).snapshot().run).toMatchObject({
      phase: 'finished',
      elapsedMs: 1000,
      distributionMs: 400,
      abandonedLeechers: 1,
      participants: [{ peerId: 's' }, { peerId: 'a' }],
    });
  });

  it('keeps a leecher that leaves after completing, not present, with its highest upload peak of the run', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1300).report('s', vouch(1, 'a', 'b'));
    at(1350).report('a', { ...reportFor(1, false), peakUploadBytesPerSec: 4e6 });
    at(1400).report('a', { ...reportFor(1, true), peakUploadBytesPerSec: 3e6 });
    at(1450).leave('a');
    expect(at(1500).snapshot().run?.participants[1]).toMatchObject({
      peerId: 'a',
      present: false,
      leftRun: true,
      completedAfterMs: 400,
      peakUploadBytesPerSec: 4e6,
    });
    expect(at(1500).running()?.settings).not.toHaveProperty('a');
    expect(at(1500).isParticipant('a')).toBe(true);
    at(1900).report('b', reportFor(1, true));
    expect(at(2000).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 900 });
  });

  it('does not finish a run whose every leecher abandoned it; a newcomer can still finish it', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    at(1100).leave('a');
    expect(at(1200).snapshot().run).toMatchObject({ phase: 'running', abandonedLeechers: 1, participants: [{}] });
    at(1300).join(leecher('b'));
    at(1800).report('b', reportFor(1, true));
    expect(at(1900).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 800 });
  });

  it('stops a run: frozen, not among the finished, and the next one is numbered after it', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    expect(at(1700).stop()).toEqual({ ok: true, runNumber: 1 });
    expect(at(1800).stop()).toEqual({ ok: false, code: 'no-run' });
    expect(at(5000).snapshot()).toMatchObject({
      run: { runNumber: 1, phase: 'stopped', elapsedMs: 700, distributionMs: null },
    });
    at(5000).report('a', reportFor(1, true)); // too late for run 1
    expect(at(5000).snapshot().run?.participants[1]?.completedAfterMs).toBeNull();
    expect(at(6000).start(SHAPED, [SEEDER, leecher('a')])).toMatchObject({ ok: true, started: { runNumber: 2 } });
  });

  it('keeps at most maxDepartedParticipants departed participants, still counting dropped completions', () => {
    const { at } = setUp(2);
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('stays')]);
    for (const [index, peerId] of ['p1', 'p2', 'p3'].entries()) at(1100 + index).join(leecher(peerId));
    at(1150).report('s', vouch(1, 'p1', 'p2', 'p3', 'stays'));
    for (const [index, peerId] of ['p1', 'p2', 'p3'].entries()) {
      at(1200 + index * 1000).report(peerId, reportFor(1, true)); // after 200, 1200, 2200 ms
      at(1300 + index * 1000).leave(peerId);
    }
    at(1400).leave('s');
    const run = at(5000).snapshot().run;
    // Departed, oldest first: p1, p2, p3 past the cap of 2, p1 goes. The seeder stays listed: its cap is u_s, its bytes
    // the seeder's share.
    expect(run?.participants.map((p) => [p.peerId, p.present])).toEqual([
      ['s', false],
      ['stays', true],
      ['p2', false],
      ['p3', false],
    ]);
    // What the bounds and the record need of p1 stays counted (no caps in this run: its u_i is its peak, 0).
    expect(run?.unlisted).toEqual({
      leechers: 1,
      uploadBytesPerSec: 0,
      uploadEstimated: true,
      minDownloadBytesPerSec: null,
      uploadedBytes: 10,
      downloadedBytes: 1000,
    });
    at(2000).report('stays', reportFor(1, true));
    // p3's 2200 ms is the latest completion (p1's 200 ms, dropped, still counted but earlier).
    expect(at(2100).snapshot().run).toMatchObject({
      phase: 'finished',
      distributionMs: 2200,
      unlisted: { leechers: 1 },
    });
  });

  it('takes a member resumed under an id it has no record of as a newcomer: leaving before it took part, no abandoned download', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    const most = runs.mostParticipants;
    for (let i = 0; i < 10; i++) {
      at(1100 + i).resume(leecher(`made-up-${i}`), null);
      at(1100 + i).leave(`made-up-${i}`);
    }
    expect(at(1200).snapshot().run?.abandonedLeechers).toBe(0);
    expect(runs.mostParticipants).toBe(most);
    // One that reports progress and stays takes part, as a newcomer that joined does.
    at(1300).resume(leecher('back'), null);
    at(1400).report('back', reportFor(1, false));
    at(1400 + WITNESS_SILENCE_MS).report('back', reportFor(1, false));
    at(1500 + WITNESS_SILENCE_MS).leave('back');
    expect(at(1600 + WITNESS_SILENCE_MS).snapshot().run?.abandonedLeechers).toBe(1);
  });

  it('counts what the leechers in N received from outside N, from the receivers’ side', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('fast')]);
    const sent = (peerId: string, bytes: number): ProgressReport => ({
      ...reportFor(1, false, 0),
      uploadedBytes: bytes,
      sentTo: [{ peerId, bytes }],
    });
    at(1100).report('s', { ...vouch(1), uploadedBytes: 1000, sentTo: [{ peerId: 'a', bytes: 1000 }] });
    at(1100).report('fast', sent('a', 2000));
    at(1200).report('a', reportFor(1, false, 3000));
    // fast is in N: everything a received came from N.
    expect(at(1200).snapshot().run?.uncountedUploadedBytes).toBe(0);
    at(1300).leave('fast');
    // fast left before completing: the 2,000 bytes a got from it came from outside N.
    expect(at(1300).snapshot().run?.uncountedUploadedBytes).toBe(2000);
    // A puppet claiming to have sent a a megabyte, then leaving, adds nothing: a's own total did not change.
    at(1400).join(leecher('puppet'));
    at(1500).report('puppet', sent('a', 1_000_000));
    at(1600).leave('puppet');
    expect(at(1600).snapshot().run?.uncountedUploadedBytes).toBe(2000);
    // fast back (a reload, its engine new): in N again, what it sent before counts as N's.
    at(1700).takeBack(leecher('fast'));
    expect(at(1700).snapshot().run?.uncountedUploadedBytes).toBe(0);
  });

  it('counts nothing from outside N while nobody outside N took part: the receivers’ reports running ahead of their senders’ are no outsider', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    // A tab opens the link and closes a moment later, before it took part: its place is kept, but it is no outsider
    // (before, it was, and the lag below counted as delivered from outside N).
    at(1050).join(leecher('glance'));
    at(1060).leave('glance');
    // The seeder's and b's reports lag a's: a says it received 3,000 bytes, its senders have said 2,500 so far.
    at(1100).report('s', { ...vouch(1), uploadedBytes: 1500, sentTo: [{ peerId: 'a', bytes: 1500 }] });
    at(1100).report('b', { ...reportFor(1, false, 0), uploadedBytes: 1000, sentTo: [{ peerId: 'a', bytes: 1000 }] });
    at(1200).report('a', reportFor(1, false, 3000));
    // Before, the 500 bytes not yet vouched for counted as delivered from outside N, and the bound read low.
    expect(at(1200).snapshot().run?.uncountedUploadedBytes).toBe(0);
    // Once one left before completing, what the others say falls short of is taken for its.
    at(1300).leave('b');
    expect(at(1300).snapshot().run?.uncountedUploadedBytes).toBe(1500);
  });

  it('says how long after the start each participant took part', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    at(13_000).join(leecher('late'));
    expect(
      at(13_500)
        .snapshot()
        .run?.participants.map((p) => [p.peerId, p.tookPartAfterMs]),
    ).toEqual([
      ['s', 0],
      ['a', 0],
      ['late', 12_000],
    ]);
  });

  it('dates the members there at the start from the start itself, on a clock finer than a millisecond', () => {
    let clockMs = 1000;
    const runs = createSwarmRuns({ ...OPTIONS, nowMs: () => (clockMs += 0.25), epochNowMs: () => 0 });
    runs.start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    expect(runs.snapshot().run?.participants.map((p) => p.tookPartAfterMs)).toEqual([0, 0, 0]);
  });

  it('unlists the first to have left, not the first to take part', () => {
    const { at } = setUp(2);
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('p1'), leecher('p2'), leecher('p3'), leecher('stays')]);
    at(1100).report('s', vouch(1, 'p1', 'p2', 'p3'));
    for (const [index, peerId] of ['p3', 'p1', 'p2'].entries()) {
      at(1200 + index * 100).report(peerId, reportFor(1, true));
      at(1250 + index * 100).leave(peerId);
    }
    expect(
      at(1500)
        .snapshot()
        .run?.participants.map((p) => p.peerId),
    ).toEqual(['s', 'p1', 'p2', 'stays']);
  });

  it('counts a completion that the leaving of the next departed covers, as it unlists it', () => {
    const { at } = setUp(1);
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('stays')]);
    at(1100).join(leecher('p1'));
    at(1100).join(leecher('p2'));
    at(1150).report('p2', reportFor(1, true));
    at(1200).report('p1', reportFor(1, true));
    at(1300).leave('p1');
    expect(
      at(1300)
        .snapshot()
        .run?.participants.find((p) => p.peerId === 'p1')?.corroborated,
    ).toBe(false);
    // p2 leaves an uncapped run: what it may have sent p1 unreported since its last report (before p1's completion)
    // covers p1's file, and p1 is unlisted at once.
    at(1400).leave('p2');
    expect(at(1400).snapshot().run?.unlisted.leechers).toBe(1);
  });

  it('counts the caps of the leechers it no longer lists: Σu_i, the least d_i, their bytes', () => {
    const { at } = setUp(1);
    at(1000).start(SHAPED, [SEEDER, leecher('stays')]);
    const caps = [
      { peerId: 'p1', override: { uploadBytesPerSec: 100_000, downloadBytesPerSec: 400_000 } },
      { peerId: 'p2', override: { downloadBytesPerSec: null } },
      { peerId: 'p3', override: {} },
    ];
    for (const [index, { peerId, override }] of caps.entries()) at(1100 + index).join(leecher(peerId, override));
    at(1150).report('s', vouch(1, 'p1', 'p2', 'p3'));
    for (const [index, { peerId }] of caps.entries()) {
      at(1200 + index * 1000).report(peerId, { ...reportFor(1, true), uploadedBytes: 100 * (index + 1) });
      at(1300 + index * 1000).leave(peerId);
    }
    const run = at(5000).snapshot().run;
    expect(run?.participants.map((p) => p.peerId)).toEqual(['s', 'stays', 'p3']);
    // p1 (100 kB/s up, 400 kB/s down) and p2 (the run's 200 kB/s up, no download cap).
    expect(run?.unlisted).toEqual({
      leechers: 2,
      uploadBytesPerSec: 300_000,
      uploadEstimated: false,
      minDownloadBytesPerSec: 400_000,
      uploadedBytes: 300,
      downloadedBytes: 2000,
    });
  });

  it('keeps a flagged leecher in the run without counting it: neither in N, nor in the time, nor as abandoned', () => {
    const { at } = setUp();
    const flag = { reason: 'complete: the bitmap holds 0 of the 3 chunks', refusedReports: 1 };
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('honest'), { ...leecher('liar'), flagged: flag }]);
    at(1100).join({ ...leecher('late liar'), flagged: null });
    at(1150).flag('late liar', flag);
    at(1200).report('liar', reportFor(1, true)); // shown, never counted
    at(1300).leave('late liar');
    expect(at(1400).snapshot().run).toMatchObject({
      phase: 'running',
      abandonedLeechers: 0,
      participants: [{ peerId: 's' }, { peerId: 'honest', flagged: null }, { peerId: 'liar', flagged: flag }],
    });
    at(2900).report('s', vouch(1, 'honest'));
    at(3000).report('honest', reportFor(1, true));
    expect(at(3500).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 2000 });
  });

  it('does not finish a run whose only leecher is flagged, and finishes one once its last counted leecher is', () => {
    const { at, runs } = setUp();
    const flag = { reason: 'x', refusedReports: 1 };
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    at(1001).flag('a', flag);
    at(1002).report('a', reportFor(1, true));
    expect(runs.snapshot().run).toMatchObject({ phase: 'running', distributionMs: null });
    runs.stop();
    at(2000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(2400).report('s', vouch(2, 'a'));
    at(2500).report('a', reportFor(2, true));
    at(2600).flag('b', flag); // b was all the run waited for
    expect(runs.snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 500 });
  });

  it('tells the context of a participant’s report: how long it took part, its caps and its senders’', () => {
    const { at, runs } = setUp();
    at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b', { uploadBytesPerSec: 50_000 })]);
    at(1500).join(leecher('c'));
    expect(at(2000).contextOf('c', 1)).toEqual({
      elapsedMs: 500,
      settings: { uploadBytesPerSec: 200_000, downloadBytesPerSec: 500_000, leaveOnComplete: false },
      senderUploadBytesPerSec: [1_000_000], // client-server: the seeder alone sends
      departedSenderSpans: [],
      witnessedBytes: 0,
    });
    expect(runs.contextOf('c', 2)).toBeUndefined();
    expect(runs.contextOf('c', null)).toBeUndefined();
    expect(runs.mostParticipants).toBe(3); // a newcomer counts once it took part: progress, and a while in the run
    at(1500 + WITNESS_SILENCE_MS).report('c', reportFor(1, false));
    expect(runs.mostParticipants).toBe(4);
    runs.stop();
    at(3000).start({ ...SHAPED, mode: 'p2p' }, [SEEDER, leecher('a'), leecher('b', { uploadBytesPerSec: 50_000 })]);
    expect(at(3100).contextOf('a', 2)?.senderUploadBytesPerSec).toEqual([1_000_000, 50_000]);
    expect(runs.mostParticipants).toBe(4);
    // b takes part and leaves before completing: its cap counts for a over the 300 ms it was there with it.
    at(3100).report('b', reportFor(2, false));
    at(3300).leave('b');
    expect(at(3500).contextOf('a', 2)).toMatchObject({
      senderUploadBytesPerSec: [1_000_000],
      departedSenderSpans: [{ cap: 50_000, elapsedMs: 300 }],
    });
    // c, joining after b left, was never there with it: b counts for nothing in its bound, not even a burst.
    at(3600).join(leecher('c'));
    expect(at(3700).contextOf('c', 2)?.departedSenderSpans).toEqual([]);
  });

  it('counts no newcomer that leaves before it took part as an abandoned download, nor among the most participants', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    // One socket joining and leaving, again and again, with an empty report in each cycle or none: every screen and
    // the export said "64 left before completing", and the bounds on every later report counted 66 participants.
    const empty = { ...reportFor(1, false, 0), chunksHeld: 0, uploadedBytes: 0 };
    const oneByte = { ...empty, downloadedBytes: 1 };
    for (let cycle = 0; cycle < 64; cycle++) {
      at(1100 + cycle).join(leecher(`puppet-${cycle}`));
      if (cycle % 3 > 0) runs.report(`puppet-${cycle}`, cycle % 3 === 1 ? empty : oneByte);
      runs.leave(`puppet-${cycle}`);
    }
    expect(runs.snapshot().run).toMatchObject({ abandonedLeechers: 0 });
    expect(runs.mostParticipants).toBe(2);
    // One that reported progress and stayed took part: its leaving is an abandoned download, as before.
    at(2000).join(leecher('b'));
    at(2100).report('b', reportFor(1, false));
    at(2000 + WITNESS_SILENCE_MS).report('b', reportFor(1, false));
    runs.leave('b');
    expect(runs.snapshot().run).toMatchObject({ abandonedLeechers: 1 });
    expect(runs.mostParticipants).toBe(3);
  });

  it('counts a completion only once what the others say they sent it covers the file', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1200).report('a', reportFor(1, true)); // claimed: nobody says it sent a anything yet
    at(1250).report('s', {
      ...vouch(1, 'b'),
      uploadedBytes: 4000,
      sentTo: [...vouch(1, 'b').sentTo, { peerId: 'a', bytes: 1000 }],
    });
    at(1300).report('b', reportFor(1, true));
    expect(at(1400).snapshot().run).toMatchObject({
      phase: 'running',
      participants: [
        { peerId: 's' },
        { peerId: 'a', completedAfterMs: 200, witnessedBytes: 1000, corroborated: false },
        { peerId: 'b', completedAfterMs: 300, witnessedBytes: FILE_BYTES, corroborated: true },
      ],
    });
    // b says it sent a the rest: a's completion now counts, at the time it was claimed.
    at(1500).report('b', { ...reportFor(1, true), uploadedBytes: 2000, sentTo: [{ peerId: 'a', bytes: 2000 }] });
    expect(at(1600).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 300, elapsedMs: 500 });
  });

  it('takes nothing a flagged participant says it sent as a witness', () => {
    const { at } = setUp();
    const flag = { reason: 'x', refusedReports: 1 };
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('puppet')]);
    at(1100).report('puppet', {
      ...reportFor(1, false),
      uploadedBytes: FILE_BYTES,
      sentTo: [{ peerId: 'a', bytes: FILE_BYTES }],
    });
    at(1150).flag('puppet', flag);
    at(1200).report('a', reportFor(1, true));
    expect(at(1300).snapshot().run?.participants[1]).toMatchObject({ witnessedBytes: 0, corroborated: false });
  });

  it('names the completions nobody confirmed within the wait, to flag', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('a', reportFor(1, true));
    at(1200).report('b', reportFor(1, true));
    at(1300).report('s', vouch(1, 'b'));
    // The others keep reporting, never what would confirm a's completion.
    const now = reportingClock(
      at,
      1300,
      new Map([
        ['s', vouch(1, 'b')],
        ['b', reportFor(1, true)],
      ]),
    );
    expect(now(11_100).unconfirmedCompletions()).toEqual([]);
    expect(now(11_101).unconfirmedCompletions()).toEqual(['a']);
    runs.flag('a', { reason: 'unconfirmed', refusedReports: 1 });
    expect(runs.unconfirmedCompletions()).toEqual([]);
    expect(runs.snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 200 });
  });

  it('names a leecher that never reports completing though the others sent it the whole file, to flag', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('withholder')]);
    at(1100).report('a', reportFor(1, true));
    at(1200).report('s', vouch(1, 'a', 'withholder'));
    // It keeps reporting, just never its completion, nor another chunk: the run cannot finish.
    at(1300).report('withholder', reportFor(1, false));
    at(20_000).report('withholder', reportFor(1, false));
    expect(at(31_300).withheldCompletions()).toEqual([]);
    expect(runs.snapshot().run).toMatchObject({ phase: 'running' });
    expect(at(31_301).withheldCompletions()).toEqual(['withholder']);
    runs.flag('withholder', { reason: 'withholding', refusedReports: 1 });
    expect(runs.withheldCompletions()).toEqual([]);
    // The run's time is the honest leecher's, not the withholder's silence.
    expect(runs.snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 100 });
  });

  it('names no stalled leecher whom only selfish leechers that left the run could send anything (the seeder away)', () => {
    const { at, runs } = setUp();
    const selfish = { leaveOnComplete: true };
    at(1000).start(DEFAULT_RUN_CONFIG, [{ ...SEEDER, away: true }, leecher('gone', selfish), leecher('stalled')]);
    // `gone` got the file and left the run (its engine stopped); a member's claim covers the stalled one.
    at(1100).report('gone', { ...reportFor(1, true), sentTo: [{ peerId: 'stalled', bytes: FILE_BYTES }] });
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'gone')?.leftRun).toBe(true);
    for (let atMs = 1200; atMs <= 61_200; atMs += 10_000) at(atMs).report('stalled', reportFor(1, false));
    // Nobody present can send it anything: stalled, not withholding (it was flagged 30 s in).
    expect(at(61_201).withheldCompletions()).toEqual([]);
  });

  it('names no leecher still gaining chunks, whatever one member claims to have sent it', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('framer'), leecher('slow')]);
    at(1100).report('framer', claimsToHaveSentTheFile('slow'));
    const gaining = (chunksHeld: number): ProgressReport => ({ ...reportFor(1, false), chunksHeld });
    at(1200).report('slow', gaining(1));
    at(25_000).report('slow', gaining(2));
    expect(at(50_000).withheldCompletions()).toEqual([]);
    // Stalled for 30 s while the others say it has everything: that is what withholding looks like.
    expect(at(55_001).withheldCompletions()).toEqual(['slow']);
  });

  it('names no leecher still receiving a chunk’s worth at a time, though it holds no more chunks', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('framer'), leecher('slow')]);
    at(1100).report('framer', claimsToHaveSentTheFile('slow'));
    // Its chunks on their way at once, it completes none for a minute, yet receives a chunk's worth every 25 s.
    at(1200).report('slow', reportFor(1, false, 0));
    at(26_000).report('slow', reportFor(1, false, 1000));
    at(51_000).report('slow', reportFor(1, false, 2000));
    expect(at(81_000).withheldCompletions()).toEqual([]);
    // Less than a chunk's worth more is no gain: a withholder adding a byte a report is named 30 s after its last.
    at(70_000).report('slow', reportFor(1, false, 2999));
    expect(at(81_001).withheldCompletions()).toEqual(['slow']);
  });

  it('takes nothing received past what the others say they sent it for a gain: a withholder cannot claim to receive on', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('framer'), leecher('withholder')]);
    at(1100).report('framer', claimsToHaveSentTheFile('withholder'));
    // Past the 3,000 bytes sent it and a chunk of 1,000, a chunk's worth more every 29 s is no gain: named 30 s after
    // it claimed 4,000.
    for (let received = 1000, atMs = 1200; received <= 6000; received += 1000, atMs += 29_000)
      at(atMs).report('withholder', reportFor(1, false, received));
    expect(at(1200 + 3 * 29_000 + 30_000).withheldCompletions()).toEqual([]);
    expect(at(1200 + 3 * 29_000 + 30_001).withheldCompletions()).toEqual(['withholder']);
  });

  it('takes what an honest slow leecher received again (chunks a bad peer spoiled) for gains, up to what was sent it', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('bad'), leecher('slow')]);
    // The bad peer really sent it 5 chunks, all spoiled; the seeder one good one: what they say covers the file.
    at(1100).report('bad', { ...reportFor(1, false), uploadedBytes: 5000, sentTo: [{ peerId: 'slow', bytes: 5000 }] });
    at(1100).report('s', { ...vouch(1), uploadedBytes: 1000, sentTo: [{ peerId: 'slow', bytes: 1000 }] });
    // It fetches its last chunks from the seeder at once, a chunk's worth every 25 s, past the file and four chunks.
    for (let received = 6000, atMs = 1200; received <= 8000; received += 1000, atMs += 25_000) {
      at(atMs).report('s', {
        ...vouch(1),
        uploadedBytes: received - 4000,
        sentTo: [{ peerId: 'slow', bytes: received - 4000 }],
      });
      at(atMs).report('slow', reportFor(1, false, received));
    }
    // A cap at the file and four chunks named it at 56 s, 20 s before it completed.
    expect(at(1200 + 2 * 25_000 + 30_000).withheldCompletions()).toEqual([]);
  });

  it('takes one gain a chunk, whichever figure rises: chunks held and bytes received raised in turn do not double the wait', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('framer'), leecher('withholder')]);
    at(1100).report('framer', claimsToHaveSentTheFile('withholder'));
    const progress = (chunksHeld: number, downloadedBytes: number): ProgressReport => ({
      ...reportFor(1, false, downloadedBytes),
      chunksHeld,
    });
    at(1200).report('withholder', progress(0, 0));
    at(30_000).report('withholder', progress(1, 0));
    // The same chunk's worth again, now as bytes received: no gain (it was, and each such turn added 30 s).
    at(59_000).report('withholder', progress(1, 1000));
    expect(at(60_000).withheldCompletions()).toEqual([]);
    expect(at(60_001).withheldCompletions()).toEqual(['withholder']);
  });

  it('takes no claim to have covered a capped leecher for earlier than its download cap let the file through', () => {
    const { at } = setUp();
    // 3,000 bytes at 20 B/s: 150 s at the least.
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('framer'), leecher('capped', { downloadBytesPerSec: 20 })]);
    at(1100).report('framer', claimsToHaveSentTheFile('capped'));
    at(1200).report('capped', reportFor(1, false, 0));
    expect(at(151_000).withheldCompletions()).toEqual([]);
    expect(at(181_000).withheldCompletions()).toEqual([]);
    // Its cap let the whole file through 150 s after it took part: 30 s on, still nothing, it is named.
    expect(at(181_001).withheldCompletions()).toEqual(['capped']);
  });

  it('takes no dip and rise of a withholder’s chunk count for a gain', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('withholder')]);
    at(1100).report('s', vouch(1, 'a', 'withholder'));
    at(1150).report('a', reportFor(1, true));
    const holding = (chunksHeld: number): ProgressReport => ({ ...reportFor(1, false), chunksHeld });
    at(1200).report('withholder', holding(3));
    for (let ms = 5_000; ms < 60_000; ms += 5_000) at(ms).report('withholder', holding(ms % 10_000 === 0 ? 2 : 3));
    expect(at(31_201).withheldCompletions()).toEqual(['withholder']);
  });

  it('names no leecher covered only by what a departed sender was granted, however still it is', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b'), leecher('gone')]);
    at(1100).report('a', reportFor(1, false));
    at(1100).report('b', reportFor(1, false));
    at(1200).report('gone', reportFor(1, false));
    // Uncapped, it is granted the whole file towards everyone: enough to confirm a completion, not to accuse.
    at(1400).leave('gone');
    expect(at(100_000).withheldCompletions()).toEqual([]);
  });

  it('confirms no completion by a place only the restorer listed, once it is given up: it may be made up', () => {
    const { at, runs } = setUp();
    // Made up by a student not in control, first back after a restart: nobody ever reports sending it a byte.
    const described = resumedRun(['ghost'], { completedAfterMs: 50_000 });
    at(100_000).restore(leecher('liar'), described);
    // Nobody vouches; the wait for the listed places runs out.
    at(131_000).giveUpAwaiting();
    const run = runs.snapshot().run!;
    // Before: the ghost, granted its cap over the 60 s, confirmed it, and the run finished at 50 s with N = 1.
    expect(run.phase).not.toBe('finished');
    expect(run.participants.find((p) => p.peerId === 'liar')).toMatchObject({ corroborated: false });
  });

  it('takes a place two members listed for one that sent what it was granted: the teacher’s tab closed for good', () => {
    const { at, runs } = setUp();
    const described = (completedAfterMs: number | null) => resumedRun(['s', 'b', 'c'], { completedAfterMs });
    // b, which completed at 50 s, is back first; c describes the same run; the seeder's tab never comes back.
    at(100_000).restore(leecher('b'), described(50_000));
    at(100_100).resume(leecher('c'), described(null));
    at(131_000).giveUpAwaiting();
    // Granted nothing (one fix of this session), b's honest completion was flagged as a lie once nothing was awaited.
    expect(at(160_000).unconfirmedCompletions()).toEqual([]);
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'b')).toMatchObject({
      corroborated: true,
      flagged: null,
    });
  });

  it('restores one seeder’s place of a list that names more: a swarm has one seeder', () => {
    const { at, runs } = setUp();
    const described = resumedRun([], {
      participants: Array.from({ length: 10 }, (_, index) => ({ peerId: `s${index}`, role: 'seeder' as const })),
    });
    at(100_000).restore(leecher('b'), described);
    const seeders = runs.snapshot().run!.participants.filter((p) => p.role === 'seeder');
    expect(seeders.map((p) => p.peerId)).toEqual(['s0']);
    // Nor beside a restorer that is the seeder.
    const second = setUp();
    second.at(100_000).restore(SEEDER, described, true);
    expect(second.runs.snapshot().run!.participants.filter((p) => p.role === 'seeder')).toHaveLength(1);
  });

  it('gives a completion claimed before a restart its wait from when the server heard it, and none while a witness is awaited', () => {
    const { at, runs } = setUp();
    const restoredRun = (completedAfterMs: number | null) => resumedRun(['s', 'done', 'b'], { completedAfterMs });
    // The server restarted 60 s into the run; b registers the swarm again, then the leecher that completed at 20 s.
    at(100_000).restore(leecher('b'), restoredRun(null));
    at(100_500).resume(leecher('done'), restoredRun(20_000));
    at(100_600).report('b', reportFor(1, false));
    expect(runs.unconfirmedCompletions()).toEqual([]);
    // Its only witness, the seeder, is still awaited: nothing is overdue however long that takes.
    expect(at(130_000).unconfirmedCompletions()).toEqual([]);
    at(131_000).resume(SEEDER, {
      ...restoredRun(null),
      settings: { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
    });
    expect(at(140_000).unconfirmedCompletions()).toEqual([]);
    at(140_100).report('s', { ...vouch(1, 'done'), uploadedBytes: FILE_BYTES });
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'done')).toMatchObject({
      completedAfterMs: 20_000,
      corroborated: true,
      flagged: null,
    });
    expect(at(200_000).unconfirmedCompletions()).toEqual([]);
  });

  it('gives a reloaded leecher its place back by its key alone: abandoned or departed, its account kept', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('s', {
      ...vouch(1, 'b'),
      sentTo: [
        { peerId: 'a', bytes: 2000 },
        { peerId: 'b', bytes: 3000 },
      ],
      uploadedBytes: 5000,
    });
    at(1200).leave('a'); // F5 mid-download: abandoned
    expect(runs.snapshot().run).toMatchObject({ abandonedLeechers: 1 });
    // The seeder's next report counts what it sent a just before it left.
    at(1250).report('s', {
      ...vouch(1, 'b'),
      sentTo: [
        { peerId: 'a', bytes: 2500 },
        { peerId: 'b', bytes: 3000 },
      ],
      uploadedBytes: 5500,
    });
    expect(runs.placeFor('a', memberKeyDigestOf('not the key of a'))).toBe('taken');
    expect(runs.placeFor('a', memberKeyDigestOf('key of a'))).toBe('theirs');
    at(1300).takeBack(leecher('a'));
    expect(runs.snapshot().run).toMatchObject({ abandonedLeechers: 0 });
    // It took part from the start: its download, which now counts the chunks it kept, is bounded from then.
    expect(runs.contextOf('a', 1)).toMatchObject({ witnessedBytes: 2500, elapsedMs: 300 });
    expect(runs.mostParticipants).toBe(3);
    // b completes and leaves, then its page reloads: present again, its completion kept.
    at(1400).report('b', reportFor(1, true));
    at(1500).leave('b');
    at(1600).takeBack(leecher('b'));
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'b')).toMatchObject({
      present: true,
      completedAfterMs: 400,
      corroborated: true,
    });
  });

  it('gives a reloaded leecher its place back with the settings it ran with, what it uploaded and its peak', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1200).report('a', { ...reportFor(1, false), uploadedBytes: 1000, peakUploadBytesPerSec: 500 });
    const before = runs.snapshot().run?.participants.find((p) => p.peerId === 'a')?.settings;
    // The teacher sets a's links (from the next run, the page says), and a's page reloads: its new engine counts from 0.
    at(1300).leave('a');
    const taken = at(1400).takeBack(leecher('a', { downloadBytesPerSec: 50_000 }));
    // Before: told 50 kB/s mid-run, its report of the chunks it kept was judged by them, and flagged for good.
    expect(taken?.settings['a']).toEqual(before);
    at(1500).report('a', { ...reportFor(1, false), uploadedBytes: 200, peakUploadBytesPerSec: 100 });
    // Before: 200 uploaded and a peak of 100 (Σu_i of an uncapped run under-counted).
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'a')).toMatchObject({
      settings: before,
      uploadedBytes: 1200,
      peakUploadBytesPerSec: 500,
    });
  });

  it('keeps a reloaded leecher’s earlier engines’ uploads: completed, or resumed later with the same engine', () => {
    const { at, runs } = setUp();
    const uploadedBy = (peerId: string) =>
      runs.snapshot().run?.participants.find((p) => p.peerId === peerId)?.uploadedBytes;
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1200).report('a', { ...reportFor(1, false), uploadedBytes: 1000 });
    at(1300).leave('a');
    at(1400).takeBack(leecher('a'));
    at(1500).report('a', { ...reportFor(1, false), uploadedBytes: 200 });
    expect(uploadedBy('a')).toBe(1200);
    // Its socket's grace runs out, and the same engine takes its place back, its totals carrying on.
    at(40_000).leave('a');
    at(41_000).resume(leecher('a'), {
      runNumber: 1,
      config: DEFAULT_RUN_CONFIG,
      settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 40_000,
      completedAfterMs: null,
      participants: [
        { peerId: 's', role: 'seeder' },
        { peerId: 'a', role: 'leecher' },
        { peerId: 'b', role: 'leecher' },
      ],
    });
    at(41_300).report('a', { ...reportFor(1, false), uploadedBytes: 300 });
    // Before: 300, what the first engine uploaded lost.
    expect(uploadedBy('a')).toBe(1300);
    // b completes, leaves, reloads: its uploads went with the reload.
    at(41_400).report('b', { ...reportFor(1, true), uploadedBytes: 1000 });
    at(41_500).leave('b');
    at(41_600).takeBack(leecher('b'));
    at(41_700).report('b', { ...reportFor(1, true), uploadedBytes: 200 });
    expect(uploadedBy('b')).toBe(1200);
  });

  it('holds a member reloading again and again to its upload cap: each engine claimed the cap since the start', () => {
    const { at, runs } = setUp();
    at(1000).start(CAPPED_100_KB, [SEEDER, leecher('a'), leecher('b')]);
    let nowMs = 1000;
    for (let reload = 0; reload < 5; reload++) {
      nowMs += 10_000;
      at(nowMs).report('a', { ...reportFor(1, false), uploadedBytes: (nowMs - 1000) * 100 });
      at(nowMs + 1).leave('a');
      at(nowMs + 2).takeBack(leecher('a'));
    }
    at(nowMs + 3).report('a', { ...reportFor(1, false), uploadedBytes: 0 });
    // Before: 15 MB after 50 s at 100 kB/s.
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'a')?.uploadedBytes).toBeLessThanOrEqual(
      bytesThroughCap(100_000, nowMs + 3 - 1000),
    );
  });

  it('holds what a member reloading again and again vouches for to its upload cap: each engine was checked alone', () => {
    const { at, runs } = setUp();
    at(1000).start(CAPPED_100_KB, [SEEDER, leecher('liar'), leecher('puppet')]);
    // Within what its cap passes in 10 s, for each engine alone.
    const claimedBytes = 1_100_000;
    for (let reload = 0; reload < 4; reload++) {
      at(11_000 + reload).report('puppet', {
        ...reportFor(1, false),
        uploadedBytes: claimedBytes,
        sentTo: [{ peerId: 'liar', bytes: claimedBytes }],
      });
      at(11_000 + reload).leave('puppet');
      at(11_000 + reload).takeBack(leecher('puppet'));
    }
    const witnessedBytes = runs.snapshot().run?.participants.find((p) => p.peerId === 'liar')?.witnessedBytes;
    // Before: 4.4 MB, four engines' worth, after 10 s at 100 kB/s.
    expect(witnessedBytes).toBeGreaterThan(claimedBytes / 2);
    expect(witnessedBytes).toBeLessThanOrEqual(bytesThroughCap(100_000, 10_004));
  });

  it('holds what one engine vouches for to its upload cap, however it spreads it over its reports', () => {
    const { at, runs } = setUp();
    const receivers = ['l1', 'l2', 'l3', 'l4'];
    at(1000).start(CAPPED_100_KB, [SEEDER, leecher('puppet'), ...receivers.map((peerId) => leecher(peerId))]);
    // Each report within the cap alone, each naming another receiver: the ledger keeps every figure.
    const claimedBytes = 1_000_000;
    receivers.forEach((peerId, index) =>
      at(11_000 + index).report('puppet', {
        ...reportFor(1, false),
        uploadedBytes: claimedBytes,
        sentTo: [{ peerId, bytes: claimedBytes }],
      }),
    );
    const witnessed = runs
      .snapshot()
      .run!.participants.filter((p) => receivers.includes(p.peerId))
      .reduce((sum, p) => sum + p.witnessedBytes, 0);
    // Before: 4 MB after 10 s at 100 kB/s.
    expect(witnessed).toBeGreaterThan(claimedBytes / 2);
    expect(witnessed).toBeLessThanOrEqual(bytesThroughCap(100_000, 10_003));
  });

  it('takes what an honest member sent before and after its page reloaded, within its cap, whole', () => {
    const { at, runs } = setUp();
    at(1000).start(CAPPED_100_KB, [SEEDER, leecher('a'), leecher('b')]);
    at(6000).report('b', { ...reportFor(1, false), uploadedBytes: 400_000, sentTo: [{ peerId: 'a', bytes: 400_000 }] });
    at(6100).leave('b');
    at(6200).takeBack(leecher('b'));
    at(11_000).report('b', {
      ...reportFor(1, false),
      uploadedBytes: 450_000,
      sentTo: [{ peerId: 'a', bytes: 450_000 }],
    });
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'a')?.witnessedBytes).toBe(850_000);
  });

  it('gives back by key alone, and never a place a restored run awaits nor the seeder’s', () => {
    const { at, runs } = setUp();
    const listed = resumedRun(['s', 'b'], { elapsedMs: 5000 });
    at(1000).restore(leecher('b'), listed);
    // The seeder is awaited: whoever presents its id, with any key, is refused.
    expect(runs.mayTakeBack('s', memberKeyDigestOf('anything'))).toBe(false);
    runs.resume(SEEDER, listed);
    at(1100).leave('s');
    expect(runs.mayTakeBack('s', memberKeyDigestOf('s'))).toBe(false);
    at(1200).leave('b');
    expect(runs.mayTakeBack('b', memberKeyDigestOf('key of b'))).toBe(true);
    expect(runs.mayTakeBack('b', memberKeyDigestOf('key of someone else'))).toBe(false);
  });

  it('reads a run stored before participants’ gains and absences were kept: as if each last gained at the start, and none away', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('withholder')]);
    at(1100).report('s', vouch(1, 'a', 'withholder'));
    at(1150).report('a', reportFor(1, true));
    const stored = JSON.parse(JSON.stringify(runs.exportState())) as SwarmRunsState;
    for (const participant of stored.live!.participants) {
      const old = participant as unknown as Record<string, unknown>;
      delete old['gainedAtMs'];
      delete old['chunksHeld'];
      delete old['away'];
      delete old['backAtMs'];
    }
    const clock = { nowMs: 40_000 };
    const imported = createSwarmRuns({ ...OPTIONS, nowMs: () => clock.nowMs, epochNowMs: () => 0, state: stored });
    expect(imported.withheldCompletions()).toEqual(['withholder']);
  });

  it('takes no time a leecher is away for withholding, within two grace periods', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b'), leecher('gone')]);
    at(1100).report('s', vouch(1, 'a', 'b', 'gone'));
    at(1150).report('a', reportFor(1, true));
    // Both drop as the seeder's report arrives: they cannot report while their sockets are gone.
    at(1200).away('b');
    runs.away('gone');
    expect(at(31_101).withheldCompletions()).toEqual([]);
    // b is back at 20 s: it has the whole wait from there to report its completion.
    at(20_000).back('b');
    expect(at(50_000).withheldCompletions()).toEqual([]);
    expect(at(50_001).withheldCompletions()).toEqual(['b']);
    // gone never came back: its time away counts no longer than two grace periods (30 s each here).
    expect(at(91_100).withheldCompletions()).toEqual(['b']);
    expect(at(91_101).withheldCompletions()).toEqual(['b', 'gone']);
  });

  it('takes no time a place is awaited for withholding, and gives one taken back by a reload its whole wait from then', () => {
    const clock = { nowMs: 0 };
    const runs = createSwarmRuns({ ...OPTIONS, memberGraceMs: 60_000, nowMs: () => clock.nowMs, epochNowMs: () => 0 });
    const at = (nowMs: number) => {
      clock.nowMs = nowMs;
      return runs;
    };
    const described = resumedRun(['s', 'a', 'asleep'], { config: DEFAULT_RUN_CONFIG });
    // The teacher's tab registers the run again; `a` is back; `asleep` is awaited, within its grace (60 s).
    at(100_000).restore(SEEDER, described, true);
    runs.resume(leecher('a'), described);
    const reporting = new Map([
      ['s', vouch(1, 'a', 'asleep')],
      ['a', reportFor(1, true)],
    ]);
    const now = reportingClock(at, 100_000, reporting);
    // Covered by the seeder's account from its first report, 1 s in: before, flagged withholding 30 s later.
    expect(now(135_000).withheldCompletions()).toEqual([]);
    // Its reloaded tab takes the awaited place back (a fresh engine): its wait starts now, not at the cover.
    now(140_000).takeBack(leecher('asleep'));
    expect(now(170_000).withheldCompletions()).toEqual([]);
    expect(now(170_001).withheldCompletions()).toEqual(['asleep']);
  });

  it('holds a completion’s wait while a possible witness is away, and restarts it when the witness is back', () => {
    /** a completes at 1100 ms; b, which may have sent it chunks, is away from `awayAtMs` until `backAtMs`. */
    const witnessAway = (awayAtMs: number, backAtMs: number) => {
      const { reporting, now } = aCompletedWithWitnessesReporting();
      now(awayAtMs).away('b');
      reporting.delete('b');
      expect(now(backAtMs).unconfirmedCompletions()).toEqual([]);
      now(backAtMs).back('b');
      // Its first report comes with its return; the next ones every second.
      now(backAtMs).report('b', reportFor(1, false));
      reporting.set('b', reportFor(1, false));
      return now;
    };
    const backWithinGrace = witnessAway(1200, 30_000);
    expect(backWithinGrace(40_000).unconfirmedCompletions()).toEqual([]);
    expect(backWithinGrace(40_001).unconfirmedCompletions()).toEqual(['a']);
    // Dropped 8 s after the completion, back at the end of its grace: it still has its 10 s.
    const droppedLate = witnessAway(9100, 38_900);
    expect(droppedLate(48_900).unconfirmedCompletions()).toEqual([]);
    expect(droppedLate(48_901).unconfirmedCompletions()).toEqual(['a']);
    // Back later than two grace periods (30 s each) after the completion: the wait ran on from there.
    const backLate = witnessAway(1200, 70_000);
    expect(backLate(71_100).unconfirmedCompletions()).toEqual([]);
    expect(backLate(71_101).unconfirmedCompletions()).toEqual(['a']);
  });

  it('holds a completion’s wait while a witness is silent (its connection may be dead unseen), until it reports again', () => {
    /** a completes at 1100 ms; b, which may have sent it chunks, reports until 2 s, then from `backAtMs` if given. */
    const silentWitness = (backAtMs: number | null) => {
      const { reporting, now } = aCompletedWithWitnessesReporting();
      now(2500);
      reporting.delete('b');
      if (backAtMs === null) return now;
      expect(now(backAtMs).unconfirmedCompletions()).toEqual([]);
      now(backAtMs).report('b', reportFor(1, false));
      reporting.set('b', reportFor(1, false));
      return now;
    };
    const heardAgain = silentWitness(20_000);
    expect(heardAgain(30_000).unconfirmedCompletions()).toEqual([]);
    expect(heardAgain(30_001).unconfirmedCompletions()).toEqual(['a']);
    // Never heard again: the wait is held no longer than two grace periods (30 s each here).
    const gone = silentWitness(null);
    expect(gone(71_100).unconfirmedCompletions()).toEqual([]);
    expect(gone(71_101).unconfirmedCompletions()).toEqual(['a']);
  });

  it('restarts a completion’s wait when a witness takes its place on a new connection before its drop was seen', () => {
    const { reporting, now } = aCompletedWithWitnessesReporting();
    // b's reports from 2.5 s on were lost with its old connection, which the server never saw drop.
    now(2500);
    reporting.delete('b');
    now(4000).back('b');
    reporting.set('b', reportFor(1, false));
    expect(now(14_000).unconfirmedCompletions()).toEqual([]);
    expect(now(14_001).unconfirmedCompletions()).toEqual(['a']);
  });

  it('does not let a colluder’s grant for time after a claimed completion confirm it, however long it stays away', () => {
    const MIB = 1024 * 1024;
    const clock = { nowMs: 0 };
    const runs = createSwarmRuns({ ...OPTIONS, fileBytes: 16 * MIB, nowMs: () => clock.nowMs, epochNowMs: () => 0 });
    const at = (nowMs: number) => {
      clock.nowMs = nowMs;
      return runs;
    };
    const p2pShaped: RunConfig = { ...SHAPED, mode: 'p2p', peerUploadBytesPerSec: 500_000 };
    at(0).start(p2pShaped, [SEEDER, leecher('liar'), leecher('colluder')]);
    const report = (sentTo: ProgressReport['sentTo'], complete = false): ProgressReport => ({
      ...reportFor(1, complete),
      uploadedBytes: sentTo.reduce((sum, entry) => sum + entry.bytes, 0),
      sentTo,
    });
    // The seeder vouches for half the file; the colluder reports nothing for the liar, then drops at once.
    at(4000).report('s', { ...report([{ peerId: 'liar', bytes: 8 * MIB }]), role: 'seeder' });
    at(4000).report('colluder', report([]));
    at(4100).report('liar', report([], true));
    at(4200).away('colluder');
    // The seeder keeps reporting. The colluder's grace ends: it is taken to have left, granted what its cap
    // passes since its last report (30 s)...
    const now = reportingClock(
      at,
      4000,
      new Map([['s', { ...report([{ peerId: 'liar', bytes: 8 * MIB }]), role: 'seeder' }]]),
    );
    now(34_200).leave('colluder');
    // ...but none of that before the liar's claim: the lie is not confirmed, and is named once its wait is over.
    expect(runs.snapshot().run?.participants.find((participant) => participant.peerId === 'liar')).toMatchObject({
      completedAfterMs: 4100,
      corroborated: false,
    });
    expect(at(34_200).unconfirmedCompletions()).toEqual(['liar']);
  });

  it('holds no completion’s wait for an away leecher in client-server, which sends nobody anything', () => {
    const { at } = setUp();
    at(1000).start({ ...DEFAULT_RUN_CONFIG, mode: 'client-server' }, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('a', reportFor(1, true));
    at(1200).away('b');
    const now = reportingClock(at, 1000, new Map([['s', vouch(1)]]));
    expect(now(11_100).unconfirmedCompletions()).toEqual([]);
    expect(now(11_101).unconfirmedCompletions()).toEqual(['a']);
  });

  it('reads a finished run stored before participants’ peaks were kept: no peak', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a')]);
    at(1100).report('s', vouch(1, 'a'));
    at(1200).report('a', reportFor(1, true));
    const stored = JSON.parse(JSON.stringify(runs.exportState())) as SwarmRunsState;
    for (const participant of stored.ended!.participants)
      delete (participant as { peakUploadBytesPerSec?: number }).peakUploadBytesPerSec;
    const imported = createSwarmRuns({ ...OPTIONS, nowMs: () => 2000, epochNowMs: () => 0, state: stored });
    expect(imported.snapshot().run?.participants.map((participant) => participant.peakUploadBytesPerSec)).toEqual([
      0, 0,
    ]);
  });

  it('reads runs stored before unlisted participants were summed: a live one by its count, an ended one as none', () => {
    const { at, runs } = setUp(1);
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('p1'), leecher('p2')]);
    at(1100).report('s', vouch(1, 'a', 'p1', 'p2'));
    for (const [index, peerId] of ['p1', 'p2'].entries()) {
      at(1200 + index).report(peerId, reportFor(1, true));
      at(1300 + index).leave(peerId);
    }
    const stored = JSON.parse(JSON.stringify(runs.exportState())) as SwarmRunsState;
    expect(stored.live?.unlisted?.leechers).toBe(1);
    const { unlisted: _, ...older } = stored.live!;
    const restored = createSwarmRuns({
      ...OPTIONS,
      nowMs: () => 1400,
      epochNowMs: () => 0,
      state: { ...stored, live: { ...older, droppedCompletedLeechers: 1 } },
    });
    expect(restored.snapshot().run?.unlisted).toEqual({ ...NO_UNLISTED_PARTICIPANTS, leechers: 1 });
    restored.report('a', reportFor(1, true));
    const ended = JSON.parse(JSON.stringify(restored.exportState())) as SwarmRunsState;
    expect(ended.ended).toMatchObject({ phase: 'finished', unlisted: { leechers: 1 } });
    delete (ended.ended as { unlisted?: unknown }).unlisted;
    const reread = createSwarmRuns({ ...OPTIONS, nowMs: () => 2000, epochNowMs: () => 0, state: ended });
    expect(reread.snapshot().run?.unlisted).toEqual(NO_UNLISTED_PARTICIPANTS);
  });

  it('names no leecher whose witnesses do not cover the file yet, however long it takes', () => {
    const { at } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('slow')]);
    at(1200).report('s', {
      ...vouch(1, 'slow'),
      uploadedBytes: FILE_BYTES / 2,
      sentTo: [{ peerId: 'slow', bytes: FILE_BYTES / 2 }],
    });
    expect(at(100_000).withheldCompletions()).toEqual([]);
  });

  it('takes no leecher as a witness in client-server, where only the seeder sends', () => {
    const { at } = setUp();
    at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('b', {
      ...reportFor(1, true),
      uploadedBytes: FILE_BYTES,
      sentTo: [{ peerId: 'a', bytes: FILE_BYTES }],
    });
    at(1200).report('a', reportFor(1, true));
    expect(at(1300).snapshot().run?.participants[1]).toMatchObject({ witnessedBytes: 0, corroborated: false });
    at(1400).report('s', vouch(1, 'a', 'b'));
    expect(at(1500).snapshot().run).toMatchObject({ phase: 'finished', distributionMs: 200 });
  });

  describe('flows for the swarm map', () => {
    /** `from`'s report for run 1 at `nowMs`, having sent each neighbour `bytesPerSec` since 1000 ms. */
    const sending = (nowMs: number, bytesPerSec: number, ...to: string[]): ProgressReport => {
      const bytes = (bytesPerSec * (nowMs - 1000)) / 1000;
      return { ...reportFor(1), uploadedBytes: bytes * to.length, sentTo: to.map((peerId) => ({ peerId, bytes })) };
    };

    it('broadcasts who sends to whom now, clamped by the pair’s caps, and nothing between runs', () => {
      const { at } = setUp();
      // u_i = 200 kB/s, d_i = 500 kB/s, u_s = 1 MB/s; p2p.
      at(1000).start({ ...SHAPED, mode: 'p2p' }, [SEEDER, leecher('a'), leecher('b')]);
      expect(at(1000).snapshot().flows).toEqual([]);
      for (const nowMs of [1300, 1600, 1900]) {
        // The seeder claims 900 kB/s to a: above a's 500 kB/s download cap, so drawn at the cap.
        at(nowMs).report('s', { ...sending(nowMs, 900_000, 'a'), role: 'seeder' });
        at(nowMs).report('a', sending(nowMs, 150_000, 'b'));
      }
      expect(at(1900).snapshot().flows).toEqual([
        { from: 's', to: 'a', bytesPerSec: 500_000 },
        { from: 'a', to: 'b', bytesPerSec: 150_000 },
      ]);
      at(2000).stop();
      expect(at(2000).snapshot().flows).toEqual([]);
    });

    it('shows no flow from a flagged sender, to a departed peer, or from a leecher in client-server', () => {
      const { at } = setUp();
      at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b'), leecher('c')]);
      for (const nowMs of [1300, 1600]) {
        at(nowMs).report('s', { ...sending(nowMs, 100_000, 'a', 'b', 'c'), role: 'seeder' });
        at(nowMs).report('b', sending(nowMs, 100_000, 'a')); // a leecher "uploading" in client-server
      }
      expect(
        at(1600)
          .snapshot()
          .flows.map(({ from, to }) => `${from}→${to}`),
      ).toEqual(['s→a', 's→b', 's→c']);
      at(1700).leave('c');
      expect(
        at(1700)
          .snapshot()
          .flows.map(({ to }) => to),
      ).toEqual(['a', 'b']);
      at(1800).flag('s', { reason: 'x', refusedReports: 1 });
      expect(at(1800).snapshot().flows).toEqual([]);
    });
  });

  describe('places in a run, for a member new to the swarm that names a peer id', () => {
    /** A restored run as tab `restorer` (a leecher) describes it, listing `listed` (seeder `s` first). */
    const restored = (runNumber: number, ...listed: string[]) =>
      resumedRun(['s', ...listed], { runNumber, elapsedMs: 500 });

    it('are free outside the run, taken while present, and a departed one’s only with its key', () => {
      const { at, runs } = setUp();
      expect(runs.placeFor('a', memberKeyDigestOf('key of a'))).toBe('free');
      at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b')]);
      expect(runs.placeFor('x', memberKeyDigestOf('key of x'))).toBe('free');
      expect(runs.placeFor('a', memberKeyDigestOf('key of a'))).toBe('taken');
      at(1500).report('a', reportFor(1, true, FILE_BYTES));
      at(1600).leave('a');
      expect(runs.placeFor('a', memberKeyDigestOf('not the key of a'))).toBe('taken');
      expect(runs.placeFor('a', memberKeyDigestOf('key of a'))).toBe('theirs');
      // The key survives the run's export, which a shared store keeps, and never reaches a screen.
      const exported = JSON.parse(JSON.stringify(runs.exportState())) as SwarmRunsState;
      const imported = createSwarmRuns({ ...OPTIONS, nowMs: () => 1700, epochNowMs: () => 0, state: exported });
      expect(imported.placeFor('a', memberKeyDigestOf('key of a'))).toBe('theirs');
      expect(imported.placeFor('a', memberKeyDigestOf('not the key of a'))).toBe('taken');
      expect(JSON.stringify(imported.snapshot())).not.toContain(memberKeyDigestOf('key of a').toString('base64url'));
    });

    it('are the first comer’s while a restored run awaits them', () => {
      const { at, runs } = setUp();
      at(1000).restore(leecher('a'), restored(3, 'a', 'b'));
      expect(runs.placeFor('b', memberKeyDigestOf('anyone'))).toBe('theirs');
      runs.resume(leecher('b'), restored(3, 'a', 'b'));
      expect(runs.placeFor('b', memberKeyDigestOf('anyone'))).toBe('taken');
    });

    it('follow the controller’s account of a restored run’s caps, kept through the record, once only', () => {
      const { at, runs } = setUp();
      const uncapped = { ...restored(3, 'a', 'b'), config: DEFAULT_RUN_CONFIG };
      at(1000).restore(leecher('a'), {
        ...uncapped,
        settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      });
      const uploadOf = (from: SwarmRuns, peerId: string) =>
        from.snapshot().run?.participants.find((participant) => participant.peerId === peerId)?.settings
          .uploadBytesPerSec;
      // Another member's account, or the controller's of another run, changes nothing.
      runs.resume(leecher('b'), restored(3, 'a', 'b'));
      runs.adoptRunConfig(restored(2, 'a', 'b'));
      expect(runs.snapshot().run?.config).toEqual(DEFAULT_RUN_CONFIG);
      expect(uploadOf(runs, 'a')).toBeNull();
      const exported = JSON.parse(JSON.stringify(runs.exportState())) as SwarmRunsState;
      const imported = createSwarmRuns({ ...OPTIONS, nowMs: () => 2000, epochNowMs: () => 0, state: exported });
      imported.adoptRunConfig(restored(3, 'a', 'b'));
      expect(imported.snapshot().run?.config).toEqual(SHAPED);
      expect(imported.snapshot().config).toEqual(SHAPED);
      // `a` claimed no cap, `s` is awaited with none: both within the caps now; `b` had claimed SHAPED's.
      expect(['a', 'b', 's'].map((peerId) => uploadOf(imported, peerId))).toEqual([200_000, 200_000, 1_000_000]);
      // The controller's account, once taken, is not replaced by a later one.
      imported.adoptRunConfig({ ...restored(3, 'a', 'b'), config: DEFAULT_RUN_CONFIG });
      expect(imported.snapshot().run?.config).toEqual(SHAPED);
    });

    it('judge a claimed place’s reports by its claim until the controller’s account comes, by that account after', () => {
      for (const listedByController of [false, true]) {
        const { at, runs } = setUp();
        // `a`, back first, restates the 1 MB/s its teacher gave it; the run's caps give a leecher 200 kB/s.
        const fast = { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: 500_000, leaveOnComplete: false };
        at(1000).restore(leecher('a'), { ...restored(3, 'a', 'b'), settings: fast });
        // The bound counts it within the caps; its reports are judged by what it says its engine runs with (before,
        // by the caps: flagged at its first report).
        expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'a')?.settings.uploadBytesPerSec).toBe(
          200_000,
        );
        expect(runs.contextOf('a', 3)?.settings.uploadBytesPerSec).toBe(1_000_000);
        // The controller's account decides: the links the teacher gave it, or the caps.
        const account = restored(3, 'a', 'b');
        runs.adoptRunConfig({
          ...account,
          participants: account.participants.map((p) =>
            p.peerId === 'a' && listedByController ? { ...p, settings: fast } : p,
          ),
        });
        expect(runs.contextOf('a', 3)?.settings.uploadBytesPerSec).toBe(listedByController ? 1_000_000 : 200_000);
      }
    });

    it('leave the settings told to a member that joined before the controller corrected the caps', () => {
      const { at, runs } = setUp();
      at(1000).restore(leecher('a'), { ...restored(3, 'a'), config: DEFAULT_RUN_CONFIG });
      // A classmate joins meanwhile: told the run has no caps, its engine runs without.
      expect(runs.join(leecher('d'))?.settings['d']).toMatchObject({
        uploadBytesPerSec: null,
        downloadBytesPerSec: null,
      });
      runs.adoptRunConfig(restored(3, 'a'));
      expect(runs.snapshot().run?.config).toEqual(SHAPED);
      expect(runs.contextOf('d', 3)?.settings).toMatchObject({ uploadBytesPerSec: null, downloadBytesPerSec: null });
      expect(runs.contextOf('a', 3)?.settings).toMatchObject({
        uploadBytesPerSec: 200_000,
        downloadBytesPerSec: 500_000,
      });
    });

    it('count once each in a restored run, however often its restorer lists them', () => {
      const { at, runs } = setUp();
      at(1000).restore(leecher('a'), restored(3, 'b', 'b', 'b', 'c', 'c'));
      expect(runs.snapshot().run?.participants.map((p) => p.peerId)).toEqual(['s', 'b', 'c', 'a']);
      expect(runs.mostParticipants).toBe(4);
      // Taken back, a place is counted once still (each place taken raised it by one more than the run had).
      runs.resume(leecher('b'), restored(3, 'a', 'c', 'c'));
      expect(runs.mostParticipants).toBe(4);
    });

    it('count no place its restorer alone listed, given up, as an abandoned download', () => {
      const { at, runs } = setUp();
      // A student back first after a restart lists 256 made-up places besides the seeder's and two classmates'.
      const madeUp = Array.from({ length: 256 }, (_, index) => `made-up-${index}`);
      at(1000).restore(leecher('liar'), restored(3, 'classmate', 'gone', ...madeUp));
      // The classmate is back, listing the seeder's place; the seeder's tab lists `gone` too.
      at(2000).resume(leecher('classmate'), restored(3, 'liar'));
      at(3000).resume(SEEDER, restored(3, 'liar', 'classmate', 'gone'), true);
      at(31_000).giveUpAwaiting();
      // `gone` left before completing; the places the liar alone listed did not (before: "257 left before completing"
      // on every screen). They still count among the participants the report bounds allow for: the restorer's totals
      // include what it sent them before the restart, honest or not (TRUST.md).
      expect(runs.snapshot().run).toMatchObject({ phase: 'running', abandonedLeechers: 1 });
      expect(runs.mostParticipants).toBe(260);
      // The controller's account is believed alone: the students its tab listed that never came back left.
      const second = setUp();
      second.at(1000).restore(SEEDER, restored(3, 'b', 'c'), true);
      expect(second.runs.mostParticipants).toBe(3);
      second.at(31_000).giveUpAwaiting();
      expect(second.runs.snapshot().run).toMatchObject({ abandonedLeechers: 2 });
    });
  });

  it('gives a leecher that left and resumes its recorded place back, not the completion or caps it restates', () => {
    const { at, runs } = setUp();
    at(1000).start(SHAPED, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('a', reportFor(1, false, 1000));
    // The seeder says it sent `a` the whole file; `a` withholds its completion, leaves, and resumes under its key
    // describing a completion 1 ms into the run, with no caps.
    at(2000).report('s', vouch(1, 'a'));
    runs.leave('a');
    expect(runs.placeFor('a', memberKeyDigestOf('key of a'))).toBe('theirs');
    const restated: ResumedRun = {
      runNumber: 1,
      config: SHAPED,
      settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 3000,
      completedAfterMs: 1,
      participants: [],
    };
    at(3000).resume(leecher('a'), restated);
    const a = () => runs.snapshot().run?.participants.find((participant) => participant.peerId === 'a');
    expect(a()).toMatchObject({ completedAfterMs: null, settings: { uploadBytesPerSec: 200_000 } });
    // Its completion counts from when the server hears it.
    at(4000).report('a', reportFor(1, true, FILE_BYTES));
    expect(a()?.completedAfterMs).toBe(3000);
    // Completed, it leaves again and comes back: present in the run again, its completion as recorded.
    runs.leave('a');
    expect(a()).toMatchObject({ leftRun: true, completedAfterMs: 3000 });
    at(5000).resume(leecher('a'), { ...restated, completedAfterMs: 2 });
    expect(a()).toMatchObject({ leftRun: false, completedAfterMs: 3000 });
    // Back once more from a tab that knows no run (a fresh engine): the same place, counted once.
    const most = runs.mostParticipants;
    runs.leave('a');
    at(6000).resume(leecher('a'), null);
    expect(a()).toMatchObject({ completedAfterMs: 3000 });
    expect(runs.mostParticipants).toBe(most);
  });

  it('does not let a stranger who takes a forgotten place’s peer id inherit what was sent under it', () => {
    const { at, runs } = setUp();
    // Client-server: the seeder alone sends, so the leechers that come and go grant nothing as they leave.
    at(1000).start(SHAPED, [SEEDER, leecher('h'), leecher('b')]);
    // The seeder sent `h` the whole file, then `h`'s page closed before it reported completing.
    at(1500).report('s', vouch(1, 'h'));
    runs.leave('h');
    expect(runs.placeFor('h', memberKeyDigestOf('a stranger'))).toBe('taken');
    // Past `maxDepartedParticipants` (10 here) departures later, nobody can prove the place `h`'s any more.
    for (let index = 0; index < OPTIONS.maxDepartedParticipants; index++) {
      runs.join(leecher(`puppet${index}`));
      runs.leave(`puppet${index}`);
    }
    expect(runs.placeFor('h', memberKeyDigestOf('a stranger'))).toBe('free');
    const stranger: RunMember = { ...leecher('h'), keyDigest: memberKeyDigestOf('a stranger') };
    at(2000).resume(stranger, null);
    // The seeder's engine keeps its total by peer id: its next report names `h` with the old owner's bytes again.
    at(2001).report('s', vouch(1, 'h'));
    at(2005).report('h', reportFor(1, true, FILE_BYTES));
    // Its completion is not confirmed by what the seeder sent the old `h`: it waits, then is flagged (the others
    // fell silent here, so the wait is held its longest: two grace periods, then 10 s).
    const h = () => runs.snapshot().run?.participants.find((participant) => participant.peerId === 'h');
    expect(h()).toMatchObject({ completedAfterMs: 1005, corroborated: false });
    expect(at(2005 + 2 * OPTIONS.memberGraceMs + 10_001).unconfirmedCompletions()).toEqual(['h']);
  });

  it('does not let a stranger who takes a place given up after a restart inherit what was sent under it', () => {
    const { at, runs } = setUp();
    // The teacher's tab registers the run again (client-server: the seeder alone sends); `a` is back, listing `h` too.
    at(100_000).restore(SEEDER, resumedRun(['s', 'a', 'h']), true);
    runs.resume(leecher('a'), resumedRun(['s', 'a', 'h']));
    // The seeder's engine had sent `h` the whole file before the restart; `h` never comes back within its grace.
    at(100_300).report('s', vouch(1, 'h'));
    at(130_000).giveUpAwaiting();
    expect(runs.snapshot().run).toMatchObject({ abandonedLeechers: 1 });
    // Nobody set a key for the place: it is free to any, as an evicted one is.
    expect(runs.placeFor('h', memberKeyDigestOf('a stranger'))).toBe('free');
    at(131_000).resume({ ...leecher('h'), keyDigest: memberKeyDigestOf('a stranger') }, null);
    at(131_300).report('s', vouch(1, 'h'));
    at(131_600).report('h', reportFor(1, true, FILE_BYTES));
    // Before, it took the place back as recorded: the seeder's account of the former `h` confirmed it at once.
    const h = () => runs.snapshot().run?.participants.find((participant) => participant.peerId === 'h');
    expect(h()).toMatchObject({ completedAfterMs: 91_600, corroborated: false, witnessedBytes: 0 });
    expect(at(131_600 + 2 * OPTIONS.memberGraceMs + 10_001).unconfirmedCompletions()).toEqual(['h']);
  });

  it('forgets the places of the address that left most, not a classmate’s reload among a stranger’s churn', () => {
    const { at, runs } = setUp();
    // `c` never completes: the run goes on throughout.
    at(1000).start(SHAPED, [SEEDER, { ...leecher('h'), address: 'honest' }, leecher('b'), leecher('c')]);
    // `h`'s page reloads mid-download (its place abandoned); one socket joins and leaves in a loop meanwhile.
    runs.leave('h');
    for (let index = 0; index < 3 * OPTIONS.maxDepartedParticipants; index++) {
      runs.join({ ...leecher(`puppet${index}`), address: 'churner' });
      runs.leave(`puppet${index}`);
    }
    // Oldest of all went first: `h`'s place, and it came back under a new id, its kept chunks refused.
    expect(runs.placeFor('h', memberKeyDigestOf('key of h'))).toBe('theirs');
    expect(runs.placeFor('puppet0', memberKeyDigestOf('key of puppet0'))).toBe('free');
    // The same for those that completed and left: the churner's go first.
    at(1100).report('s', vouch(1, 'b'));
    at(1200).report('b', reportFor(1, true, FILE_BYTES));
    runs.leave('b');
    for (let index = 0; index < 3 * OPTIONS.maxDepartedParticipants; index++) {
      const peerId = `done${index}`;
      runs.join({ ...leecher(peerId), address: 'churner' });
      runs.report('s', vouch(1, peerId));
      runs.report(peerId, reportFor(1, true, FILE_BYTES));
      runs.leave(peerId);
    }
    expect(runs.isParticipant('b')).toBe(true);
  });

  it('takes a completed leecher that stays back into the run when its page reloads, not as one that left it', () => {
    const { at, runs } = setUp();
    at(1000).start(DEFAULT_RUN_CONFIG, [SEEDER, leecher('a'), leecher('b')]);
    at(1100).report('s', vouch(1, 'a'));
    at(1200).report('a', reportFor(1, true, FILE_BYTES));
    at(1300).leave('a');
    at(1400).takeBack(leecher('a'));
    expect(runs.snapshot().run?.participants.find((p) => p.peerId === 'a')).toMatchObject({
      present: true,
      leftRun: false,
      completedAfterMs: 200,
    });
  });

  it('refuses a run past the last run number the wire carries, which only a restored claim reaches', () => {
    const { at, runs } = setUp();
    at(1000).restore(SEEDER, {
      runNumber: MAX_RUN_NUMBER,
      config: SHAPED,
      settings: { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 0,
      completedAfterMs: null,
      participants: [],
    });
    expect(runs.stop()).toEqual({ ok: true, runNumber: MAX_RUN_NUMBER });
    expect(at(2000).start(SHAPED, [SEEDER, leecher('a')])).toEqual({ ok: false, code: 'no-run-number-left' });
    expect(runs.snapshot().run).toMatchObject({ runNumber: MAX_RUN_NUMBER, phase: 'stopped' });
  });
});

describe('swarm runs: a completion a tab described after a restart', () => {
  const FILE = 10_000_000;
  const capped: RunConfig = {
    mode: 'p2p',
    seederUploadBytesPerSec: 100_000,
    peerUploadBytesPerSec: 100_000,
    peerDownloadBytesPerSec: null,
    leaveOnComplete: false,
  };
  const memberOf = (peerId: string, role: 'seeder' | 'leecher'): RunMember => ({
    peerId,
    role,
    override: {},
    flagged: null,
    keyDigest: memberKeyDigestOf(`k-${peerId}`),
  });
  const settings = { uploadBytesPerSec: 100_000, downloadBytesPerSec: null, leaveOnComplete: false };
  const selfish = { ...settings, leaveOnComplete: true };
  const listed = [
    { peerId: 's', role: 'seeder' as const, settings },
    { peerId: 'a', role: 'leecher' as const, settings: selfish },
    { peerId: 'b', role: 'leecher' as const, settings },
    { peerId: 'c', role: 'leecher' as const, settings },
  ];
  // 60 s old; the seeder, b and c at 100 kB/s each could send a 12 MB by 40 s.
  const runOf = (completedAfterMs: number | null, own = settings): ResumedRun => ({
    runNumber: 1,
    config: capped,
    settings: own,
    elapsedMs: 60_000,
    completedAfterMs,
    participants: listed,
  });
  const restored = () => {
    const clock = { nowMs: 1000 };
    const runs = createSwarmRuns({
      config: capped,
      maxDepartedParticipants: 10,
      fileBytes: FILE,
      chunkBytes: 256 * 1024,
      memberGraceMs: 30_000,
      nowMs: () => clock.nowMs,
      epochNowMs: () => 1.7e12 + clock.nowMs,
    });
    const at = (ms: number): SwarmRuns => {
      clock.nowMs = ms;
      return runs;
    };
    const a = () => runs.snapshot().run?.participants.find((participant) => participant.peerId === 'a');
    at(100_000).restore(memberOf('s', 'seeder'), runOf(null), true);
    return { runs, at, a };
  };

  it('stays taken when senders that served it leave or are given up: what they sent was sent', () => {
    const { at, a } = restored();
    at(100_100).resume(memberOf('a', 'leecher'), runOf(40_000, selfish), false);
    expect(a()).toMatchObject({ completedAfterMs: 40_000, leftRun: true });
    at(100_200).leave('a');
    // b and c never come back. Before, a's completion was taken back, and a, gone, was marked back in the run.
    at(131_000).giveUpAwaiting();
    expect(a()).toMatchObject({ completedAfterMs: 40_000, present: false, leftRun: true });
  });

  it('keeps its time when a classmate that served it abandons the run before its next report', () => {
    const { at, a } = restored();
    at(100_050).resume(memberOf('b', 'leecher'), runOf(null), false);
    at(100_060).resume(memberOf('c', 'leecher'), runOf(null), false);
    at(100_100).resume(memberOf('a', 'leecher'), runOf(40_000), false);
    at(101_000).leave('b');
    const report: ProgressReport = {
      role: 'leecher',
      runNumber: 1,
      bitsBase64: 'AA==',
      chunksHeld: 3,
      complete: true,
      uploadedBytes: 0,
      downloadedBytes: FILE,
      uploadBytesPerSec: 0,
      downloadBytesPerSec: 0,
      peakUploadBytesPerSec: 0,
      peakDownloadBytesPerSec: 0,
      sentTo: [],
    };
    at(101_300).report('a', report);
    // Before, re-timed at this report (61.3 s).
    expect(a()?.completedAfterMs).toBe(40_000);
  });
});
