import type { Manifest } from '@swarmlab/protocol';
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
