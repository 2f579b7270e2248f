import type { Manifest, ProgressReport } from '@swarmlab/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSwarmRegistry, DuplicateIdError, type SwarmRegistry } from '../src/swarm-registry';
import { makeManifest } from './harness';

const SWARM_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const SWARM_B = 'BBBBBBBBBBBBBBBBBBBBBB';

describe('swarm registry', () => {
  let manifest: Manifest;
  let contentId: string;
  beforeAll(async () => {
    ({ manifest, contentId } = await makeManifest());
  });

  const registryWith = (limits = { maxSwarms: 10, maxPeersPerSwarm: 10 }): SwarmRegistry => createSwarmRegistry(limits);
  const create = (registry: SwarmRegistry, swarmId: string, peerId: string, socketId: string) =>
    registry.create({ swarmId, contentId, manifest, founder: { peerId, socketId } });

  it('creates a swarm with its founder, and joins list the peers already there, oldest first', () => {
    const registry = registryWith();
    expect(create(registry, SWARM_A, 'p1', 's1')).toMatchObject({ ok: true, swarm: { swarmId: SWARM_A, contentId } });
    expect(registry.join(SWARM_A, { peerId: 'p2', socketId: 's2' })).toMatchObject({ ok: true, existingPeers: ['p1'] });
    const third = registry.join(SWARM_A, { peerId: 'p3', socketId: 's3' });
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
    expect(registry.join(SWARM_A, { peerId: 'p1', socketId: 's1' })).toEqual({ ok: false, code: 'swarm-not-found' });
    create(registry, SWARM_A, 'p1', 's1');
    expect(create(registry, SWARM_B, 'p9', 's9')).toEqual({ ok: false, code: 'too-many-swarms' });
    expect(create(registry, SWARM_B, 'p9', 's1')).toEqual({ ok: false, code: 'already-in-swarm' });
    expect(registry.join(SWARM_A, { peerId: 'p1b', socketId: 's1' })).toEqual({ ok: false, code: 'already-in-swarm' });
    expect(registry.join(SWARM_A, { peerId: 'p2', socketId: 's2' })).toMatchObject({ ok: true });
    expect(registry.join(SWARM_A, { peerId: 'p3', socketId: 's3' })).toEqual({ ok: false, code: 'swarm-full' });
    expect(registry.membershipOf('s3')).toBeUndefined();
  });

  it('reports who remains on leave, and deletes the swarm with its last member', () => {
    const registry = registryWith();
    create(registry, SWARM_A, 'p1', 's1');
    registry.join(SWARM_A, { peerId: 'p2', socketId: 's2' });
    expect(registry.leave('s1')).toEqual({
      swarmId: SWARM_A,
      peerId: 'p1',
      remainingSocketIds: ['s2'],
      swarmDeleted: false,
    });
    expect(registry.leave('s1')).toBeUndefined();
    expect(registry.leave('s2')).toMatchObject({ remainingSocketIds: [], swarmDeleted: true });
    expect(registry.hasSwarm(SWARM_A)).toBe(false);
    expect(registry.swarmCount).toBe(0);
    expect(registry.join(SWARM_A, { peerId: 'p3', socketId: 's3' })).toEqual({ ok: false, code: 'swarm-not-found' });
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
    expect(() => registry.join(SWARM_A, { peerId: 'p1', socketId: 's3' })).toThrow(DuplicateIdError);
  });
});

describe('swarm registry progress table', () => {
  let manifest: Manifest;
  let contentId: string;
  beforeAll(async () => {
    ({ manifest, contentId } = await makeManifest());
  });

  const LEECHING: ProgressReport = {
    role: 'leecher',
    chunksHeld: 1,
    complete: false,
    uploadedBytes: 0,
    downloadedBytes: 16384,
    uploadBytesPerSec: 0,
    downloadBytesPerSec: 8192,
    peakUploadBytesPerSec: 0,
    peakDownloadBytesPerSec: 9000,
  };
  const DONE: ProgressReport = { ...LEECHING, chunksHeld: 3, complete: true, downloadedBytes: 40960 };
  const SEEDING: ProgressReport = { ...DONE, role: 'seeder', downloadedBytes: 0, uploadedBytes: 40960 };

  /** A registry on a clock the test sets, with swarm A created at 100 ms by p1 (socket s1). */
  function setUp(limits = { maxSwarms: 10, maxPeersPerSwarm: 10 }) {
    const clock = { nowMs: 100 };
    const registry = createSwarmRegistry(limits, () => clock.nowMs);
    registry.create({ swarmId: SWARM_A, contentId, manifest, founder: { peerId: 'p1', socketId: 's1' } });
    const joinAt = (nowMs: number, peerId: string, socketId: string) => {
      clock.nowMs = nowMs;
      expect(registry.join(SWARM_A, { peerId, socketId })).toMatchObject({ ok: true });
    };
    const reportAt = (nowMs: number, socketId: string, report: ProgressReport) => {
      clock.nowMs = nowMs;
      expect(registry.report(socketId, report)).toEqual({ ok: true, swarmId: SWARM_A });
    };
    const progressAt = (nowMs: number) => {
      clock.nowMs = nowMs;
      return registry.progressOf(SWARM_A);
    };
    return { clock, registry, joinAt, reportAt, progressAt };
  }

  it('starts with the founder alone, no elapsed time and no distribution time', () => {
    const { progressAt } = setUp();
    expect(progressAt(500)).toEqual({
      swarmId: SWARM_A,
      peers: [{ peerId: 'p1', report: null, joinedAfterMs: 0, completedAfterMs: null, present: true }],
      elapsedMs: null,
      distributionMs: null,
    });
  });

  it('lists members in joining order with their latest report, timed from creation and first join', () => {
    const { joinAt, reportAt, progressAt } = setUp();
    joinAt(250, 'p2', 's2');
    joinAt(400, 'p3', 's3');
    reportAt(450, 's1', SEEDING);
    reportAt(500, 's2', LEECHING);
    reportAt(600, 's2', { ...LEECHING, chunksHeld: 2 });
    expect(progressAt(1000)).toEqual({
      swarmId: SWARM_A,
      peers: [
        { peerId: 'p1', report: SEEDING, joinedAfterMs: 0, completedAfterMs: null, present: true },
        {
          peerId: 'p2',
          report: { ...LEECHING, chunksHeld: 2 },
          joinedAfterMs: 150,
          completedAfterMs: null,
          present: true,
        },
        { peerId: 'p3', report: null, joinedAfterMs: 300, completedAfterMs: null, present: true },
      ],
      elapsedMs: 750,
      distributionMs: null,
    });
  });

  it('times each completion from the first join, and the distribution once every leecher completed', () => {
    const { joinAt, reportAt, progressAt } = setUp();
    joinAt(250, 'p2', 's2');
    joinAt(400, 'p3', 's3');
    reportAt(300, 's1', SEEDING); // a seeder's completeness is no completion
    reportAt(900, 's2', DONE);
    expect(progressAt(950)).toMatchObject({
      peers: [{ completedAfterMs: null }, { completedAfterMs: 650 }, { completedAfterMs: null }],
      distributionMs: null,
    });
    reportAt(1200, 's3', DONE);
    reportAt(1300, 's2', DONE); // only the first complete report counts
    expect(progressAt(1500)).toMatchObject({
      peers: [{ completedAfterMs: null }, { completedAfterMs: 650 }, { completedAfterMs: 950 }],
      elapsedMs: 1250,
      distributionMs: 950,
    });
  });

  it('counts a joiner as a leecher until it reports otherwise', () => {
    const { joinAt, reportAt, progressAt } = setUp();
    joinAt(200, 'p2', 's2');
    joinAt(300, 'p3', 's3');
    reportAt(500, 's2', DONE);
    expect(progressAt(600)?.distributionMs).toBeNull(); // p3 has not reported: a leecher
    reportAt(700, 's3', SEEDING); // p3 joined with the whole file
    expect(progressAt(800)?.distributionMs).toBe(300);
  });

  it('keeps a completed leecher that leaves, not present, and drops one that leaves incomplete', () => {
    const { registry, joinAt, reportAt, progressAt } = setUp();
    joinAt(200, 'p2', 's2');
    joinAt(300, 'p3', 's3');
    reportAt(700, 's2', DONE);
    registry.leave('s2');
    expect(progressAt(800)).toMatchObject({
      peers: [{ peerId: 'p1' }, { peerId: 'p2', present: false, completedAfterMs: 500 }, { peerId: 'p3' }],
      distributionMs: null,
    });
    expect(registry.hasPeerId(SWARM_A, 'p2')).toBe(true);
    expect(registry.socketOf(SWARM_A, 'p2')).toBeUndefined();
    expect(registry.socketsOf(SWARM_A)).toEqual(['s1', 's3']);
    expect(() => registry.join(SWARM_A, { peerId: 'p2', socketId: 's9' })).toThrow(DuplicateIdError);

    reportAt(850, 's3', LEECHING);
    registry.leave('s3');
    const progress = progressAt(900);
    expect(progress?.peers.map((peer) => peer.peerId)).toEqual(['p1', 'p2']);
    expect(progress?.distributionMs).toBe(500);
    expect(registry.hasPeerId(SWARM_A, 'p3')).toBe(false);
  });

  it('ends the swarm with its last present member, departed leechers or not', () => {
    const { registry, joinAt, reportAt } = setUp();
    joinAt(200, 'p2', 's2');
    reportAt(300, 's2', DONE);
    registry.leave('s2');
    expect(registry.leave('s1')).toMatchObject({ swarmDeleted: true, remainingSocketIds: [] });
    expect(registry.progressOf(SWARM_A)).toBeUndefined();
    expect(registry.socketsOf(SWARM_A)).toEqual([]);
  });

  it('refuses a report from a socket in no swarm', () => {
    const { registry } = setUp();
    expect(registry.report('nobody', LEECHING)).toEqual({ ok: false, code: 'not-in-swarm' });
  });

  it('keeps at most maxPeersPerSwarm departed leechers, still counting the dropped ones', () => {
    const { registry, joinAt, reportAt, progressAt } = setUp({ maxSwarms: 1, maxPeersPerSwarm: 3 });
    // p3..p6 come one after another, complete and leave; p2, there all along, completes last and leaves.
    joinAt(200, 'p2', 's2');
    for (const [index, peerId] of ['p3', 'p4', 'p5', 'p6'].entries()) {
      joinAt(300 + index, peerId, `s-${peerId}`);
      reportAt(400 + index, `s-${peerId}`, DONE);
      registry.leave(`s-${peerId}`);
    }
    reportAt(5000, 's2', DONE);
    registry.leave('s2');
    // Departed rows go oldest joiner first: p2 (the last to complete), then p3.
    const progress = progressAt(6000);
    expect(progress?.peers.map((peer) => [peer.peerId, peer.present])).toEqual([
      ['p1', true],
      ['p4', false],
      ['p5', false],
      ['p6', false],
    ]);
    expect(progress?.distributionMs).toBe(4800);
  });
});
