import { DEFAULT_RUN_CONFIG, type IceServer, type SwarmCreated } from '@swarmlab/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CANDIDATE,
  makeManifest,
  OFFER,
  record,
  roundTrip,
  startHarness,
  waitUntil,
  WAIT_MS,
  type Harness,
  type TypedClient,
} from './harness';

const ICE_SERVERS: IceServer[] = [{ urls: 'stun:stun.test.invalid:3478' }];

async function createSwarm(client: TypedClient, sizeBytes?: number): Promise<SwarmCreated> {
  const { manifest, contentId } = await makeManifest(sizeBytes);
  const result = await client.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId });
  if (!result.ok) throw new Error(`create refused: ${result.error.message}`);
  return result;
}

async function join(client: TypedClient, swarmId: string) {
  return client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId });
}

describe('signalling server', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness({ iceServers: ICE_SERVERS, limits: { maxPeersPerSwarm: 3, maxSwarms: 2 } });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('creates a swarm and lets a second tab join it with the manifest and the peer list', async () => {
    const [seed, leecher] = [await harness.connect(), await harness.connect()];
    const { manifest, contentId } = await makeManifest();
    const created = await seed.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId });
    expect(created).toMatchObject({ ok: true, iceServers: ICE_SERVERS });
    if (!created.ok) return;
    expect(created.swarmId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.peerId).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(created.controlSecret).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(created.controlSecret).not.toBe(created.swarmId);

    const joined = await join(leecher, created.swarmId);
    expect(joined).toEqual({
      ok: true,
      swarmId: created.swarmId,
      peerId: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
      manifest,
      contentId,
      peers: [created.peerId],
      iceServers: ICE_SERVERS,
      run: null,
      inControl: false,
      memberKey: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      seal: created.seal,
      joinCode: created.joinCode,
      registeredAgain: false,
    });
    if (joined.ok) expect(joined.peerId).not.toBe(created.peerId);
    if (joined.ok) expect(joined.memberKey).not.toBe(created.memberKey);
  });

  it('lists peers in joining order and tells existing members, not the newcomer, about each join', async () => {
    const [a, b, c] = [await harness.connect(), await harness.connect(), await harness.connect()];
    const [receivedA, receivedB, receivedC] = [record(a), record(b), record(c)];
    const { swarmId, peerId: peerA } = await createSwarm(a);
    const joinedB = await join(b, swarmId);
    const joinedC = await join(c, swarmId);
    if (!joinedB.ok || !joinedC.ok) throw new Error('join refused');
    expect(joinedB.peers).toEqual([peerA]);
    expect(joinedC.peers).toEqual([peerA, joinedB.peerId]);

    await waitUntil(() => receivedA.joined.length === 2 && receivedB.joined.length === 1, 'joins are announced');
    expect(receivedA.joined).toEqual([joinedB.peerId, joinedC.peerId]);
    expect(receivedB.joined).toEqual([joinedC.peerId]);
    await roundTrip(c);
    expect(receivedC.joined).toEqual([]);
  });

  it('announces peer:left when a member leaves and when one disconnects', async () => {
    const [a, b, c] = [await harness.connect(), await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const { swarmId } = await createSwarm(a);
    const joinedB = await join(b, swarmId);
    const joinedC = await join(c, swarmId);
    if (!joinedB.ok || !joinedC.ok) throw new Error('join refused');

    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    await waitUntil(() => receivedA.left.length === 1, 'the leave is announced');
    expect(receivedA.left).toEqual([joinedB.peerId]);

    c.disconnect();
    await waitUntil(() => receivedA.left.length === 2, 'the disconnect is announced');
    expect(receivedA.left).toEqual([joinedB.peerId, joinedC.peerId]);
  });

  it('relays signals between members of a swarm, tagged with the sender, to the target only', async () => {
    const [a, b, c] = [await harness.connect(), await harness.connect(), await harness.connect()];
    const [receivedA, receivedB, receivedC] = [record(a), record(b), record(c)];
    const { swarmId, peerId: peerA } = await createSwarm(a);
    const joinedB = await join(b, swarmId);
    const joinedC = await join(c, swarmId);
    if (!joinedB.ok || !joinedC.ok) throw new Error('join refused');

    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerA, signal: OFFER })).toEqual({ ok: true });
    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerA, signal: CANDIDATE })).toEqual({
      ok: true,
    });
    expect(await a.timeout(WAIT_MS).emitWithAck('signal:send', { to: joinedB.peerId, signal: OFFER })).toEqual({
      ok: true,
    });

    await waitUntil(() => receivedA.relays.length === 2 && receivedB.relays.length === 1, 'signals arrive');
    expect(receivedA.relays).toEqual([
      { from: joinedB.peerId, signal: OFFER },
      { from: joinedB.peerId, signal: CANDIDATE },
    ]);
    expect(receivedB.relays).toEqual([{ from: peerA, signal: OFFER }]);
    await roundTrip(c);
    expect(receivedC.relays).toEqual([]);
  });

  it('refuses a signal from a tab that is in no swarm, and the target receives nothing', async () => {
    const [a, outsider] = [await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const { peerId: peerA } = await createSwarm(a);

    const result = await outsider.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerA, signal: OFFER });
    expect(result).toMatchObject({ ok: false, error: { code: 'not-in-swarm' } });
    await roundTrip(a);
    expect(receivedA.relays).toEqual([]);
  });

  it('never relays a signal into another swarm, even with a valid peer id', async () => {
    const [a, b] = [await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const { peerId: peerA } = await createSwarm(a);
    await createSwarm(b);

    const result = await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerA, signal: OFFER });
    expect(result).toMatchObject({ ok: false, error: { code: 'peer-not-found' } });
    await roundTrip(a);
    expect(receivedA.relays).toEqual([]);
  });

  it('refuses a peer signalling itself', async () => {
    const a = await harness.connect();
    const { peerId } = await createSwarm(a);
    const result = await a.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerId, signal: OFFER });
    expect(result).toMatchObject({ ok: false, error: { code: 'peer-not-found' } });
  });

  it('refuses a join past the peers-per-swarm cap with swarm-full', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => harness.connect()));
    const [first, ...others] = clients as [TypedClient, ...TypedClient[]];
    const { swarmId } = await createSwarm(first);
    const results = [];
    for (const client of others) results.push(await join(client, swarmId));
    expect(results.map((result) => result.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'swarm-full' } });
  });

  it('refuses a create past the swarm cap with too-many-swarms', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => harness.connect()));
    const { manifest, contentId } = await makeManifest();
    const results = [];
    for (const client of clients) {
      results.push(await client.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId }));
    }
    expect(results.map((result) => result.ok)).toEqual([true, true, false]);
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'too-many-swarms' } });
  });

  it('refuses a create whose content id is not the hash of its manifest', async () => {
    const client = await harness.connect();
    const { manifest } = await makeManifest();
    const { contentId: otherContentId } = await makeManifest(20 * 1024);
    const result = await client.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId: otherContentId });
    expect(result).toMatchObject({ ok: false, error: { code: 'content-mismatch' } });
  });

  it('deletes a swarm when its last member leaves or disconnects', async () => {
    const [a, b, late] = [await harness.connect(), await harness.connect(), await harness.connect()];
    const receivedLate = record(late);
    const { swarmId } = await createSwarm(a);
    expect(await join(b, swarmId)).toMatchObject({ ok: true });
    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    b.disconnect();
    // The swarm lives on while b is in it; once b's disconnect is processed, it is gone.
    await waitUntil(() => harness.logLines.some((line) => line.startsWith('swarm ended')), 'the swarm ends');
    expect(await join(late, swarmId)).toMatchObject({ ok: false, error: { code: 'swarm-not-found' } });
    // Nobody was left to tell, and that must not mean telling everybody.
    expect(receivedLate.left).toEqual([]);
  });

  it('keeps a tab in one swarm at a time, and lets it start another after leaving', async () => {
    const [a, b] = [await harness.connect(), await harness.connect()];
    const { swarmId } = await createSwarm(a);
    const { manifest, contentId } = await makeManifest();
    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId })).toMatchObject({
      ok: false,
      error: { code: 'already-in-swarm' },
    });
    expect(await join(a, swarmId)).toMatchObject({ ok: false, error: { code: 'already-in-swarm' } });
    expect(await join(b, swarmId)).toMatchObject({ ok: true });

    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({
      ok: false,
      error: { code: 'not-in-swarm' },
    });
    expect(await join(a, swarmId)).toMatchObject({ ok: true });
  });

  it('answers requests sent back to back, without waiting, in the order sent, a membership change before or after them', async () => {
    const [a, b, c] = [await harness.connect(), await harness.connect(), await harness.connect()];
    const { swarmId } = await createSwarm(a);
    expect(await join(b, swarmId)).toMatchObject({ ok: true });
    // socket.io hands over both events of one read before the leave's turn starts: each was answered as if the
    // first had not been asked (a run started by a tab that had asked to leave, its name refused after its join).
    const [left, started] = await Promise.all([
      a.timeout(WAIT_MS).emitWithAck('swarm:leave'),
      a.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
    ]);
    expect([left, started]).toMatchObject([{ ok: true }, { ok: false, error: { code: 'not-in-swarm' } }]);
    const { manifest, contentId } = await makeManifest();
    const [bLeft, created] = await Promise.all([
      b.timeout(WAIT_MS).emitWithAck('swarm:leave'),
      b.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId }),
    ]);
    expect([bLeft, created]).toMatchObject([{ ok: true }, { ok: true }]);
    const [joined, named] = await Promise.all([
      join(c, created.ok ? created.swarmId : 'none'),
      c.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Ada' }),
    ]);
    expect([joined, named]).toMatchObject([{ ok: true }, { ok: true }]);
    // And the other way: requests asked before a membership change are not overtaken by it (they waited beside the
    // queue, and the leave's turn ran first).
    const [cNamed, cReported, cLeft] = await Promise.all([
      c.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Grace' }),
      c.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Grace Hopper' }),
      c.timeout(WAIT_MS).emitWithAck('swarm:leave'),
    ]);
    expect([cNamed, cReported, cLeft]).toMatchObject([{ ok: true }, { ok: true }, { ok: true }]);
    const [aJoined, aNamed, aLeft] = await Promise.all([
      join(a, created.ok ? created.swarmId : 'none'),
      a.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Linus' }),
      a.timeout(WAIT_MS).emitWithAck('swarm:leave'),
    ]);
    expect([aJoined, aNamed, aLeft]).toMatchObject([{ ok: true }, { ok: true }, { ok: true }]);
  });
});
