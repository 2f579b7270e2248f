import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { memberKeyDigestOf } from '../src/control-secret';
import { createSwarmRegistry } from '../src/swarm-registry';
import { sealOf, swarmIdOfSeal } from '../src/swarm-seal';
import { controlDigestOf } from '../src/control-secret';
import { complete, leeching, makeManifest, vouching } from './harness';

const limits = {
  maxSwarms: 10,
  maxPeersPerSwarm: 8,
  maxWatchersPerSwarm: 4,
  maxWatchersPerAddressInSwarm: 4,
  memberGraceMs: 30_000,
};

/** A registry on `clock` with a swarm of a seeder (socket s1) and a leecher (s2), both under the key `key`. */
async function swarmOfTwo(clock: { nowMs: () => number; epochNowMs: () => number }) {
  const first = createSwarmRegistry({ limits, ...clock });
  const { manifest, contentId } = await makeManifest();
  const seal = sealOf('salt', controlDigestOf('secret'));
  const swarmId = swarmIdOfSeal(seal, contentId);
  const key = memberKeyDigestOf('key');
  first.create({ swarmId, contentId, manifest, seal, founder: { peerId: 'seed', socketId: 's1', keyDigest: key } });
  first.join(swarmId, { peerId: 'leech', socketId: 's2', keyDigest: key });
  return { first, manifest, seal, swarmId, key };
}

describe('a swarm exported as a record and imported into another registry', () => {
  it('carries on where it was: members, watchers, control, the run going on and its witnesses', async () => {
    let nowMs = 1000;
    const clock = { nowMs: () => nowMs, epochNowMs: () => 1_700_000_000_000 + nowMs };
    const { first, manifest, swarmId } = await swarmOfTwo(clock);
    first.watch(swarmId, 'w1', '192.0.2.1', controlDigestOf('secret'));
    expect(first.startRun('s1', DEFAULT_RUN_CONFIG)).toMatchObject({ ok: true });
    nowMs += 500;
    first.report('s2', leeching(1));

    const second = createSwarmRegistry({ limits, ...clock });
    second.importSwarm(JSON.parse(JSON.stringify(first.exportSwarm(swarmId))), manifest);
    expect(second.progressOf(swarmId)).toEqual(first.progressOf(swarmId));
    expect(second.followedSwarmOf('w1')).toBe(swarmId);
    expect(second.membershipOf('s2')).toEqual({ swarmId, peerId: 'leech' });
    // The watcher's control came along.
    expect(second.stopRun('w1')).toMatchObject({ ok: true, runNumber: 1 });
    expect(first.stopRun('w1')).toMatchObject({ ok: true, runNumber: 1 });
    expect(second.exportSwarm(swarmId)).toEqual(first.exportSwarm(swarmId));

    // A run finished from the imported copy finishes as it would have in the first.
    for (const registry of [first, second]) {
      registry.startRun('s1', DEFAULT_RUN_CONFIG);
      registry.report('s1', vouching(2, [{ peerId: 'leech' }]));
      registry.report('s2', complete(2));
    }
    expect(second.progressOf(swarmId)).toEqual(first.progressOf(swarmId));
    expect(second.progressOf(swarmId)?.run?.phase).toBe('finished');
  });

  it('keeps the ids of members that left their owners’', async () => {
    const clock = { nowMs: () => 1000, epochNowMs: () => 1_700_000_000_000 };
    const { first, manifest, seal, swarmId, key } = await swarmOfTwo(clock);
    first.leave('s2');

    const second = createSwarmRegistry({ limits, ...clock });
    second.importSwarm(JSON.parse(JSON.stringify(first.exportSwarm(swarmId))), manifest);
    const resume = { swarmId, peerId: 'leech', seal, role: 'leecher' as const, run: null };
    expect(second.resume({ ...resume, socketId: 's3', keyDigest: memberKeyDigestOf('other') })).toMatchObject({
      ok: false,
      code: 'peer-id-taken',
    });
    expect(second.resume({ ...resume, socketId: 's3', keyDigest: key })).toMatchObject({ ok: true });
  });

  it('keeps the links the controller’s account gave members not back yet, and whose links it settled', async () => {
    const clock = { nowMs: () => 1000, epochNowMs: () => 1_700_000_000_000 };
    const { manifest, contentId } = await makeManifest();
    const seal = sealOf('salt', controlDigestOf('secret'));
    const swarmId = swarmIdOfSeal(seal, contentId);
    const key = memberKeyDigestOf('key');
    const fast = { uploadBytesPerSec: 1_000_000 };
    // Registered again after a restart by the controller's tab, which says it gave `away` 1 MB/s.
    const first = createSwarmRegistry({ limits, ...clock });
    const place = { swarmId, seal, run: null, contentId, manifest, keyDigest: key };
    expect(
      first.restore({
        ...place,
        peerId: 'seed',
        socketId: 's1',
        role: 'seeder',
        control: controlDigestOf('secret'),
        controlLinks: [{ peerId: 'away', override: fast }],
      }),
    ).toMatchObject({ ok: true });

    const second = createSwarmRegistry({ limits, ...clock });
    second.importSwarm(JSON.parse(JSON.stringify(first.exportSwarm(swarmId))), manifest);
    expect(second.resume({ ...place, peerId: 'away', socketId: 's2', role: 'leecher' })).toMatchObject({ ok: true });
    expect(second.progressOf(swarmId)?.peers.find((peer) => peer.peerId === 'away')).toMatchObject({
      override: fast,
      overrideByControl: true,
    });
    // A second account, in another process, changes nothing: the first gave `away` its links.
    const third = createSwarmRegistry({ limits, ...clock });
    third.importSwarm(JSON.parse(JSON.stringify(second.exportSwarm(swarmId))), manifest);
    expect(
      third.resume({
        ...place,
        peerId: 'other',
        socketId: 's3',
        role: 'leecher',
        control: controlDigestOf('secret'),
        controlLinks: [{ peerId: 'away', override: { uploadBytesPerSec: 20_000 } }],
      }),
    ).toMatchObject({ ok: true });
    expect(third.progressOf(swarmId)?.peers.find((peer) => peer.peerId === 'away')?.override).toEqual(fast);
  });

  it('takes an empty override recorded as set by control for the member’s own', async () => {
    const clock = { nowMs: () => 1000, epochNowMs: () => 1_700_000_000_000 };
    const { first, manifest, swarmId } = await swarmOfTwo(clock);
    const record = first.exportSwarm(swarmId)!;
    // What a record written before the controller's `{}` gave links back could hold.
    const older = {
      ...record,
      members: record.members.map((member) => ({ ...member, override: {}, overrideByControl: true })),
    };
    const second = createSwarmRegistry({ limits, ...clock });
    second.importSwarm(JSON.parse(JSON.stringify(older)), manifest);
    expect(second.progressOf(swarmId)?.peers.map((peer) => peer.overrideByControl)).toEqual([false, false]);
    expect(second.configure('s2', 'leech', { downloadBytesPerSec: 50_000 })).toMatchObject({ ok: true });
  });
});
