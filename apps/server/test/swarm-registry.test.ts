import {
  DEFAULT_RUN_CONFIG,
  SHORT_PEER_ID_CHARS,
  type Manifest,
  type ProgressReport,
  type RunConfig,
} from '@swarmlab/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSwarmRegistry,
  DuplicateIdError,
  type ResumeInput,
  type SwarmRegistry,
  type SwarmRegistryLimits,
} from '../src/swarm-registry';
import { controlDigestOf, memberKeyDigestOf } from '../src/control-secret';
import { sealOf, swarmIdOfSeal } from '../src/swarm-seal';
import { complete, leeching, makeManifest, shown, vouching } from './harness';

const SWARM_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const SWARM_B = 'BBBBBBBBBBBBBBBBBBBBBB';
const LIMITS: SwarmRegistryLimits = {
  maxSwarms: 10,
  maxPeersPerSwarm: 10,
  maxWatchersPerSwarm: 2,
  maxWatchersPerAddressInSwarm: 2,
  memberGraceMs: 30_000,
};
/** A watcher's network address. */
const ADDRESS = '192.0.2.1';
/** What the server keeps of the swarms' control secret, and of a wrong one. */
const CONTROL = controlDigestOf('C'.repeat(22));
const WRONG_CONTROL = controlDigestOf('D'.repeat(22));
/** The swarms' seal (the registry takes the id its caller made from it), and a member key's digest. */
const SEAL = sealOf('S'.repeat(22), CONTROL);
const KEY = memberKeyDigestOf('K'.repeat(22));
/** Another tab's key. */
const OTHER_KEY = memberKeyDigestOf('O'.repeat(22));

describe('swarm registry', () => {
  let manifest: Manifest;
  let contentId: string;
  beforeAll(async () => {
    ({ manifest, contentId } = await makeManifest());
  });

  const registryWith = (limits: Partial<SwarmRegistryLimits> = {}): SwarmRegistry =>
    createSwarmRegistry({ limits: { ...LIMITS, ...limits } });
  const create = (registry: SwarmRegistry, swarmId: string, peerId: string, socketId: string) =>
    registry.create({ swarmId, contentId, manifest, founder: { peerId, socketId, keyDigest: KEY }, seal: SEAL });

  it('creates a swarm with its founder, and joins list the peers already there, oldest first', () => {
    const registry = registryWith();
    expect(create(registry, SWARM_A, 'p1', 's1')).toMatchObject({ ok: true, swarm: { swarmId: SWARM_A, contentId } });
    expect(registry.join(SWARM_A, { peerId: 'p2', socketId: 's2', keyDigest: KEY })).toMatchObject({
      ok: true,
      existingPeers: ['p1'],
    });
    const third = registry.join(SWARM_A, { peerId: 'p3', socketId: 's3', keyDigest: KEY });
    expect(third).toMatchObject({ ok: true, existingPeers: ['p1', 'p2'], swarm: { manifest } });
    expect(registry.membershipOf('s3')).toEqual({ swarmId: SWARM_A, peerId: 'p3' });
    expect(registry.otherSockets(SWARM_A, 's2')).toEqual(['s1', 's3']);
    expect(registry.swarmCount).toBe(1);
  });

  it('resolves a peer only within its own swarm', () => {
    const registry = registryWith();
    create(registry, SWARM_A, 'p1', 's1');
    create(registry, SWARM_B, 'p2', 's2');
    expect(registry.socketOf(SWARM_A, 'p1')).toBe('s1');
    expect(registry.socketOf(SWARM_B, 'p1')).toBeUndefined();
    expect(registry.socketOf('CCCCCCCCCCCCCCCCCCCCCC', 'p1')).toBeUndefined();
  });

  it('refuses unknown swarms, full swarms, too many swarms, and a socket already in a swarm', () => {
    const registry = registryWith({ maxSwarms: 1, maxPeersPerSwarm: 2 });
    expect(registry.join(SWARM_A, { peerId: 'p1', socketId: 's1', keyDigest: KEY })).toEqual({
      ok: false,
      code: 'swarm-not-found',
    });
    create(registry, SWARM_A, 'p1', 's1');
    expect(create(registry, SWARM_B, 'p9', 's9')).toEqual({ ok: false, code: 'too-many-swarms' });
    expect(create(registry, SWARM_B, 'p9', 's1')).toEqual({ ok: false, code: 'already-in-swarm' });
    expect(registry.join(SWARM_A, { peerId: 'p1b', socketId: 's1', keyDigest: KEY })).toEqual({
      ok: false,
      code: 'already-in-swarm',
    });
    expect(registry.join(SWARM_A, { peerId: 'p2', socketId: 's2', keyDigest: KEY })).toMatchObject({ ok: true });
    expect(registry.join(SWARM_A, { peerId: 'p3', socketId: 's3', keyDigest: KEY })).toEqual({
      ok: false,
      code: 'swarm-full',
    });
    expect(registry.membershipOf('s3')).toBeUndefined();
  });

  it('reports who remains on leave, and deletes the swarm with its last member', () => {
    const registry = registryWith();
    create(registry, SWARM_A, 'p1', 's1');
    registry.join(SWARM_A, { peerId: 'p2', socketId: 's2', keyDigest: KEY });
    expect(registry.leave('s1')).toEqual({
      swarmId: SWARM_A,
      peerId: 'p1',
      remainingSocketIds: ['s2'],
      swarmDeleted: false,
      orphanedWatcherSocketIds: [],
    });
    expect(registry.leave('s1')).toBeUndefined();
    expect(registry.leave('s2')).toMatchObject({ remainingSocketIds: [], swarmDeleted: true });
    expect(registry.hasSwarm(SWARM_A)).toBe(false);
    expect(registry.swarmCount).toBe(0);
    expect(registry.join(SWARM_A, { peerId: 'p3', socketId: 's3', keyDigest: KEY })).toEqual({
      ok: false,
      code: 'swarm-not-found',
    });
  });

  it('frees a slot for a new swarm once one ends', () => {
    const registry = registryWith({ maxSwarms: 1, maxPeersPerSwarm: 2 });
    create(registry, SWARM_A, 'p1', 's1');
    registry.leave('s1');
    expect(create(registry, SWARM_B, 'p2', 's2')).toMatchObject({ ok: true });
  });

  it('throws on a duplicate swarm or peer id, which callers must never generate', () => {
    const registry = registryWith();
    create(registry, SWARM_A, 'p1', 's1');
    expect(() => create(registry, SWARM_A, 'p2', 's2')).toThrow(DuplicateIdError);
    expect(() => registry.join(SWARM_A, { peerId: 'p1', socketId: 's3', keyDigest: KEY })).toThrow(DuplicateIdError);
  });
});

describe('swarm registry: progress, watchers and runs', () => {
  let manifest: Manifest;
  let contentId: string;
  beforeAll(async () => {
    ({ manifest, contentId } = await makeManifest()); // 3 chunks: a 1-byte bitmap
  });

  const LEECHING: ProgressReport = {
    role: 'leecher',
    runNumber: null,
    bitsBase64: 'gA==',
    chunksHeld: 1,
    complete: false,
    uploadedBytes: 0,
    downloadedBytes: 16384,
    uploadBytesPerSec: 0,
    downloadBytesPerSec: 8192,
    peakUploadBytesPerSec: 0,
    peakDownloadBytesPerSec: 9000,
    sentTo: [],
  };
  const DONE: ProgressReport = {
    ...LEECHING,
    bitsBase64: '4A==',
    chunksHeld: 3,
    complete: true,
    downloadedBytes: 40 * 1024,
  };
  /** Two of the three chunks. */
  const TWO_CHUNKS: ProgressReport = { ...LEECHING, bitsBase64: 'wA==', chunksHeld: 2, downloadedBytes: 32768 };
  const SHAPED: RunConfig = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 100_000 };

  /** A registry on clocks the test sets, with swarm A created at 100 ms by p1 (socket s1). */
  function setUp(limits: Partial<SwarmRegistryLimits> = {}, config?: RunConfig) {
    const clock = { nowMs: 100 };
    const registry = createSwarmRegistry({
      limits: { ...LIMITS, ...limits },
      nowMs: () => clock.nowMs,
      epochNowMs: () => 1_700_000_000_000 + clock.nowMs,
    });
    registry.create({
      swarmId: SWARM_A,
      contentId,
      manifest,
      founder: { peerId: 'p1', socketId: 's1', keyDigest: KEY },
      config,
      seal: SEAL,
    });
    const at = (nowMs: number) => {
      clock.nowMs = nowMs;
      return registry;
    };
    /** `control`: the member presents the control secret. */
    const joinAt = (nowMs: number, peerId: string, socketId: string, control?: typeof CONTROL) =>
      expect(at(nowMs).join(SWARM_A, { peerId, socketId, keyDigest: KEY }, control)).toMatchObject({ ok: true });
    return { registry, at, joinAt };
  }

  /** The founder's row before it reports. */
  const FOUNDER_ROW = {
    peerId: 'p1',
    role: 'seeder',
    report: null,
    joinedAfterMs: 0,
    override: {},
    overrideByControl: false,
    flagged: null,
    away: false,
  };

  it('lists members in joining order, founder seeding, with their latest report and override', () => {
    const { registry, at, joinAt } = setUp();
    expect(at(500).progressOf(SWARM_A)).toEqual({
      swarmId: SWARM_A,
      peers: [FOUNDER_ROW],
      config: DEFAULT_RUN_CONFIG,
      run: null,
      flows: [],
    });
    joinAt(250, 'p2', 's2');
    joinAt(400, 'p3', 's3');
    expect(at(450).report('s2', LEECHING)).toEqual({ ok: true, swarmId: SWARM_A });
    expect(registry.report('s2', TWO_CHUNKS)).toEqual({ ok: true, swarmId: SWARM_A });
    expect(registry.configure('s1', 'p3', { downloadBytesPerSec: 50_000 })).toEqual({ ok: true, swarmId: SWARM_A });
    expect(registry.progressOf(SWARM_A)?.peers).toEqual([
      FOUNDER_ROW,
      {
        peerId: 'p2',
        role: 'leecher',
        report: shown(TWO_CHUNKS),
        joinedAfterMs: 150,
        override: {},
        overrideByControl: false,
        flagged: null,
        away: false,
      },
      {
        peerId: 'p3',
        role: 'leecher',
        report: null,
        joinedAfterMs: 300,
        override: { downloadBytesPerSec: 50_000 },
        overrideByControl: true,
        flagged: null,
        away: false,
      },
    ]);
    // A departed member loses its row.
    registry.leave('s2');
    expect(registry.progressOf(SWARM_A)?.peers.map((peer) => peer.peerId)).toEqual(['p1', 'p3']);
  });

  it('starts with the config given at creation', () => {
    const { registry } = setUp({}, SHAPED);
    expect(registry.progressOf(SWARM_A)?.config).toEqual(SHAPED);
  });

  it('refuses a report whose bitmap or chunk count does not fit the file, flagging its sender, changing nothing else', () => {
    const { registry, joinAt } = setUp();
    joinAt(200, 'p2', 's2');
    registry.report('s2', LEECHING);
    const misfits: [ProgressReport, RegExp][] = [
      [{ ...LEECHING, bitsBase64: '' }, /3-chunk file is 1 bytes, not 0/],
      [{ ...LEECHING, bitsBase64: 'AAA=' }, /is 1 bytes, not 2/],
      [{ ...LEECHING, bitsBase64: 'AA' }, /not padded base64/],
      [{ ...LEECHING, bitsBase64: 'A=A=' }, /not padded base64/],
      [{ ...LEECHING, chunksHeld: 4 }, /chunksHeld: this file has only 3 chunks/],
    ];
    for (const [report, message] of misfits) {
      const outcome = registry.report('s2', report);
      expect(outcome).toMatchObject({ ok: false, code: 'invalid-payload' });
      expect(outcome.ok ? '' : 'message' in outcome ? outcome.message : '').toMatch(message);
    }
    expect(registry.progressOf(SWARM_A)?.peers[1]).toMatchObject({
      report: shown(LEECHING),
      flagged: { reason: 'chunksHeld: this file has only 3 chunks', refusedReports: misfits.length },
    });
    expect(registry.progressOf(SWARM_A)?.peers[0]?.flagged).toBeNull();
    expect(registry.report('nobody', LEECHING)).toEqual({ ok: false, code: 'not-in-swarm' });
  });

  it('lets a watcher follow a swarm, within a cap, without keeping it alive', () => {
    const { registry, joinAt } = setUp({ maxWatchersPerSwarm: 2 });
    joinAt(200, 'p2', 's2');
    expect(registry.watch(SWARM_A, 'w1', ADDRESS)).toMatchObject({
      ok: true,
      swarm: { swarmId: SWARM_A, manifest, contentId },
      progress: { swarmId: SWARM_A, peers: [{ peerId: 'p1' }, { peerId: 'p2' }] },
    });
    expect(registry.watch(SWARM_B, 'w9', ADDRESS)).toEqual({ ok: false, code: 'swarm-not-found' });
    expect(registry.watch(SWARM_A, 'w1', ADDRESS)).toEqual({ ok: false, code: 'already-in-swarm' });
    expect(registry.watch(SWARM_A, 's2', ADDRESS)).toEqual({ ok: false, code: 'already-in-swarm' });
    expect(registry.join(SWARM_A, { peerId: 'p9', socketId: 'w1', keyDigest: KEY })).toEqual({
      ok: false,
      code: 'already-in-swarm',
    });
    expect(registry.watch(SWARM_A, 'w2', ADDRESS)).toMatchObject({ ok: true });
    expect(registry.watch(SWARM_A, 'w3', ADDRESS)).toEqual({ ok: false, code: 'too-many-watchers' });
    // Screens anyone with the link may open cannot keep out the teacher's: the control secret's holder gets in.
    expect(registry.watch(SWARM_A, 'w4', ADDRESS, CONTROL)).toMatchObject({ ok: true, inControl: true });
    expect(registry.watch(SWARM_A, 'w5', ADDRESS, WRONG_CONTROL)).toEqual({ ok: false, code: 'too-many-watchers' });
    expect(registry.unwatch('w4')).toBe(SWARM_A);

    expect(registry.membershipOf('w1')).toBeUndefined();
    expect(registry.followedSwarmOf('w1')).toBe(SWARM_A);
    expect(registry.socketsOf(SWARM_A)).toEqual(['s1', 's2']);
    expect(registry.audienceOf(SWARM_A)).toEqual(['s1', 's2', 'w1', 'w2']);
    expect(registry.report('w1', LEECHING)).toEqual({ ok: false, code: 'not-in-swarm' });
    expect(registry.leave('w1')).toBeUndefined(); // a watcher is no member

    expect(registry.unwatch('w2')).toBe(SWARM_A);
    expect(registry.unwatch('w2')).toBeUndefined();
    expect(registry.unwatch('s2')).toBeUndefined(); // a member is no watcher
    expect(registry.watch(SWARM_A, 'w3', ADDRESS)).toMatchObject({ ok: true });

    registry.leave('s1');
    expect(registry.leave('s2')).toMatchObject({ swarmDeleted: true, orphanedWatcherSocketIds: ['w1', 'w3'] });
    expect(registry.hasSwarm(SWARM_A)).toBe(false);
    expect(registry.followedSwarmOf('w1')).toBeUndefined();
    expect(registry.audienceOf(SWARM_A)).toEqual([]);
  });

  it('keeps a share of the watchers for other addresses, and lets the control secret’s holder past it', () => {
    const { registry } = setUp({ maxWatchersPerSwarm: 4, maxWatchersPerAddressInSwarm: 2 });
    expect(registry.watch(SWARM_A, 'w1', ADDRESS)).toMatchObject({ ok: true });
    expect(registry.watch(SWARM_A, 'w2', ADDRESS)).toMatchObject({ ok: true });
    expect(registry.watch(SWARM_A, 'w3', ADDRESS)).toEqual({ ok: false, code: 'too-many-watchers-from-address' });
    expect(registry.watch(SWARM_A, 'w3', ADDRESS, CONTROL)).toMatchObject({ ok: true, inControl: true });
    expect(registry.watch(SWARM_A, 'w4', '192.0.2.2')).toMatchObject({ ok: true });
    registry.unwatch('w1');
    expect(registry.watch(SWARM_A, 'w5', ADDRESS)).toMatchObject({ ok: true });
    expect(registry.watch(SWARM_A, 'w6', '192.0.2.3')).toEqual({ ok: false, code: 'too-many-watchers' });
  });

  it('keeps the ids of members that left against one address’s churn, the founder’s above all', () => {
    const registry = createSwarmRegistry({ limits: { ...LIMITS, maxPeersPerSwarm: 4 }, nowMs: () => 100 });
    // A swarm id its seal makes, as the server's are, so that a member can resume in it.
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const member = (peerId: string, socketId: string, address: string) => ({
      peerId,
      socketId,
      keyDigest: KEY,
      address,
    });
    const founder = member('p1', 's1', 'teacher');
    expect(registry.create({ swarmId, contentId, manifest, founder, seal: SEAL })).toMatchObject({ ok: true });
    expect(registry.join(swarmId, member('p2', 's2', 'classroom'))).toMatchObject({ ok: true });
    expect(registry.join(swarmId, member('p3', 's3', 'classroom'))).toMatchObject({ ok: true });
    // The founder's laptop sleeps past its grace; a classmate leaves.
    registry.suspend('s1');
    registry.expire(swarmId, 'p1');
    registry.leave('s3');
    // One address joins and leaves four times as many as the swarm holds.
    for (let i = 0; i < 4 * 4; i++) {
      expect(registry.join(swarmId, member(`x${i}`, `sx${i}`, 'prankster'))).toMatchObject({ ok: true });
      registry.leave(`sx${i}`);
    }
    const resume = { swarmId, seal: SEAL, run: null, socketId: 'thief', keyDigest: OTHER_KEY };
    expect(registry.resume({ ...resume, peerId: 'p1', role: 'seeder' })).toEqual({ ok: false, code: 'peer-id-taken' });
    expect(registry.resume({ ...resume, peerId: 'p3', role: 'leecher' })).toEqual({ ok: false, code: 'peer-id-taken' });
    // The founder comes back as the seeder.
    expect(
      registry.resume({ ...resume, peerId: 'p1', role: 'seeder', socketId: 's1b', keyDigest: KEY, control: CONTROL }),
    ).toMatchObject({ ok: true, inControl: true });
    expect(registry.progressOf(swarmId)?.peers.find((peer) => peer.peerId === 'p1')?.role).toBe('seeder');
  });

  it('gives a reloaded tab taking its place back the links the controller set for it', () => {
    const { registry, at, joinAt } = setUp();
    joinAt(200, 'p2', 's2');
    expect(registry.configure('s1', 'p2', { downloadBytesPerSec: 20_000 })).toMatchObject({ ok: true });
    expect(at(300).startRun('s1', SHAPED)).toMatchObject({ ok: true });
    registry.leave('s2');
    expect(registry.join(SWARM_A, { peerId: 'p2', socketId: 's2b', keyDigest: KEY }, undefined, true)).toMatchObject({
      ok: true,
    });
    expect(registry.progressOf(SWARM_A)?.peers.find((peer) => peer.peerId === 'p2')).toMatchObject({
      override: { downloadBytesPerSec: 20_000 },
      overrideByControl: true,
    });
    // Its link's own settings, sent again as it joins, do not replace them; the controller may.
    expect(registry.configure('s2b', 'p2', { downloadBytesPerSec: 50_000 })).toEqual({
      ok: false,
      code: 'links-set-by-control',
    });
    expect(registry.configure('s1', 'p2', {})).toMatchObject({ ok: true });
    expect(registry.configure('s2b', 'p2', { downloadBytesPerSec: 50_000 })).toMatchObject({ ok: true });
  });

  it('starts a run from a member or a watcher, with every member taking part and its overrides', () => {
    const { registry, at, joinAt } = setUp();
    joinAt(200, 'p2', 's2');
    joinAt(300, 'p3', 's3');
    registry.watch(SWARM_A, 'w1', ADDRESS, CONTROL);
    expect(registry.configure('w1', 'p3', { uploadBytesPerSec: null, leaveOnComplete: true })).toMatchObject({
      ok: true,
    });
    expect(registry.configure('w1', 'p3', { uploadBytesPerSec: 20_000 })).toMatchObject({ ok: true }); // replaces
    expect(registry.configure('w1', 'nobody', {})).toEqual({ ok: false, code: 'peer-not-found' });
    expect(registry.configure('outsider', 'p3', {})).toEqual({ ok: false, code: 'not-in-swarm' });

    const started = at(1000).startRun('w1', SHAPED);
    expect(started).toEqual({
      ok: true,
      swarmId: SWARM_A,
      memberSocketIds: ['s1', 's2', 's3'],
      started: {
        runNumber: 1,
        config: SHAPED,
        settings: {
          p1: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
          p2: { uploadBytesPerSec: 100_000, downloadBytesPerSec: null, leaveOnComplete: false },
          p3: { uploadBytesPerSec: 20_000, downloadBytesPerSec: null, leaveOnComplete: false },
        },
        elapsedMs: 0,
      },
    });
    expect(registry.startRun('s1', SHAPED)).toEqual({ ok: false, code: 'run-in-progress' });
    expect(registry.startRun('outsider', SHAPED)).toEqual({ ok: false, code: 'not-in-swarm' });
    expect(at(1500).progressOf(SWARM_A)).toMatchObject({
      config: SHAPED,
      run: { runNumber: 1, phase: 'running', elapsedMs: 500, startedAtEpochMs: 1_700_000_001_000 },
    });

    // A newcomer takes part at once; its peer id must not clash with a participant's.
    const joined = at(1600).join(SWARM_A, { peerId: 'p4', socketId: 's4', keyDigest: KEY });
    expect(joined).toMatchObject({ ok: true, run: { runNumber: 1, settings: { p4: {} } } });
    // The seeder vouches for every leecher's completion: it says it sent each the file.
    const vouch = vouching(1, [{ peerId: 'p2' }, { peerId: 'p3' }, { peerId: 'p4' }]);
    expect(at(1700).report('s1', vouch)).toMatchObject({ ok: true });
    registry.report('s2', { ...DONE, runNumber: 1 });
    registry.leave('s2');
    expect(registry.hasPeerId(SWARM_A, 'p2')).toBe(true); // still in the run, not present
    expect(registry.socketOf(SWARM_A, 'p2')).toBeUndefined();
    expect(() => registry.join(SWARM_A, { peerId: 'p2', socketId: 's9', keyDigest: KEY })).toThrow(DuplicateIdError);

    at(2000).report('s3', { ...DONE, runNumber: 1 });
    at(2600).report('s4', { ...DONE, runNumber: 1 });
    expect(at(3000).progressOf(SWARM_A)).toMatchObject({
      run: { runNumber: 1, phase: 'finished', distributionMs: 1600, elapsedMs: 1600 },
    });
    expect(registry.stopRun('s1')).toEqual({ ok: false, code: 'no-run' });
  });

  it('counts a member whose socket is down as away from the start of a run begun meanwhile, until it resumes', () => {
    const clock = { nowMs: 100 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const at = (nowMs: number) => {
      clock.nowMs = nowMs;
      return registry;
    };
    // A swarm id its seal makes, as the server's are, so that a member can resume in it.
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const founder = { peerId: 'p1', socketId: 's1', keyDigest: KEY };
    expect(registry.create({ swarmId, contentId, manifest, founder, seal: SEAL })).toMatchObject({ ok: true });
    for (const [peerId, socketId] of [
      ['p2', 's2'],
      ['p3', 's3'],
    ] as const)
      expect(at(200).join(swarmId, { peerId, socketId, keyDigest: KEY })).toMatchObject({ ok: true });
    expect(at(400).suspend('s3')).toEqual({ swarmId, peerId: 'p3' });
    expect(at(1000).startRun('s1', DEFAULT_RUN_CONFIG)).toMatchObject({ ok: true, memberSocketIds: ['s1', 's2'] });
    const awayOf = () =>
      Object.fromEntries(registry.exportSwarm(swarmId)!.runs.live!.participants.map((p) => [p.peerId, p.away]));
    expect(awayOf()).toEqual({ p1: false, p2: false, p3: true });
    const resume = {
      swarmId,
      peerId: 'p3',
      socketId: 's3b',
      keyDigest: KEY,
      seal: SEAL,
      role: 'leecher' as const,
      run: null,
    };
    expect(at(2000).resume(resume)).toMatchObject({ ok: true });
    expect(awayOf()).toEqual({ p1: false, p2: false, p3: false });
  });

  it('keeps believing what a leecher flagged as unconfirmed says it sent: one liar’s under-report frames one, not a chain', () => {
    const { at, joinAt } = setUp();
    for (const [index, peerId] of ['liar', 'a', 'b'].entries()) joinAt(200 + index, peerId, `s-${peerId}`);
    at(1000).startRun('s1', DEFAULT_RUN_CONFIG);
    const F = 40 * 1024;
    const seeder: ProgressReport = {
      ...complete(1, 'seeder'),
      downloadedBytes: 0,
      peakDownloadBytesPerSec: 0,
      uploadedBytes: F,
      sentTo: [
        { peerId: 'a', bytes: F / 2 },
        { peerId: 'b', bytes: F / 2 },
      ],
    };
    // The liar sent a the other half of the file, and says it sent nobody anything: a is framed (TRUST says so).
    const liar: ProgressReport = { ...leeching(1), uploadedBytes: F / 2, sentTo: [] };
    // a sent b the half b did not have from the seeder.
    const a: ProgressReport = { ...complete(1), uploadedBytes: F / 2, sentTo: [{ peerId: 'b', bytes: F / 2 }] };
    const participant = (peerId: string) =>
      at(0)
        .progressOf(SWARM_A)!
        .run!.participants.find((p) => p.peerId === peerId)!;
    for (let nowMs = 2000; nowMs <= 26_000; nowMs += 500) {
      at(nowMs).report('s1', seeder);
      at(nowMs).report('s-liar', liar);
      at(nowMs).report('s-a', a);
      // b completes once a has been flagged.
      at(nowMs).report(
        's-b',
        nowMs < 13_000 ? { ...leeching(1), uploadedBytes: 0 } : { ...complete(1), uploadedBytes: 0 },
      );
    }
    expect(participant('a').flagged?.reason).toMatch(/not confirmed/);
    expect(participant('b')).toMatchObject({ flagged: null, corroborated: true, witnessedBytes: F });
    // Outside N, what a sent b still delivered part of the copies: the bounds count it against N·F (with the liar's
    // own 16 KiB, which nobody here says they sent it).
    expect(at(26_000).progressOf(SWARM_A)!.run!.uncountedUploadedBytes).toBe(F / 2 + 16 * 1024);
  });

  it('stops a run, and refuses to start one once the founder (the only seeder) has left', () => {
    const { registry, at, joinAt } = setUp();
    joinAt(200, 'p2', 's2', CONTROL);
    at(1000).startRun('s2', DEFAULT_RUN_CONFIG);
    expect(at(1200).stopRun('s2')).toEqual({
      ok: true,
      swarmId: SWARM_A,
      runNumber: 1,
      memberSocketIds: ['s1', 's2'],
    });
    expect(registry.progressOf(SWARM_A)).toMatchObject({ run: { phase: 'stopped' } });
    expect(registry.join(SWARM_A, { peerId: 'p3', socketId: 's3', keyDigest: KEY })).toMatchObject({
      ok: true,
      run: null,
    });
    registry.leave('s1');
    expect(registry.startRun('s2', DEFAULT_RUN_CONFIG)).toEqual({ ok: false, code: 'no-seeder' });
    expect(registry.progressOf(SWARM_A)).toMatchObject({ run: { runNumber: 1, phase: 'stopped' } });
  });

  it('reserves run control to the founder and to the sockets that presented the control secret', () => {
    const { registry, at, joinAt } = setUp();
    joinAt(200, 'p2', 's2');
    joinAt(300, 'p3', 's3', WRONG_CONTROL);
    expect(at(350).join(SWARM_A, { peerId: 'p4', socketId: 's4', keyDigest: KEY }, CONTROL)).toMatchObject({
      inControl: true,
    });
    expect(registry.watch(SWARM_A, 'w1', ADDRESS)).toMatchObject({ ok: true, inControl: false });
    expect(registry.watch(SWARM_A, 'w2', ADDRESS, CONTROL)).toMatchObject({ ok: true, inControl: true });

    const before = registry.progressOf(SWARM_A);
    for (const socketId of ['s2', 's3', 'w1']) {
      expect(registry.startRun(socketId, SHAPED), socketId).toEqual({ ok: false, code: 'not-in-control' });
      expect(registry.stopRun(socketId), socketId).toEqual({ ok: false, code: 'not-in-control' });
      expect(registry.configure(socketId, 'p1', { uploadBytesPerSec: 10_000 }), socketId).toEqual({
        ok: false,
        code: 'not-in-control',
      });
    }
    // Refused before anything else: whether a peer exists is no business of a socket out of control.
    expect(registry.configure('w1', 'nobody', {})).toEqual({ ok: false, code: 'not-in-control' });
    expect(registry.progressOf(SWARM_A)).toEqual(before);

    // A member still sets its own links.
    expect(registry.configure('s2', 'p2', { downloadBytesPerSec: 50_000 })).toMatchObject({ ok: true });
    for (const socketId of ['s1', 's4', 'w2']) {
      expect(registry.configure(socketId, 'p3', {}), socketId).toMatchObject({ ok: true });
    }
    expect(at(1000).startRun('w2', SHAPED)).toMatchObject({ ok: true });
    expect(registry.stopRun('s4')).toMatchObject({ ok: true });
    expect(registry.startRun('s1', SHAPED)).toMatchObject({ ok: true });
  });

  it('ends the swarm with its last member, its runs with it', () => {
    const { registry, joinAt } = setUp();
    joinAt(200, 'p2', 's2');
    registry.startRun('s1', DEFAULT_RUN_CONFIG);
    registry.leave('s2');
    expect(registry.leave('s1')).toMatchObject({ swarmDeleted: true, remainingSocketIds: [] });
    expect(registry.progressOf(SWARM_A)).toBeUndefined();
    expect(registry.startRun('s1', DEFAULT_RUN_CONFIG)).toEqual({ ok: false, code: 'not-in-swarm' });
  });
});

describe('swarm registry: a sender that does not hold to its cap', () => {
  it('holds its receivers to the others’ caps only, once its own reports were refused', async () => {
    // 1 MiB in 64 chunks: at 1,000 B/s per sender, far more than a second's worth with every allowance.
    const { manifest, contentId } = await makeManifest(1024 * 1024);
    const clock = { nowMs: 100 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const at = (nowMs: number) => {
      clock.nowMs = nowMs;
      return registry;
    };
    registry.create({
      swarmId: SWARM_A,
      contentId,
      manifest,
      founder: { peerId: 'p1', socketId: 's1', keyDigest: KEY },
      seal: SEAL,
    });
    for (const peerId of ['cheat', 'victim'])
      registry.join(SWARM_A, { peerId, socketId: `s-${peerId}`, keyDigest: KEY });
    at(1000).startRun('s1', { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 1000, peerUploadBytesPerSec: 1000 });
    const whole: ProgressReport = {
      role: 'leecher',
      runNumber: 1,
      bitsBase64: Buffer.alloc(8, 0xff).toString('base64'),
      chunksHeld: 64,
      complete: true,
      uploadedBytes: 0,
      downloadedBytes: 1024 * 1024,
      uploadBytesPerSec: 0,
      downloadBytesPerSec: 500_000,
      peakUploadBytesPerSec: 0,
      peakDownloadBytesPerSec: 500_000,
      sentTo: [],
    };
    // The cheat's shaper is patched away: it sends the victim the file in a second, and says so.
    const cheat = { ...whole, uploadedBytes: 1024 * 1024, sentTo: [{ peerId: 'victim', bytes: 1024 * 1024 }] };
    expect(at(2000).report('s-cheat', cheat)).toMatchObject({ ok: false, code: 'implausible-report' });
    expect(at(2100).report('s-victim', whole)).toMatchObject({ ok: true });
    const flagged = at(2100)
      .progressOf(SWARM_A)!
      .peers.map((peer) => [peer.peerId, peer.flagged !== null]);
    expect(flagged).toEqual([
      ['p1', false],
      ['cheat', true],
      ['victim', false],
    ]);
  });
});

describe('swarm registry: a run restored from members’ accounts', () => {
  /** Its resume's identity, for member `peerId` of swarm `swarmId` (its socket and key named after it). */
  const placeIn =
    (swarmId: string) =>
    (peerId: string): Pick<ResumeInput, 'swarmId' | 'peerId' | 'socketId' | 'keyDigest' | 'seal'> => ({
      swarmId,
      peerId,
      socketId: `socket-${peerId}`,
      keyDigest: memberKeyDigestOf(`key-${peerId}`),
      seal: SEAL,
    });
  /** The bitmap of the whole of `manifest`'s file. */
  const wholeBits = (manifest: Manifest): string =>
    Buffer.alloc(manifest.chunkSha256.length / 8, 0xff).toString('base64');
  /** The seeder's report of run `runNumber`: it holds the file, and sent the whole of it to each of `receivers`. */
  const seederSentWhole = (manifest: Manifest, runNumber: number, receivers: readonly string[]): ProgressReport => ({
    ...complete(runNumber, 'seeder'),
    bitsBase64: wholeBits(manifest),
    chunksHeld: manifest.chunkSha256.length,
    uploadedBytes: receivers.length * manifest.sizeBytes,
    downloadedBytes: 0,
    uploadBytesPerSec: 0,
    peakUploadBytesPerSec: 0,
    sentTo: receivers.map((peerId) => ({ peerId, bytes: manifest.sizeBytes })),
  });
  /** A puppet's report of run 1: it holds the whole file, and sent the whole of it to `other` at 100 kB/s. */
  const puppetVouchingFor = (manifest: Manifest, other: string): ProgressReport => ({
    role: 'leecher',
    runNumber: 1,
    bitsBase64: wholeBits(manifest),
    chunksHeld: manifest.chunkSha256.length,
    complete: true,
    uploadedBytes: manifest.sizeBytes,
    downloadedBytes: manifest.sizeBytes,
    uploadBytesPerSec: 100_000,
    downloadBytesPerSec: 100_000,
    peakUploadBytesPerSec: 100_000,
    peakDownloadBytesPerSec: 100_000,
    sentTo: [{ peerId: other, bytes: manifest.sizeBytes }],
  });
  /** A leecher's report of run `runNumber`: it received the whole file, and sent nothing. */
  const leecherHoldsWhole = (manifest: Manifest, runNumber: number): ProgressReport => ({
    ...complete(runNumber),
    bitsBase64: wholeBits(manifest),
    chunksHeld: manifest.chunkSha256.length,
    downloadedBytes: manifest.sizeBytes,
    uploadedBytes: 0,
    uploadBytesPerSec: 0,
    peakUploadBytesPerSec: 0,
    downloadBytesPerSec: 0,
    peakDownloadBytesPerSec: 0,
  });

  it('judges the reports taken before the controller’s account again by its account (two puppets claiming no caps)', async () => {
    const FILE_BYTES = 16 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      peerUploadBytesPerSec: 200_000,
      peerDownloadBytesPerSec: 200_000,
    };
    const uncapped = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
    const run = {
      runNumber: 1,
      config: capped,
      settings: uncapped,
      elapsedMs: 1000,
      completedAfterMs: null,
      participants: [
        { peerId: 's', role: 'seeder' as const },
        { peerId: 'h1', role: 'leecher' as const },
        { peerId: 'h2', role: 'leecher' as const },
      ],
    };
    const place = placeIn(swarmId);
    // After a restart, two tabs of one student are back first, each claiming the run had no caps for it.
    expect(registry.restore({ ...place('h1'), role: 'leecher', run, contentId, manifest })).toMatchObject({ ok: true });
    expect(registry.resume({ ...place('h2'), role: 'leecher', run })).toMatchObject({ ok: true });
    // 2.1 s later each reports the whole file, sent to it by the other: believed by their claims (no caps).
    clock.nowMs = 3100;
    const completed = (other: string): ProgressReport => puppetVouchingFor(manifest, other);
    expect(registry.report('socket-h1', completed('h2'))).toMatchObject({ ok: true });
    expect(registry.report('socket-h2', completed('h1'))).toMatchObject({ ok: true });
    // The teacher's tab comes back: the run was capped at 200 kB/s, and nobody was given more.
    clock.nowMs = 4000;
    const seederSettings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
    expect(
      registry.resume({ ...place('s'), role: 'seeder', control: CONTROL, run: { ...run, settings: seederSettings } }),
    ).toMatchObject({ ok: true });
    // Before, both completions stood, unflagged and confirmed: 16 MiB in 2.1 s at 200 kB/s.
    const flagged = registry
      .progressOf(swarmId)
      ?.peers.filter((peer) => peer.flagged !== null)
      .map((peer) => peer.peerId);
    expect(flagged?.sort()).toEqual(['h1', 'h2']);
  });

  it('judges a member its restorer left off the list from the run’s start, the teacher included', async () => {
    const FILE_BYTES = 4 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      seederUploadBytesPerSec: 20_000,
      peerUploadBytesPerSec: 20_000,
      peerDownloadBytesPerSec: 20_000,
    };
    const everyone = [
      { peerId: 'teacher', role: 'seeder' as const },
      { peerId: 'honest', role: 'leecher' as const },
      { peerId: 'liar', role: 'leecher' as const },
    ];
    // The run is 300 s old: 4 MiB at 20 kB/s takes 210 s.
    const runOf = (peerId: string, role: 'seeder' | 'leecher', participants = everyone) => ({
      runNumber: 1,
      config: capped,
      settings: {
        uploadBytesPerSec: 20_000,
        downloadBytesPerSec: role === 'seeder' ? null : 20_000,
        leaveOnComplete: false,
      },
      elapsedMs: 300_000,
      completedAfterMs: null,
      participants: participants.filter((listed) => listed.peerId !== peerId),
    });
    const place = placeIn(swarmId);
    // The liar is back first, and lists nobody.
    expect(
      registry.restore({ ...place('liar'), role: 'leecher', run: runOf('liar', 'leecher', []), contentId, manifest }),
    ).toMatchObject({ ok: true });
    clock.nowMs += 500;
    expect(
      registry.resume({ ...place('teacher'), role: 'seeder', control: CONTROL, run: runOf('teacher', 'seeder') }),
    ).toMatchObject({ ok: true });
    // The honest leecher's tab completed 215 s into the run.
    const honestRun = { ...runOf('honest', 'leecher'), completedAfterMs: 215_000 };
    expect(registry.resume({ ...place('honest'), role: 'leecher', run: honestRun })).toMatchObject({ ok: true });
    clock.nowMs += 300;
    const seederReport = seederSentWhole(manifest, 1, ['honest']);
    const honestReport = leecherHoldsWhole(manifest, 1);
    // Before, both judged as newcomers of 0.3 s: "faster than its upload cap", flagged for the swarm's life.
    expect(registry.report('socket-teacher', seederReport)).toMatchObject({ ok: true });
    expect(registry.report('socket-honest', honestReport)).toMatchObject({ ok: true });
    expect(registry.progressOf(swarmId)?.peers.filter((peer) => peer.flagged !== null)).toEqual([]);
    // Its completion as its tab timed it: taken at its report, it was 300.8 s.
    const honest = registry.progressOf(swarmId)?.run?.participants.find((p) => p.peerId === 'honest');
    expect(honest?.completedAfterMs).toBe(215_000);
  });

  it.each([
    ['a tab nobody listed', false],
    ['a place the restorer listed', true],
  ])('takes no completion its caps forbid from %s: it is timed at its next report', async (_what, listed) => {
    const FILE_BYTES = 4 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      seederUploadBytesPerSec: 20_000,
      peerUploadBytesPerSec: 20_000,
      peerDownloadBytesPerSec: 20_000,
    };
    const runOf = (role: 'seeder' | 'leecher', completedAfterMs: number | null) => ({
      runNumber: 1,
      config: capped,
      settings: {
        uploadBytesPerSec: 20_000,
        downloadBytesPerSec: role === 'seeder' ? null : 20_000,
        leaveOnComplete: false,
      },
      elapsedMs: 300_000,
      completedAfterMs,
      participants: role === 'seeder' && listed ? [{ peerId: 'puppet', role: 'leecher' as const }] : [],
    });
    const place = placeIn(swarmId);
    const teacher = { ...place('teacher'), role: 'seeder' as const, control: CONTROL, run: runOf('seeder', null) };
    expect(registry.restore({ ...teacher, contentId, manifest })).toMatchObject({ ok: true });
    clock.nowMs += 500;
    // 4 MiB at 20 kB/s takes 210 s at the least; the tab says 1 s.
    expect(registry.resume({ ...place('puppet'), role: 'leecher', run: runOf('leecher', 1000) })).toMatchObject({
      ok: true,
    });
    clock.nowMs += 300;
    const seederReport = seederSentWhole(manifest, 1, ['puppet']);
    expect(registry.report('socket-teacher', seederReport)).toMatchObject({ ok: true });
    // Before, the run finished in 1 s.
    const run = registry.progressOf(swarmId)?.run;
    expect(run?.phase).toBe('running');
    expect(run?.participants.find((p) => p.peerId === 'puppet')?.completedAfterMs).toBeNull();
  });

  it('takes a described completion once the teacher’s account shows the caps allowed it, not at the next report', async () => {
    const FILE_BYTES = 4 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      mode: 'client-server',
      seederUploadBytesPerSec: 20_000,
      peerUploadBytesPerSec: 20_000,
      peerDownloadBytesPerSec: null,
    };
    // The teacher raised its own upload to 80 kB/s: 4 MiB each to two leechers in 105 s, where 20 kB/s takes 420 s.
    const teacherSettings = { uploadBytesPerSec: 80_000, downloadBytesPerSec: null, leaveOnComplete: false };
    const leecherSettings = { uploadBytesPerSec: 20_000, downloadBytesPerSec: null, leaveOnComplete: false };
    const everyone = [
      { peerId: 'teacher', role: 'seeder' as const, settings: teacherSettings },
      { peerId: 'honest', role: 'leecher' as const, settings: leecherSettings },
      { peerId: 'other', role: 'leecher' as const, settings: leecherSettings },
    ];
    const runOf = (peerId: string, role: 'seeder' | 'leecher', completedAfterMs: number | null) => ({
      runNumber: 1,
      config: capped,
      settings: role === 'seeder' ? teacherSettings : leecherSettings,
      elapsedMs: 300_000,
      completedAfterMs,
      participants: everyone.filter((listed) => listed.peerId !== peerId),
    });
    const place = placeIn(swarmId);
    const restorer = { ...place('other'), role: 'leecher' as const, run: runOf('other', 'leecher', 100_000) };
    expect(registry.restore({ ...restorer, contentId, manifest })).toMatchObject({ ok: true });
    clock.nowMs += 500;
    // Back before the teacher: judged then alone, its completion fell to its next report (300.8 s).
    const honest = { ...place('honest'), role: 'leecher' as const, run: runOf('honest', 'leecher', 100_000) };
    expect(registry.resume(honest)).toMatchObject({ ok: true });
    const teacher = {
      ...place('teacher'),
      role: 'seeder' as const,
      control: CONTROL,
      run: runOf('teacher', 'seeder', null),
    };
    expect(registry.resume(teacher)).toMatchObject({ ok: true });
    clock.nowMs += 300;
    const seederReport = seederSentWhole(manifest, 1, ['honest', 'other']);
    const leecherReport = leecherHoldsWhole(manifest, 1);
    expect(registry.report('socket-teacher', seederReport)).toMatchObject({ ok: true });
    expect(registry.report('socket-honest', leecherReport)).toMatchObject({ ok: true });
    expect(registry.report('socket-other', leecherReport)).toMatchObject({ ok: true });
    expect(registry.progressOf(swarmId)?.peers.filter((peer) => peer.flagged !== null)).toEqual([]);
    expect(registry.progressOf(swarmId)?.run).toMatchObject({ phase: 'finished', distributionMs: 100_000 });
  });

  it('lets a described completion go once the teacher’s account caps the run its restorer described uncapped', async () => {
    const FILE_BYTES = 4 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      seederUploadBytesPerSec: 20_000,
      peerUploadBytesPerSec: 20_000,
      peerDownloadBytesPerSec: 20_000,
    };
    const place = placeIn(swarmId);
    // The puppet, back first, says the run had no caps and it completed 1 s in.
    const puppetRun = {
      runNumber: 1,
      config: DEFAULT_RUN_CONFIG,
      settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 300_000,
      completedAfterMs: 1000,
      participants: [{ peerId: 'teacher', role: 'seeder' as const }],
    };
    const puppet = { ...place('puppet'), role: 'leecher' as const, run: puppetRun };
    expect(registry.restore({ ...puppet, contentId, manifest })).toMatchObject({ ok: true });
    clock.nowMs += 500;
    const teacherRun = {
      runNumber: 1,
      config: capped,
      settings: { uploadBytesPerSec: 20_000, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 300_500,
      completedAfterMs: null,
      participants: [
        {
          peerId: 'puppet',
          role: 'leecher' as const,
          settings: { uploadBytesPerSec: 20_000, downloadBytesPerSec: 20_000, leaveOnComplete: false },
        },
      ],
    };
    const teacher = { ...place('teacher'), role: 'seeder' as const, control: CONTROL, run: teacherRun };
    expect(registry.resume(teacher)).toMatchObject({ ok: true });
    clock.nowMs += 300;
    const seederReport = seederSentWhole(manifest, 1, ['puppet']);
    expect(registry.report('socket-teacher', seederReport)).toMatchObject({ ok: true });
    // Before, the run finished in 1 s under the capped config (4 MiB at 20 kB/s takes 210 s).
    const run = registry.progressOf(swarmId)?.run;
    expect(run?.phase).toBe('running');
    expect(run?.participants.find((p) => p.peerId === 'puppet')?.completedAfterMs).toBeNull();
  });

  it('judges a member back before a later restore that left it off the list from the run’s start, as it said', async () => {
    const FILE_BYTES = 4 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const capped: RunConfig = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 20_000, peerDownloadBytesPerSec: 20_000 };
    const runOf = (participants: { peerId: string; role: 'seeder' | 'leecher' }[]) => ({
      runNumber: 3,
      config: capped,
      settings: { uploadBytesPerSec: 20_000, downloadBytesPerSec: 20_000, leaveOnComplete: false },
      elapsedMs: 300_000,
      completedAfterMs: null,
      participants,
    });
    const place = (peerId: string) => ({ ...placeIn(swarmId)(peerId), role: 'leecher' as const });
    // s1's tab knew no run (checking its chunks); s2 describes run 3, alone, not believed.
    expect(registry.restore({ ...place('s1'), run: null, contentId, manifest })).toMatchObject({ ok: true });
    expect(registry.resume({ ...place('s2'), run: runOf([]) })).toMatchObject({ ok: true, run: null });
    // s3 describes run 3 too, its table lagging (s2 not in it): the run is restored, and s1 and s2 take part.
    expect(registry.resume({ ...place('s3'), run: runOf([{ peerId: 's1', role: 'leecher' }]) })).toMatchObject({
      ok: true,
      run: { runNumber: 3 },
    });
    clock.nowMs += 300;
    const report = leecherHoldsWhole(manifest, 3);
    // s2's engine ran the run since its start: before, judged from 0.3 s ago, "faster than its download cap".
    expect(registry.report('socket-s2', report)).toMatchObject({ ok: true });
    expect(registry.progressOf(swarmId)?.peers.filter((peer) => peer.flagged !== null)).toEqual([]);
  });

  describe('the controller’s account of its run going on wins over what a member back first said', () => {
    const noCaps = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
    const capped: RunConfig = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 20_000, peerDownloadBytesPerSec: 20_000 };
    const teachersRun = {
      runNumber: 3,
      config: capped,
      settings: noCaps,
      elapsedMs: 5000,
      completedAfterMs: null,
      participants: [{ peerId: 'student', role: 'leecher' as const }],
    };
    const setUp = async () => {
      const { manifest, contentId } = await makeManifest();
      const swarmId = swarmIdOfSeal(SEAL, contentId);
      const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => 1000 });
      const place = placeIn(swarmId);
      const teacherBack = () =>
        registry.resume({
          ...place('teacher'),
          role: 'seeder',
          control: CONTROL,
          run: teachersRun,
          latestRunNumber: 3,
        });
      return { registry, swarmId, manifest, contentId, place, teacherBack };
    };

    it('a member saying it saw a later run does not keep the teacher’s run from being restored', async () => {
      const { registry, swarmId, manifest, contentId, place, teacherBack } = await setUp();
      const registered = { ...place('student'), role: 'leecher' as const, run: null, latestRunNumber: 4 };
      expect(registry.restore({ ...registered, contentId, manifest })).toMatchObject({ ok: true });
      // Before, refused as older than the student's "latest run 4": the swarm had no run.
      expect(teacherBack()).toMatchObject({ ok: true, run: { runNumber: 3 } });
      expect(registry.progressOf(swarmId)?.run).toMatchObject({ runNumber: 3, phase: 'running', config: capped });
    });
  });

  it('takes no time a place is awaited for withholding: an awaited student is not flagged within its grace', async () => {
    const { manifest, contentId, swarmId, clock, registry, run } = await restartedRun(['a', 'asleep'], {
      ...LIMITS,
      memberGraceMs: 60_000,
    });
    const place = placeIn(swarmId);
    // The teacher's tab registers the run again; `a`, which completed before the restart, is back; `asleep`'s laptop
    // lid is closed. The teacher's engine had sent both the whole file.
    expect(
      registry.restore({ ...place('s'), role: 'seeder', control: CONTROL, run: run(null), contentId, manifest }),
    ).toMatchObject({ ok: true });
    expect(registry.resume({ ...place('a'), role: 'leecher', run: run(50_000) })).toMatchObject({ ok: true });
    for (let sinceRestoreMs = 300; sinceRestoreMs <= 35_000; sinceRestoreMs += 300) {
      clock.nowMs = 1000 + sinceRestoreMs;
      registry.report('socket-s', seederSentWhole(manifest, 1, ['a', 'asleep']));
      registry.report('socket-a', leecherHoldsWhole(manifest, 1));
    }
    // Before, `asleep` was flagged withholding 30 s after the teacher's report covered it, within its 60 s grace,
    // and the run finished without it.
    expect(registry.awaitsParticipants(swarmId)).toBe(true);
    const run1 = registry.progressOf(swarmId)?.run;
    expect(run1?.phase).toBe('running');
    expect(run1?.participants.find((p) => p.peerId === 'asleep')).toMatchObject({ flagged: null });
  });

  it('takes a student back first after a restart at its word for what it sent the classmates it lists', async () => {
    const classmates = Array.from({ length: 20 }, (_, index) => `c${index}`);
    const { manifest, contentId, swarmId, clock, registry, run } = await restartedRun(classmates);
    const place = placeIn(swarmId);
    expect(registry.restore({ ...place('a'), role: 'leecher', run: run(20_000), contentId, manifest })).toMatchObject({
      ok: true,
    });
    clock.nowMs += 300;
    // Its engine's totals since the run's start: the file received once, and a copy served to each of five classmates.
    const report: ProgressReport = {
      ...leecherHoldsWhole(manifest, 1),
      uploadedBytes: 5 * manifest.sizeBytes,
      sentTo: classmates.slice(0, 5).map((peerId) => ({ peerId, bytes: manifest.sizeBytes })),
    };
    // Its places counted only once a second account listed them (this session's first fix for a restorer's made-up
    // places), the bound was one peer's: the report was refused and the student flagged for good (found by review).
    expect(registry.report('socket-a', report)).toMatchObject({ ok: true });
    const a = registry.progressOf(swarmId)?.run?.participants.find((p) => p.peerId === 'a');
    expect(a).toMatchObject({ flagged: null });
  });

  it('lets a stranger resuming under a place given up after a restart inherit nothing sent under its id', async () => {
    const { manifest, contentId, swarmId, clock, registry, run } = await restartedRun(['h', 'b']);
    const place = placeIn(swarmId);
    expect(
      registry.restore({ ...place('s'), role: 'seeder', control: CONTROL, run: run(null), contentId, manifest }),
    ).toMatchObject({ ok: true });
    expect(registry.resume({ ...place('b'), role: 'leecher', run: run(null) })).toMatchObject({ ok: true });
    // The teacher's engine had sent `h` the whole file before the restart; `h` is not back within its grace.
    clock.nowMs += 300;
    registry.report('socket-s', seederSentWhole(manifest, 1, ['h']));
    clock.nowMs += LIMITS.memberGraceMs;
    registry.giveUpAwaiting(swarmId);
    // A stranger who saw `h`'s id on the screens resumes under it with its own key, describing a completion.
    clock.nowMs += 100;
    const stranger = { ...place('h'), socketId: 'socket-stranger', keyDigest: memberKeyDigestOf('a stranger') };
    expect(registry.resume({ ...stranger, role: 'leecher', run: run(1000) })).toMatchObject({ ok: true });
    clock.nowMs += 300;
    registry.report('socket-s', seederSentWhole(manifest, 1, ['h']));
    expect(registry.report('socket-stranger', leecherHoldsWhole(manifest, 1))).toMatchObject({ ok: true });
    // Before, it took the place back as recorded, and the teacher's account of the former `h` confirmed it.
    const h = registry.progressOf(swarmId)?.run?.participants.find((p) => p.peerId === 'h');
    expect(h).toMatchObject({ corroborated: false, witnessedBytes: 0 });
  });

  it('gives no place it awaits an id every object has, whoever listed it', async () => {
    const { manifest, contentId } = await makeManifest();
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => 1000 });
    const classmate = 'Kx9fQ2aaaaaaaaaaaaaaaa';
    // A look-alike of the classmate's short id, listed too: both places are taken, whichever comes first (held to the
    // short-id rule, a puppet back first under the look-alike shut the classmate out of its own place).
    const lookalike = `${classmate.slice(0, SHORT_PEER_ID_CHARS)}bbbbbbbbbbbbbbbb`;
    const run = {
      runNumber: 1,
      config: DEFAULT_RUN_CONFIG,
      settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
      elapsedMs: 5000,
      completedAfterMs: null,
      participants: [
        { peerId: '__proto__', role: 'leecher' as const },
        { peerId: classmate, role: 'leecher' as const },
        { peerId: lookalike, role: 'leecher' as const },
      ],
    };
    const place = (peerId: string) => ({ ...placeIn(swarmId)(peerId), role: 'leecher' as const });
    expect(registry.restore({ ...place('restorer'), run, contentId, manifest })).toMatchObject({ ok: true });
    // Before, `__proto__` was an awaited place, and a member took it.
    expect(registry.progressOf(swarmId)?.run?.participants.map((p) => p.peerId)).not.toContain('__proto__');
    expect(registry.resume({ ...place('__proto__'), run })).toMatchObject({ ok: false, code: 'peer-id-taken' });
    expect(registry.resume({ ...place(lookalike), run })).toMatchObject({ ok: true });
    expect(registry.resume({ ...place(classmate), run })).toMatchObject({ ok: true });
    // An id nobody listed is still held to the rule.
    const unlisted = `${classmate.slice(0, SHORT_PEER_ID_CHARS)}cccccccccccccccc`;
    expect(registry.resume({ ...place(unlisted), run })).toMatchObject({ ok: false, code: 'peer-id-taken' });
  });

  it('waits for the controller’s account even when the seeder is left off the list, until the members’ grace is over', async () => {
    const FILE_BYTES = 16 * 1024 * 1024;
    const { manifest, contentId } = await makeManifest(FILE_BYTES);
    const swarmId = swarmIdOfSeal(SEAL, contentId);
    const clock = { nowMs: 1000 };
    const registry = createSwarmRegistry({ limits: LIMITS, nowMs: () => clock.nowMs });
    const uncapped = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
    // Two puppets restore run 1 listing only each other: no seeder's place to await.
    const run = {
      runNumber: 1,
      config: DEFAULT_RUN_CONFIG,
      settings: uncapped,
      elapsedMs: 60_000,
      completedAfterMs: 1,
      participants: [
        { peerId: 'p1', role: 'leecher' as const },
        { peerId: 'p2', role: 'leecher' as const },
      ],
    };
    const place = placeIn(swarmId);
    // Restored now: its grace wait starts afresh (`restoredRun`); a resume into it does not restart it.
    expect(registry.restore({ ...place('p1'), role: 'leecher', run, contentId, manifest })).toMatchObject({
      ok: true,
      restoredRun: true,
    });
    expect(registry.resume({ ...place('p2'), role: 'leecher', run })).toMatchObject({ ok: true, restoredRun: false });
    // The grace timer runs though nobody is awaited: it ends the wait.
    expect(registry.awaitsParticipants(swarmId)).toBe(true);
    clock.nowMs += 100;
    const completed = (other: string): ProgressReport => puppetVouchingFor(manifest, other);
    expect(registry.report('socket-p1', completed('p2'))).toMatchObject({ ok: true });
    expect(registry.report('socket-p2', completed('p1'))).toMatchObject({ ok: true });
    // Before, finished at once in 1 ms, a result the teacher's account, back a moment later, no longer changed.
    expect(registry.progressOf(swarmId)?.run?.phase).toBe('running');
    // Nobody in control came back within the grace: the wait is over, and the run ends on what the members said.
    clock.nowMs += LIMITS.memberGraceMs;
    registry.giveUpAwaiting(swarmId);
    expect(registry.awaitsParticipants(swarmId)).toBe(false);
    expect(registry.progressOf(swarmId)?.run?.phase).toBe('finished');
  });
});

/**
 * A 4 MiB swarm's registry on a test clock, and the run 1 its members describe after a restart (uncapped, 60 s in,
 * `completedAfterMs` each member's own): seeder `s` and `leecherIds`.
 */
async function restartedRun(leecherIds: readonly string[], limits: SwarmRegistryLimits = LIMITS) {
  const { manifest, contentId } = await makeManifest(4 * 1024 * 1024);
  const swarmId = swarmIdOfSeal(SEAL, contentId);
  const clock = { nowMs: 1000 };
  const registry = createSwarmRegistry({ limits, nowMs: () => clock.nowMs });
  const run = (completedAfterMs: number | null) => ({
    runNumber: 1,
    config: DEFAULT_RUN_CONFIG,
    settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
    elapsedMs: 60_000,
    completedAfterMs,
    participants: [
      { peerId: 's', role: 'seeder' as const },
      ...leecherIds.map((peerId) => ({ peerId, role: 'leecher' as const })),
    ],
  });
  return { manifest, contentId, swarmId, clock, registry, run };
}
