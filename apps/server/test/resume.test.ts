import {
  DEFAULT_RUN_CONFIG,
  MAX_RUN_NUMBER,
  resolvePeerSettings,
  type PeerRunSettings,
  type ProgressReport,
  type IceServer,
  type ResumedRun,
  type RunConfig,
  type SwarmProgress,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { swarmIdOfSeal } from '../src/swarm-seal';
import { MAX_RUN_NUMBER_CLAIMED_BY_MEMBER } from '../src/swarm-runs';
import {
  addressFromAuth,
  complete,
  disconnected,
  FILE_BYTES,
  joinTab,
  latestProgress,
  makeManifest,
  OFFER,
  record,
  roundTrip,
  seedTab,
  startHarness,
  vouching,
  waitUntil,
  WAIT_MS,
  type Harness,
  type HandClock,
  type Tab,
  type TypedClient,
  ON_SHARED_STORE,
} from './harness';

/** Short, so a test sees the server give up on a member; long enough for a resume in between. */
const GRACE_MS = 300;

/** Drops the client's connection as a network would (the server sees its transport close, not a leave). */
function dropConnection(client: TypedClient): void {
  client.io.engine.close();
}

/** What `tab` sends on its new connection to take its place back. */
function resumeOf(tab: Tab, overrides: Partial<SwarmResumeRequest> = {}): SwarmResumeRequest {
  return {
    swarmId: tab.swarmId,
    peerId: tab.peerId,
    memberKey: tab.memberKey,
    seal: tab.seal,
    role: tab.controlSecret === undefined ? 'leecher' : 'seeder',
    ...(tab.controlSecret !== undefined && { control: tab.controlSecret }),
    run: null,
    ...overrides,
  };
}

/** Run 1 as a tab of it knows it: its own settings, `elapsedMs` since it heard of the start. */
function runAsKnown(
  tab: Tab,
  elapsedMs: number,
  participants: readonly Tab[],
  completedAfterMs: number | null = null,
): ResumedRun {
  const role = tab.controlSecret === undefined ? 'leecher' : 'seeder';
  return {
    runNumber: 1,
    config: DEFAULT_RUN_CONFIG,
    settings: resolvePeerSettings(DEFAULT_RUN_CONFIG, {}, role),
    elapsedMs,
    completedAfterMs,
    participants: participants.map((other) => ({
      peerId: other.peerId,
      role: other.controlSecret === undefined ? 'leecher' : 'seeder',
    })),
  };
}

/**
 * Run 1 with `config` as the controller's tab (`seeder`) knows it, 5 s in: its table's participants, each with its
 * settings in the run where `settingsOf` names them.
 */
function controllerRun(
  seeder: Tab,
  participants: readonly Tab[],
  config: RunConfig,
  settingsOf: Readonly<Record<string, PeerRunSettings>>,
): ResumedRun {
  return {
    ...runAsKnown(seeder, 5000, participants),
    config,
    settings: resolvePeerSettings(config, {}, 'seeder'),
    participants: participants.map((tab) => ({
      peerId: tab.peerId,
      role: tab === seeder ? ('seeder' as const) : ('leecher' as const),
      ...(settingsOf[tab.peerId] && { settings: settingsOf[tab.peerId] }),
    })),
  };
}

/**
 * A server per test on `clock`, with a short grace period and quick broadcasts, closed after each test of the
 * `describe` that calls this.
 */
function serverPerTestOn(clock: HandClock): () => Promise<Harness> {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async () => {
    harness = await startHarness({
      nowMs: () => clock.nowMs,
      limits: { memberGraceMs: GRACE_MS, progressBroadcastIntervalMs: 10 },
    });
    return harness;
  };
}

describe('a member whose connection drops', () => {
  const clock: HandClock = { nowMs: 1000 };
  const start = serverPerTestOn(clock);

  it('keeps its place for the grace period: nobody is told it left, and it resumes on a new connection', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    dropConnection(leecher.client);
    await latestProgress(seeder.received, (table) => table.peers[1]?.away === true, 'the leecher is shown away');
    expect(seeder.received.left).toEqual([]);
    // While away it cannot be signalled; nothing else changed.
    expect(
      await seeder.client.timeout(WAIT_MS).emitWithAck('signal:send', { to: leecher.peerId, signal: OFFER }),
    ).toMatchObject({ ok: false, error: { code: 'peer-not-found' } });

    const back = await server.connect();
    const backReceived = record(back);
    const resumed = await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(leecher));
    expect(resumed).toEqual({
      ok: true,
      swarmId: seeder.swarmId,
      peers: [seeder.peerId],
      run: null,
      inControl: false,
      joinCode: expect.stringMatching(/^[2-9A-Z]{6}$/),
      registeredAgain: false,
      placeKept: true,
      iceServers: [],
    });
    await latestProgress(seeder.received, (table) => table.peers[1]?.away === false, 'the leecher is back');
    expect(
      await seeder.client.timeout(WAIT_MS).emitWithAck('signal:send', { to: leecher.peerId, signal: OFFER }),
    ).toEqual({ ok: true });
    await waitUntil(() => backReceived.relays.length === 1, 'the seeder’s signal reached the resumed connection');
    // The grace period passes: nothing more happens to a member that came back.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    expect(seeder.received.left).toEqual([]);
    expect(server.stats().pendingGraces).toBe(0);
  });

  it('is given up after the grace period, as if it left', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    dropConnection(leecher.client);
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the others are told it left');
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 1, 'its row is gone');
    expect(table.peers.map((peer) => peer.peerId)).toEqual([seeder.peerId]);
    // (On Redis the seats are held there.)
    expect(server.stats()).toMatchObject({
      pendingGraces: 0,
      ...(!ON_SHARED_STORE && { addressQuotas: { seats: 1 } }),
    });
  });

  it('leaves at once when its tab disconnects itself', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    leecher.client.disconnect();
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the others are told at once');
    expect(server.stats().pendingGraces).toBe(0);
  });

  it('takes its place over from a connection the server has not seen drop yet', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    const back = await server.connect();
    const closed = disconnected(leecher.client);
    expect(await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(leecher))).toMatchObject({ ok: true });
    expect(await closed).toBe('io server disconnect');
    await roundTrip(seeder.client);
    expect(seeder.received.left).toEqual([]);
  });

  it('is taken back at once by its tab’s reloaded page, as a reload’s: no second place, no abandoned download', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toMatchObject(
      {
        ok: true,
      },
    );
    // The page reloads while its connection is down (or crashed): its leave never reached the server.
    dropConnection(leecher.client);
    await latestProgress(seeder.received, (table) => table.peers[1]?.away === true, 'the leecher is shown away');
    const page = await server.connect();
    const formerPlace = { peerId: leecher.peerId, memberKey: leecher.memberKey };
    const told: string[] = [];
    seeder.client.on('peer:left', ({ peerId }) => told.push(`left ${peerId}`));
    seeder.client.on('peer:joined', ({ peerId }) => told.push(`joined ${peerId}`));
    const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    // Before, a new place: its kept chunks refused as faster than its caps, its old place an abandoned download.
    expect(joined).toMatchObject({ ok: true, peerId: leecher.peerId, run: { runNumber: 1 } });
    // The others close their connections to the old engine before they hear of the new one. (Over Redis every
    // broadcast waits for its publish, so the join's answer comes before either.)
    await waitUntil(() => told.length === 2, 'the others told of the new engine');
    expect(told).toEqual([`left ${leecher.peerId}`, `joined ${leecher.peerId}`]);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2)); // the old place's grace passes: nothing
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 2, 'two members');
    expect(table.peers[1]).toMatchObject({ peerId: leecher.peerId, away: false });
    expect(table.run).toMatchObject({ abandonedLeechers: 0 });
    expect(table.run?.participants.map((participant) => participant.peerId)).toEqual([seeder.peerId, leecher.peerId]);
    expect(seeder.received.left).toEqual([leecher.peerId]);
  });

  it('gives up the swarm’s last member, away, once its reloaded page holds the swarm: no old self beside it', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const watcher = await server.connect();
    expect(await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });
    const watched = record(watcher);
    // The teacher reloads the seeder's tab before anyone joined: its page goes as a dropped connection.
    dropConnection(seeder.client);
    await latestProgress(watched, (table) => table.peers[0]?.away === true, 'the seeder is shown away');
    const page = await server.connect();
    const formerPlace = { peerId: seeder.peerId, memberKey: seeder.memberKey };
    const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    // A new place (outside a run there is nothing to take back), and no old self to connect to.
    expect(joined).toMatchObject({ ok: true, peers: [] });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.peerId).not.toBe(seeder.peerId);
    // The swarm lives on, without its seeder at once (the tab may seed again), not after the old place's grace.
    const table = await latestProgress(
      watched,
      (progress) => progress.peers.length === 1 && progress.peers[0]?.peerId === joined.peerId,
      'the new place alone',
    );
    expect(table.peers[0]).toMatchObject({ role: 'leecher', away: false });
    expect(watched.swarmsEnded).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2)); // the old place's grace passes: nothing
    expect(watched.swarmsEnded).toEqual([]);
    expect(server.stats()).toMatchObject({ pendingGraces: 0 });
    // A later join presenting the old place again finds nothing of it: a new place beside the first.
    const again = await (
      await server.connect()
    )
      .timeout(WAIT_MS)
      .emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    expect(again).toMatchObject({ ok: true, peers: [joined.peerId] });
  });

  it('is taken back by its reloaded page at its address’s seat limit: the seat is the place’s own', async () => {
    const server = await startHarness({
      clientAddress: addressFromAuth,
      limits: { maxPeersPerAddressInSwarm: 2, memberGraceMs: 5000, progressBroadcastIntervalMs: 10 },
    });
    try {
      const seeder = await seedTab(server);
      // Two students behind one address, the limit.
      const [a, b] = [await server.connect({ address: '10.0.0.9' }), await server.connect({ address: '10.0.0.9' })];
      const joinedA = await a.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId });
      expect((await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId })).ok).toBe(true);
      if (!joinedA.ok) throw new Error(joinedA.error.message);
      expect(
        await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
      ).toMatchObject({ ok: true });
      dropConnection(a); // a's page reloads while its connection is down
      await latestProgress(
        seeder.received,
        (t) => t.peers.find((peer) => peer.peerId === joinedA.peerId)?.away === true,
        'away',
      );
      const page = await server.connect({ address: '10.0.0.9' });
      const formerPlace = { peerId: joinedA.peerId, memberKey: joinedA.memberKey };
      // Before, refused `swarm-full-for-address` by the seat its own away place held.
      expect(
        await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace }),
      ).toMatchObject({ ok: true, peerId: joinedA.peerId });
      // From another address at its limit it is refused, and its away place is left as it was (it was given up
      // first: the others told it left, an abandoned download counted).
      dropConnection(page);
      await latestProgress(
        seeder.received,
        (t) => t.peers.find((peer) => peer.peerId === joinedA.peerId)?.away === true,
        'away again',
      );
      for (let index = 0; index < 2; index++)
        expect(
          (
            await (
              await server.connect({ address: '10.0.0.7' })
            )
              .timeout(WAIT_MS)
              .emitWithAck('swarm:join', { swarmId: seeder.swarmId })
          ).ok,
        ).toBe(true);
      const elsewhere = await server.connect({ address: '10.0.0.7' });
      const leftBefore = seeder.received.left.length;
      expect(
        await elsewhere.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace }),
      ).toMatchObject({ ok: false, error: { code: 'swarm-full-for-address' } });
      await roundTrip(seeder.client);
      expect(seeder.received.left).toHaveLength(leftBefore);
    } finally {
      await server.close();
    }
  });

  it('refuses a resume without the member key, or with another swarm’s seal, and changes nothing', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    const other = await seedTab(server);
    const thief = await server.connect();
    const stolen = resumeOf(leecher, { memberKey: 'K'.repeat(22) });
    expect(await thief.timeout(WAIT_MS).emitWithAck('swarm:resume', stolen)).toMatchObject({
      ok: false,
      error: { code: 'peer-id-taken' },
    });
    const wrongSeal = resumeOf(leecher, { seal: other.seal });
    expect(await thief.timeout(WAIT_MS).emitWithAck('swarm:resume', wrongSeal)).toMatchObject({
      ok: false,
      error: { code: 'seal-mismatch' },
    });
    expect(leecher.client.connected).toBe(true);
    expect(
      await seeder.client.timeout(WAIT_MS).emitWithAck('signal:send', { to: leecher.peerId, signal: OFFER }),
    ).toEqual({ ok: true });
  });
});

describe('the ICE servers a member back is told', () => {
  /** What an operator sets (`SWARMLAB_ICE_SERVERS`) once the page said the network keeps laptops apart. */
  const ICE_SERVERS: IceServer[] = [
    { urls: 'stun:stun.test.invalid:3478' },
    { urls: ['turn:turn.test.invalid:3478'], username: 'class', credential: 'secret' },
  ];
  const servers: Harness[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (iceServers: readonly IceServer[]): Promise<Harness> => {
    const server = await startHarness({
      iceServers,
      limits: { memberGraceMs: GRACE_MS, progressBroadcastIntervalMs: 10 },
    });
    servers.push(server);
    return server;
  };

  it('are the server’s, in a resume’s answer as in a join’s', async () => {
    const server = await start(ICE_SERVERS);
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    dropConnection(leecher.client);
    const back = await server.connect();
    expect(await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(leecher))).toMatchObject({
      ok: true,
      placeKept: true,
      iceServers: ICE_SERVERS,
    });
  });

  it('are the restarted server’s, in a restore’s answer and the resumes after it: tabs kept connecting with none (found by review)', async () => {
    const first = await start([]);
    const seeder = await seedTab(first);
    const leecher = await joinTab(first, seeder.swarmId);
    await first.close();
    const second = await start(ICE_SERVERS);
    const manifest = await makeManifest();
    const seederClient = await second.connect();
    const seederRequest = resumeOf(seeder);
    expect(await seederClient.timeout(WAIT_MS).emitWithAck('swarm:resume', seederRequest)).toMatchObject({
      ok: false,
      error: { code: 'swarm-not-found' },
    });
    expect(
      await seederClient.timeout(WAIT_MS).emitWithAck('swarm:restore', { ...seederRequest, ...manifest }),
    ).toMatchObject({ ok: true, registeredAgain: true, iceServers: ICE_SERVERS });
    const leecherClient = await second.connect();
    expect(await leecherClient.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(leecher))).toMatchObject({
      ok: true,
      peers: [seeder.peerId],
      iceServers: ICE_SERVERS,
    });
  });
});

describe('the id of a member that left', () => {
  const clock: HandClock = { nowMs: 1000 };
  const start = serverPerTestOn(clock);
  /** A key nobody was given: another tab naming the member's id. */
  const otherKey = 'K'.repeat(22);

  it('stays its own between runs: another key is refused, its own key takes it back', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    // (The table from before it joined has one row too: only one sent once it left counts. The create's table may
    // still be on its way as the join is answered, so the join's two rows are waited for first.)
    await latestProgress(seeder.received, (table) => table.peers.length === 2, 'it is in the table');
    const tablesBefore = seeder.received.progress.length;
    leecher.client.disconnect();
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'the others are told it left');
    await latestProgress(seeder.received, (table) => table.peers.length === 1, 'its row is gone', tablesBefore);

    const thief = await server.connect();
    const stolen = resumeOf(leecher, { memberKey: otherKey });
    expect(await thief.timeout(WAIT_MS).emitWithAck('swarm:resume', stolen)).toMatchObject({
      ok: false,
      error: { code: 'peer-id-taken' },
    });
    await roundTrip(seeder.client);
    expect(seeder.received.progress.at(-1)!.peers.map((peer) => peer.peerId)).toEqual([seeder.peerId]);
    // Told of its join once: when it joined.
    expect(seeder.received.joined.filter((peerId) => peerId === leecher.peerId)).toHaveLength(1);

    const back = await server.connect();
    expect(await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(leecher))).toMatchObject({
      ok: true,
      placeKept: false,
    });
    await latestProgress(seeder.received, (table) => table.peers.length === 2, 'it is back');
  });

  it.each([
    ['away (its leave never reached the server)', (client: TypedClient) => dropConnection(client)],
    ['gone (its page unloaded, leaving)', (client: TypedClient) => void client.emit('swarm:leave', () => {})],
  ])(
    'gives a tab reloaded between runs, its former place %s, the links the controller set for it',
    async (_how, leave) => {
      const server = await start();
      const seeder = await seedTab(server);
      const leecher = await joinTab(server, seeder.swarmId);
      const slowed = { downloadBytesPerSec: 1_000_000 };
      expect(
        await seeder.client
          .timeout(WAIT_MS)
          .emitWithAck('peer:configure', { peerId: leecher.peerId, override: slowed }),
      ).toEqual({ ok: true });
      leave(leecher.client);
      await latestProgress(
        seeder.received,
        (table) => table.peers.length === 1 || table.peers[1]?.away === true,
        'its place away or gone',
      );
      const page = await server.connect();
      const formerPlace = { peerId: leecher.peerId, memberKey: leecher.memberKey };
      const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
      if (!joined.ok) throw new Error(joined.error.message);
      // A new place outside a run; the teacher's links with it (they vanished without a word).
      const table = await latestProgress(
        seeder.received,
        (progress) => progress.peers.some((peer) => peer.peerId === joined.peerId),
        'the reloaded tab in the table',
      );
      expect(table.peers.find((peer) => peer.peerId === joined.peerId)).toMatchObject({
        override: slowed,
        overrideByControl: true,
      });
      // Its own links, restated from its page's link, are the controller's to set: refused.
      expect(
        await page.timeout(WAIT_MS).emitWithAck('peer:configure', {
          peerId: joined.peerId,
          override: { downloadBytesPerSec: null },
        }),
      ).toMatchObject({ ok: false, error: { code: 'links-set-by-control' } });
      // Handed on once: another place under the same key (a copy of the tab) gets none of them.
      const copy = await server.connect();
      const copied = await copy.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
      if (!copied.ok) throw new Error(copied.error.message);
      const later = await latestProgress(
        seeder.received,
        (progress) => progress.peers.some((peer) => peer.peerId === copied.peerId),
        'the copy in the table',
      );
      expect(later.peers.find((peer) => peer.peerId === copied.peerId)).toMatchObject({ overrideByControl: false });
    },
  );

  it('gives a tab reloaded between runs, the swarm’s last member, the links the controller set for it', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    const teacher = await server.connect();
    const watched = await teacher
      .timeout(WAIT_MS)
      .emitWithAck('swarm:watch', { swarmId: seeder.swarmId, control: seeder.controlSecret! });
    expect(watched).toMatchObject({ ok: true, inControl: true });
    const slowed = { downloadBytesPerSec: 1_000_000 };
    expect(
      await teacher.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId: leecher.peerId, override: slowed }),
    ).toEqual({ ok: true });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    // The last member's page reloads while its connection is down: its place stays, away, until the join holds the
    // swarm (given up first, it would have ended the swarm).
    const tables = record(teacher);
    dropConnection(leecher.client);
    await latestProgress(tables, (table) => table.peers[0]?.away === true, 'the last member away');
    const page = await server.connect();
    const formerPlace = { peerId: leecher.peerId, memberKey: leecher.memberKey };
    const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    if (!joined.ok) throw new Error(joined.error.message);
    const table = await latestProgress(
      tables,
      (progress) => progress.peers.length === 1 && progress.peers[0]?.peerId === joined.peerId,
      'the new place alone',
    );
    expect(table.peers[0]).toMatchObject({ override: slowed, overrideByControl: true });
    // Handed on once here too: the away place, given up in the same update, kept them for a copy of the tab.
    const copy = await server.connect();
    const copied = await copy.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    if (!copied.ok) throw new Error(copied.error.message);
    const later = await latestProgress(
      tables,
      (progress) => progress.peers.some((peer) => peer.peerId === copied.peerId),
      'the copy in the table',
    );
    expect(later.peers.find((peer) => peer.peerId === copied.peerId)).toMatchObject({ overrideByControl: false });
  });

  it('gives a member back the links the controller set for it when it comes back after its grace period', async () => {
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 1e6 };
    const server = await start();
    const seeder = await seedTab(server, capped);
    const leecher = await joinTab(server, seeder.swarmId);
    // The teacher lifts this laptop's cap; the laptop then sleeps past its grace period.
    const loosened = { uploadBytesPerSec: null };
    expect(
      await seeder.client
        .timeout(WAIT_MS)
        .emitWithAck('peer:configure', { peerId: leecher.peerId, override: loosened }),
    ).toEqual({ ok: true });
    dropConnection(leecher.client);
    await waitUntil(() => seeder.received.left.includes(leecher.peerId), 'it is given up');
    // It comes back restating links of its own (its old ones, say), without the control secret: the
    // controller's stand (before, its own won).
    const back = await server.connect();
    expect(
      await back
        .timeout(WAIT_MS)
        .emitWithAck('swarm:resume', resumeOf(leecher, { override: { uploadBytesPerSec: 20_000 } })),
    ).toMatchObject({ ok: true });
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 2, 'it is back');
    expect(table.peers[1]).toMatchObject({ override: loosened, overrideByControl: true });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: capped })).toMatchObject({
      ok: true,
    });
    const run = await latestProgress(seeder.received, (progress) => progress.run?.runNumber === 1, 'run 1');
    // Before, it came back as its own setting, which the run clamped to the swarm's cap.
    expect(run.run?.participants.find((p) => p.peerId === leecher.peerId)?.settings.uploadBytesPerSec).toBeNull();
  });

  it('keeps the founder’s seeder place for the founder after its grace period, whoever asks first', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    dropConnection(seeder.client);
    await waitUntil(() => leecher.received.left.includes(seeder.peerId), 'the founder is given up');

    const thief = await server.connect();
    const { control: _control, ...withoutControl } = resumeOf(seeder, { memberKey: otherKey });
    expect(await thief.timeout(WAIT_MS).emitWithAck('swarm:resume', withoutControl)).toMatchObject({
      ok: false,
      error: { code: 'peer-id-taken' },
    });

    const back = await server.connect();
    expect(await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(seeder))).toMatchObject({
      ok: true,
      inControl: true,
    });
    const table = await latestProgress(leecher.received, (progress) => progress.peers.length === 2, 'it is back');
    expect(table.peers.find((peer) => peer.peerId === seeder.peerId)?.role).toBe('seeder');
    expect(await back.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toMatchObject({
      ok: true,
    });
  });
  it('gives the seeder’s role to one tab only: not beside a seeder present or away, nor to a first seeder back late', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    const secondTab = { peerId: 'seeded-again-tab', memberKey: otherKey };
    // A second tab with the control secret (the teacher's, the file picked again) while the seeder is there…
    const second = await server.connect();
    expect(await second.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(seeder, secondTab))).toMatchObject({
      ok: false,
      error: { code: 'seeder-present' },
    });
    // …or away (its laptop asleep): still one seeder row, nothing changed.
    dropConnection(seeder.client);
    await latestProgress(leecher.received, (table) => table.peers[0]?.away === true, 'the seeder is shown away');
    expect(await second.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(seeder, secondTab))).toMatchObject({
      ok: false,
      error: { code: 'seeder-present' },
    });
    // Given up, it is gone: the second tab seeds the swarm…
    await waitUntil(() => leecher.received.left.includes(seeder.peerId), 'the seeder is given up');
    expect(await second.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(seeder, secondTab))).toMatchObject({
      ok: true,
      inControl: true,
    });
    // …and the first seeder's tab, back late, does not seed it beside it (two seeders beat a client-server bound).
    const late = await server.connect();
    expect(await late.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(seeder))).toMatchObject({
      ok: false,
      error: { code: 'seeder-present' },
    });
    const table = await latestProgress(leecher.received, (progress) => progress.peers.length === 2, 'reseeded');
    expect(table.peers.filter((peer) => peer.role === 'seeder').map((peer) => peer.peerId)).toEqual([secondTab.peerId]);
  });
});

describe('a join asked again, its answer lost', () => {
  const clock: HandClock = { nowMs: 1000 };
  const start = serverPerTestOn(clock);
  const entryKey = 'EntryKeyOfThisTabXXXXX';

  it('finds the place the first ask made, under the entry key it chose: no ghost member, the same peer id', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const first = await server.connect();
    // The join reaches the server; the connection drops before its answer is read.
    first.emit('swarm:join', { swarmId: seeder.swarmId, entryKey }, () => undefined);
    const joinedTable = await latestProgress(
      seeder.received,
      (t) => t.peers.length === 2,
      'the first ask took a place',
    );
    const placeId = joinedTable.peers[1]!.peerId;
    dropConnection(first);
    await latestProgress(seeder.received, (t) => t.peers[1]?.away === true, 'shown away');
    const joinedBefore = seeder.received.joined.length;

    const second = await server.connect();
    const again = await second.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, entryKey });
    expect(again).toMatchObject({ ok: true, peerId: placeId, memberKey: entryKey, peers: [seeder.peerId] });
    const table = await latestProgress(
      seeder.received,
      (t) => t.peers[1]?.away === false,
      'back on its new connection',
    );
    // One member, not two (the first lingered for the grace period, then counted as an abandoned download).
    expect(table.peers.map((peer) => peer.peerId)).toEqual([seeder.peerId, placeId]);
    expect(seeder.received.joined.length).toBe(joinedBefore);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    expect(seeder.received.left).toEqual([]);
    expect(server.stats().pendingGraces).toBe(0);
    // Asked a third time on the same connection (an answer lost to a timeout): the same place again.
    expect(
      await second.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, entryKey }),
    ).toMatchObject({ ok: true, peerId: placeId });
  });

  it('finds the former place a reloaded page’s first ask took back, asked again before the server saw it drop', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const student = await joinTab(server, seeder.swarmId);
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toMatchObject(
      {
        ok: true,
      },
    );
    // The page unloads (it leaves), and the reloaded page asks for its place back: the ask takes it, and its answer
    // is lost with a connection the server has not seen drop yet.
    expect(await student.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    const formerPlace = { peerId: student.peerId, memberKey: student.memberKey };
    const request = { swarmId: seeder.swarmId, formerPlace, entryKey };
    const first = await server.connect();
    first.emit('swarm:join', request, () => undefined);
    await waitUntil(() => seeder.received.joined.includes(student.peerId), 'the first ask took the place back');
    const second = await server.connect();
    const again = await second.timeout(WAIT_MS).emitWithAck('swarm:join', request);
    // Before, a second member beside the first, which lingered, then counted as an abandoned download.
    expect(again).toMatchObject({ ok: true, peerId: student.peerId, memberKey: student.memberKey });
    await roundTrip(seeder.client);
    const table = await latestProgress(seeder.received, (t) => t.peers.length === 2, 'one place');
    expect(table.peers.map((peer) => peer.peerId)).toEqual([seeder.peerId, student.peerId]);
    // Another tab presenting that entry key without the place's key finds nothing of it.
    const stranger = await server.connect();
    const elsewhere = await stranger.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, entryKey });
    expect(elsewhere.ok && elsewhere.peerId).not.toBe(student.peerId);
  });

  it('gives a duplicated tab a place of its own, never its original’s, whose key it carries', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const original = await joinTab(server, seeder.swarmId);
    const formerPlace = { peerId: original.peerId, memberKey: original.memberKey };
    // A duplicated tab carries the original's session storage, its place among it, and draws its own entry key.
    const duplicate = await server.connect();
    const joined = await duplicate
      .timeout(WAIT_MS)
      .emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace, entryKey: 'DuplicateTabsEntryKeyX' });
    expect(joined.ok && joined.peerId !== original.peerId).toBe(true);
    expect(original.client.connected).toBe(true);
  });

  it('takes no place of another key, nor a place in another swarm from a socket in one', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const other = await seedTab(server);
    const tab = await server.connect();
    const joined = await tab.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, entryKey });
    expect(joined.ok).toBe(true);
    // The same socket, another swarm: refused as ever.
    expect(await tab.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: other.swarmId, entryKey })).toMatchObject({
      ok: false,
      error: { code: 'already-in-swarm' },
    });
    // Another tab, another key: a place of its own.
    const newcomer = await server.connect();
    const second = await newcomer
      .timeout(WAIT_MS)
      .emitWithAck('swarm:join', { swarmId: seeder.swarmId, entryKey: 'AnotherTabsEntryKeyXXX' });
    expect(second.ok && joined.ok && second.peerId !== joined.peerId).toBe(true);
  });
});

describe('a completion one of whose witnesses is away', () => {
  const clock: HandClock = { nowMs: 1000 };
  /** The server's grace for a dropped member, on the hand clock: no test here waits it out in real time. */
  const LONG_GRACE_MS = 30_000;
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  /**
   * Run 1 of a seeder and leechers a and b: the seeder reports sending a half the file and b all of it, a
   * completes at 1200 ms, and b drops before it could report the other half it sent a.
   */
  const halfWitnessedCompletion = async () => {
    harness = await startHarness({
      nowMs: () => clock.nowMs,
      limits: { memberGraceMs: LONG_GRACE_MS, progressBroadcastIntervalMs: 10 },
    });
    const seeder = await seedTab(harness);
    const a = await joinTab(harness, seeder.swarmId);
    const b = await joinTab(harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    const seederSays: ProgressReport = {
      ...vouching(1, [b]),
      uploadedBytes: FILE_BYTES * 1.5,
      sentTo: [
        { peerId: a.peerId, bytes: FILE_BYTES / 2 },
        { peerId: b.peerId, bytes: FILE_BYTES },
      ],
    };
    const send = async (tab: Tab, report: ProgressReport, atMs: number): Promise<void> => {
      clock.nowMs = atMs;
      expect(await tab.client.timeout(WAIT_MS).emitWithAck('progress:report', report)).toEqual({ ok: true });
    };
    await send(seeder, seederSays, 1100);
    await send(a, complete(1), 1200);
    dropConnection(b.client);
    await latestProgress(seeder.received, (table) => table.peers[2]?.away === true, 'b is shown away');
    /** a's row once everything sent so far has been broadcast, after the seeder's report at `atMs`. */
    const aAfterReportAt = async (atMs: number) => {
      await send(seeder, seederSays, atMs);
      await roundTrip(seeder.client);
      await new Promise((resolve) => setTimeout(resolve, 40));
      // Its place in the run: an unconfirmed completion is a verdict on the run, not on the membership.
      return seeder.received.progress.at(-1)!.run!.participants.find((participant) => participant.peerId === a.peerId)!;
    };
    return { harness, seeder, a, b, send, aAfterReportAt };
  };

  it('waits for the witness while it is away, and for 10 s once it is back, then counts the completion', async () => {
    const { harness, seeder, a, b, send, aAfterReportAt } = await halfWitnessedCompletion();
    // Ten seconds after a's completion nobody confirmed it, but b, which may have, could not report.
    expect((await aAfterReportAt(11_300)).flagged).toBeNull();
    expect((await aAfterReportAt(25_000)).flagged).toBeNull();
    const back = await harness.connect();
    clock.nowMs = 26_000;
    expect(await back.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(b))).toMatchObject({ ok: true });
    // Back at 26 s: its report has until 36 s, whatever the time since the completion.
    expect((await aAfterReportAt(35_900)).flagged).toBeNull();
    const bSays: ProgressReport = {
      ...complete(1),
      uploadedBytes: FILE_BYTES / 2,
      sentTo: [{ peerId: a.peerId, bytes: FILE_BYTES / 2 }],
    };
    await send({ ...b, client: back }, bSays, 35_950);
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(finished.peers.map((peer) => peer.flagged)).toEqual([null, null, null]);
    expect(finished.run?.participants[1]).toMatchObject({
      peerId: a.peerId,
      completedAfterMs: 200,
      corroborated: true,
    });
  });

  it('waits for an away witness no longer than two grace periods', async () => {
    const { aAfterReportAt } = await halfWitnessedCompletion();
    // b is still away (the grace timer runs in real time here): a's wait ends 10 s after two grace periods.
    expect((await aAfterReportAt(1200 + 2 * LONG_GRACE_MS + 10_000)).flagged).toBeNull();
    expect((await aAfterReportAt(1200 + 2 * LONG_GRACE_MS + 10_001)).flagged?.reason).toBe(
      'complete: not confirmed within 10 s by the peers that could have sent it the file',
    );
  });
});

describe('a swarm after the server restarted', () => {
  const clock: HandClock = { nowMs: 1000 };
  const servers: Harness[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const start = async (): Promise<Harness> => {
    const server = await startHarness({
      nowMs: () => clock.nowMs,
      limits: { memberGraceMs: GRACE_MS, progressBroadcastIntervalMs: 10 },
    });
    servers.push(server);
    return server;
  };

  /** A seeder and two leechers in run 1 on a first server, which then stops: what the tabs know. */
  const swarmInRun = async () => {
    const first = await start();
    const seeder = await seedTab(first);
    const a = await joinTab(first, seeder.swarmId);
    const b = await joinTab(first, seeder.swarmId);
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toEqual({
      ok: true,
      runNumber: 1,
    });
    await first.close();
    return { seeder, a, b, manifest: await makeManifest() };
  };

  /** `tab` on the new server: `swarm:resume`, and `swarm:restore` with the file when the server forgot the swarm. */
  const comeBack = async (
    server: Harness,
    tab: Tab,
    run: ResumedRun | null,
    manifest: Awaited<ReturnType<typeof makeManifest>>,
    overrides: Partial<SwarmResumeRequest> = {},
  ) => {
    const client = await server.connect();
    const received = record(client);
    const request = resumeOf(tab, { run, ...overrides });
    const resumed = await client.timeout(WAIT_MS).emitWithAck('swarm:resume', request);
    const answer =
      resumed.ok || resumed.error.code !== 'swarm-not-found'
        ? resumed
        : await client.timeout(WAIT_MS).emitWithAck('swarm:restore', { ...request, ...manifest });
    return { tab: { ...tab, client, received }, answer };
  };

  it('refuses to register the swarm again with a manifest that is not its link’s file, registering nothing', async () => {
    const { a, manifest } = await swarmInRun();
    const second = await start();
    const client = await second.connect();
    const request = resumeOf(a, { run: null });
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:resume', request)).toMatchObject({
      ok: false,
      error: { code: 'swarm-not-found' },
    });
    // The link's seal and content id, another file's manifest: every report would be judged by the wrong chunks.
    const other = await makeManifest(64 * 1024, 'other.pdf');
    const forged = { ...request, manifest: other.manifest, contentId: manifest.contentId };
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:restore', forged)).toMatchObject({
      ok: false,
      error: { code: 'content-mismatch' },
    });
    expect(second.stats().swarms).toBe(0);
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:resume', request)).toMatchObject({
      ok: false,
      error: { code: 'swarm-not-found' },
    });
    // The right file registers it.
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:restore', { ...request, ...manifest })).toMatchObject({
      ok: true,
      registeredAgain: true,
    });
  });

  it('refuses a restore past its address’s swarms before anything else, on either store, as a create', async () => {
    const { a, manifest } = await swarmInRun();
    const second = await startHarness({
      nowMs: () => clock.nowMs,
      limits: { memberGraceMs: GRACE_MS, progressBroadcastIntervalMs: 10, maxSwarmsPerAddress: 1 },
    });
    servers.push(second);
    await seedTab(second); // the address's one swarm
    const client = await second.connect();
    const request = resumeOf(a, { run: null });
    // A seal that is not the swarm's: refused for it under the cap; at the cap, for the cap first. Redis answered
    // `seal-mismatch` there, memory `too-many-swarms-from-address` (found by review).
    const forged = { ...request, seal: { ...request.seal, controlDigest: 'D'.repeat(43) }, ...manifest };
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:restore', forged)).toMatchObject({
      ok: false,
      error: { code: 'too-many-swarms-from-address' },
    });
    expect(second.stats().swarms).toBe(1);
  });

  it('counts a returning member’s claimed settings within the restored run’s caps, unless it holds control', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 1e6, seederUploadBytesPerSec: 2e6 };
    const asRun = (tab: Tab, upload: number | null) => ({
      ...runAsKnown(tab, 5000, everyone),
      config: capped,
      settings: {
        ...resolvePeerSettings(capped, {}, tab === seeder ? 'seeder' : 'leecher'),
        uploadBytesPerSec: upload,
      },
    });
    const second = await start();
    clock.nowMs = 50_000;
    // The teacher's tab (in control) restores the run, its own link loosened by the experiment.
    const seederBack = await comeBack(second, seeder, asRun(seeder, 4e6), manifest);
    expect(seederBack.answer).toMatchObject({ ok: true, inControl: true, registeredAgain: true });
    // A modified tab says it had no cap.
    await comeBack(second, a, asRun(a, null), manifest);
    const table = await latestProgress(
      seederBack.tab.received,
      (progress) => progress.run?.participants.some((p) => p.peerId === a.peerId && p.present) ?? false,
      'a back in the run',
    );
    const settingsOf = (tab: Tab) => table.run?.participants.find((p) => p.peerId === tab.peerId)?.settings;
    expect(settingsOf(a)?.uploadBytesPerSec).toBe(1e6);
    expect(settingsOf(seeder)?.uploadBytesPerSec).toBe(4e6);
  });

  it('takes the restored run’s caps from the controller’s tab once it is back, not from a student’s first', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 1e6, seederUploadBytesPerSec: 2e6 };
    const second = await start();
    clock.nowMs = 50_000;
    // A modified student's tab is first back: it describes the run with no caps, its own link uncapped, and
    // leaves the seeder out of the list.
    const aBack = await comeBack(second, a, { ...runAsKnown(a, 5000, [a, b]), config: DEFAULT_RUN_CONFIG }, manifest);
    expect(aBack.answer).toMatchObject({ ok: true, inControl: false, registeredAgain: true });
    // The teacher's tab comes back with the run as it started.
    const asStarted = { ...runAsKnown(seeder, 5000, [seeder, a, b]), config: capped };
    await comeBack(second, seeder, { ...asStarted, settings: resolvePeerSettings(capped, {}, 'seeder') }, manifest);
    const table = await latestProgress(
      aBack.tab.received,
      (progress) => progress.run?.participants.some((p) => p.peerId === seeder.peerId && p.present) ?? false,
      'the seeder back in the run',
    );
    const settingsOf = (tab: Tab) => table.run?.participants.find((p) => p.peerId === tab.peerId)?.settings;
    expect(table.run?.config).toEqual(capped);
    expect(table.config).toEqual(capped);
    // The student's own "no cap", and the place awaiting `b`, count within the caps corrected.
    expect(settingsOf(a)?.uploadBytesPerSec).toBe(1e6);
    expect(settingsOf(b)?.uploadBytesPerSec).toBe(1e6);
    expect(settingsOf(seeder)?.uploadBytesPerSec).toBe(2e6);
  });

  it('is registered again under its link, and its run ends with a time from the tabs’ clocks', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    const seederBack = await comeBack(second, seeder, runAsKnown(seeder, 5000, everyone), manifest);
    expect(seederBack.answer).toMatchObject({
      ok: true,
      swarmId: seeder.swarmId,
      peers: [],
      inControl: true,
      run: { runNumber: 1 },
      registeredAgain: true,
      placeKept: false,
    });
    // `a` completed while the server was away, 4 s into the run by its clock; `b` is still downloading.
    const aBack = await comeBack(second, a, runAsKnown(a, 5000, everyone, 4000), manifest);
    // It found the swarm registered again, in a place of its own that the server had forgotten (its name with it).
    expect(aBack.answer).toMatchObject({
      ok: true,
      peers: [seeder.peerId],
      inControl: false,
      registeredAgain: false,
      placeKept: false,
    });
    const bBack = await comeBack(second, b, runAsKnown(b, 5000, everyone), manifest);
    expect(bBack.answer).toMatchObject({ ok: true, peers: [seeder.peerId, a.peerId] });
    const running = await latestProgress(
      seederBack.tab.received,
      (table) => table.peers.length === 3 && table.run?.restoredAfterMs === 5000,
      'the restored run with every member',
    );
    expect(running.run).toMatchObject({ phase: 'running', runNumber: 1, elapsedMs: 5000 });
    expect(running.peers.map((peer) => [peer.peerId, peer.role])).toEqual([
      [seeder.peerId, 'seeder'],
      [a.peerId, 'leecher'],
      [b.peerId, 'leecher'],
    ]);

    clock.nowMs = 51_000;
    expect(await bBack.tab.client.timeout(WAIT_MS).emitWithAck('progress:report', complete(1))).toEqual({ ok: true });
    expect(await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('progress:report', vouching(1, [a, b]))).toEqual({
      ok: true,
    });
    const finished = await latestProgress(
      seederBack.tab.received,
      (table) => table.run?.phase === 'finished',
      'finished',
    );
    expect(finished.run).toMatchObject({ distributionMs: 6000, restoredAfterMs: 5000 });
    expect(finished.run?.participants.find((p) => p.peerId === a.peerId)).toMatchObject({ completedAfterMs: 4000 });

    // A tab that opens the link now joins the swarm as before.
    const late = await joinTab(second, seeder.swarmId);
    expect(late.seal).toEqual(seeder.seal);
  });

  it('restores the run from the first account of it, when the first tab back knew no run at that moment', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    // A reloaded tab still checking its chunks has no run going on to describe: it registers the swarm first.
    const aBack = await comeBack(second, a, null, manifest, { latestRunNumber: 1 });
    expect(aBack.answer).toMatchObject({ ok: true, registeredAgain: true, run: null });
    // Before, the run the seeder and b describe was ignored: no run on any screen, its measurement lost.
    const seederBack = await comeBack(second, seeder, runAsKnown(seeder, 5000, everyone), manifest);
    expect(seederBack.answer).toMatchObject({ ok: true, run: { runNumber: 1 } });
    await comeBack(second, b, runAsKnown(b, 5000, everyone), manifest);
    const table = await latestProgress(
      seederBack.tab.received,
      (progress) => progress.peers.length === 3 && progress.run !== null,
      'the restored run',
    );
    expect(table.run).toMatchObject({ phase: 'running', runNumber: 1, restoredAfterMs: 5000 });
    // a, back before the run was restored, is told it and takes part in it since its start: before, it was shown
    // absent, and once the grace was over counted as having left before completing, its reports ignored.
    await waitUntil(() => aBack.tab.received.runsStarted.length > 0, 'a told of the restored run');
    expect(aBack.tab.received.runsStarted[0]).toMatchObject({ runNumber: 1, swarmId: table.swarmId });
    expect(table.run?.participants.find((p) => p.peerId === a.peerId)).toMatchObject({ present: true });
    const tablesBefore = seederBack.tab.received.progress.length;
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    const later = await latestProgress(
      seederBack.tab.received,
      (progress) => progress.run !== null,
      'the run after the grace',
      tablesBefore,
    );
    expect(later.run?.participants.find((p) => p.peerId === a.peerId)).toMatchObject({ present: true });
    expect(later.run?.abandonedLeechers).toBe(0);
  });

  it('gives a place the restored run awaits to the tab’s page reloaded meanwhile, as a reload’s', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    const seederBack = await comeBack(second, seeder, runAsKnown(seeder, 5000, everyone), manifest);
    expect(seederBack.answer).toMatchObject({ ok: true, run: { runNumber: 1 } });
    // a's page was reloaded while the server was down: a new engine, which joins presenting its former place.
    const page = await second.connect();
    const formerPlace = { peerId: a.peerId, memberKey: a.memberKey };
    const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    // Before, a new place beside the one awaited: its kept chunks refused as faster than its caps.
    expect(joined).toMatchObject({ ok: true, peerId: a.peerId, run: { runNumber: 1 } });
    const table = await latestProgress(
      seederBack.tab.received,
      (progress) => progress.run?.participants.find((p) => p.peerId === a.peerId)?.present === true,
      'a back in the run',
    );
    expect(table.run?.participants.map((p) => p.peerId).sort()).toEqual([seeder.peerId, a.peerId, b.peerId].sort());
    // Its key is the place's from now on: another cannot take it.
    const other = await second.connect();
    const stolen = await other.timeout(WAIT_MS).emitWithAck('swarm:join', {
      swarmId: seeder.swarmId,
      formerPlace: { peerId: a.peerId, memberKey: b.memberKey },
    });
    expect(stolen.ok && stolen.peerId).not.toBe(a.peerId);
  });

  it('keeps the links the controller set for a student, whichever of their tabs is back first', async () => {
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 100_000, peerDownloadBytesPerSec: 100_000 };
    const fast = { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: 1_000_000 };
    for (const controllerFirst of [true, false]) {
      const { seeder, a, b, manifest } = await swarmInRun();
      const everyone = [seeder, a, b];
      const second = await start();
      clock.nowMs = 50_000;
      // The teacher gave `a` 1 MB/s; its tab's engine runs at that, and restates it.
      const seederRun = controllerRun(seeder, everyone, capped, { [a.peerId]: { ...fast, leaveOnComplete: false } });
      const aRun = {
        ...runAsKnown(a, 5000, everyone),
        config: capped,
        settings: { ...resolvePeerSettings(capped, {}, 'leecher'), ...fast },
      };
      const first = controllerFirst ? seeder : a;
      const firstBack = await comeBack(second, first, controllerFirst ? seederRun : aRun, manifest);
      await comeBack(second, controllerFirst ? a : seeder, controllerFirst ? aRun : seederRun, manifest);
      const table = await latestProgress(
        firstBack.tab.received,
        (progress) => progress.run?.participants.filter((p) => p.present).length === 2,
        'both back',
      );
      // Before, clamped to the run's 100 kB/s: its first report, at 1 MB/s, got it flagged as faster than its caps.
      expect(table.run?.participants.find((p) => p.peerId === a.peerId)?.settings).toMatchObject(fast);
      expect(table.run?.participants.find((p) => p.peerId === b.peerId)?.settings.uploadBytesPerSec).toBe(100_000);
      await second.close();
      servers.splice(servers.indexOf(second), 1);
    }
  });

  it('keeps the links the controller set for a student for the runs to come, whichever tab is back first', async () => {
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 100_000, peerDownloadBytesPerSec: 100_000 };
    const fast = { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: 1_000_000 };
    for (const controllerFirst of [true, false]) {
      const { seeder, a, b, manifest } = await swarmInRun();
      const second = await start();
      clock.nowMs = 50_000;
      // Run 1 was over. The teacher had given `a` 1 MB/s for the runs to come; both tabs' tables showed it as the
      // controller's, and a's tab restates it as its own settings (`swarmMemoryOf`).
      const seederMemory = { latestRunNumber: 1, config: capped, controlLinks: [{ peerId: a.peerId, override: fast }] };
      const aMemory = { latestRunNumber: 1, override: fast };
      const [first, firstMemory, then, thenMemory] = controllerFirst
        ? [seeder, seederMemory, a, aMemory]
        : [a, aMemory, seeder, seederMemory];
      const firstBack = await comeBack(second, first, null, manifest, firstMemory);
      const thenBack = await comeBack(second, then, null, manifest, thenMemory);
      await comeBack(second, b, null, manifest, { latestRunNumber: 1 });
      const [seederBack, aBack] = controllerFirst ? [firstBack, thenBack] : [thenBack, firstBack];
      const table = await latestProgress(
        seederBack.tab.received,
        (progress) => progress.peers.length === 3,
        'all back',
      );
      // Before, the student's own: no longer shown as the controller's, and clamped by the next run's caps.
      expect(table.peers.find((p) => p.peerId === a.peerId)).toMatchObject({ override: fast, overrideByControl: true });
      // The student may not change them.
      expect(
        await aBack.tab.client
          .timeout(WAIT_MS)
          .emitWithAck('peer:configure', { peerId: a.peerId, override: { uploadBytesPerSec: 5_000_000 } }),
      ).toMatchObject({ ok: false, error: { code: 'links-set-by-control' } });
      // The next run gives them as set, beside the caps for the others.
      expect(await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:start', { config: capped })).toMatchObject({
        ok: true,
        runNumber: 2,
      });
      await waitUntil(() => aBack.tab.received.runsStarted.length > 0, 'run 2 started');
      const started = aBack.tab.received.runsStarted[0];
      expect(started?.settings[a.peerId]).toMatchObject(fast);
      expect(started?.settings[b.peerId]?.uploadBytesPerSec).toBe(100_000);
      await second.close();
      servers.splice(servers.indexOf(second), 1);
    }
  });

  it('takes the links from the controller’s first account only, never over links a screen in control set since', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    clock.nowMs = 50_000;
    const fast = { uploadBytesPerSec: 1_000_000 };
    const slow = { uploadBytesPerSec: 20_000 };
    const seederBack = await comeBack(second, seeder, null, manifest, {
      latestRunNumber: 1,
      controlLinks: [{ peerId: a.peerId, override: fast }],
    });
    await comeBack(second, a, null, manifest, { latestRunNumber: 1 });
    // The teacher sets a's links to 20 kB/s on the restarted server.
    expect(
      await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId: a.peerId, override: slow }),
    ).toEqual({ ok: true });
    // A second tab in control comes back with an older table (a's 1 MB/s; b's 1 MB/s, which nobody set since).
    await comeBack(second, b, null, manifest, {
      control: seeder.controlSecret!,
      latestRunNumber: 1,
      controlLinks: [
        { peerId: a.peerId, override: fast },
        { peerId: b.peerId, override: fast },
      ],
    });
    const table = await latestProgress(seederBack.tab.received, (progress) => progress.peers.length === 3, 'all back');
    expect(table.peers.find((p) => p.peerId === a.peerId)).toMatchObject({ override: slow, overrideByControl: true });
    expect(table.peers.find((p) => p.peerId === b.peerId)).toMatchObject({ override: fast, overrideByControl: true });
  });

  it('believes no links from a member not in control', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    clock.nowMs = 50_000;
    const seederBack = await comeBack(second, seeder, null, manifest, { latestRunNumber: 1 });
    await comeBack(second, a, null, manifest, { latestRunNumber: 1 });
    const bBack = await comeBack(second, b, null, manifest, {
      latestRunNumber: 1,
      controlLinks: [
        { peerId: a.peerId, override: { uploadBytesPerSec: 20_000 } },
        { peerId: b.peerId, override: { uploadBytesPerSec: 9_000_000 } },
      ],
    });
    expect(bBack.answer).toMatchObject({ ok: true });
    const table = await latestProgress(seederBack.tab.received, (progress) => progress.peers.length === 3, 'all back');
    expect(table.peers.find((p) => p.peerId === a.peerId)).toMatchObject({ override: {} });
    expect(table.peers.find((p) => p.peerId === b.peerId)).toMatchObject({ override: {} });
    expect(table.peers.every((p) => p.overrideByControl !== true)).toBe(true);
  });

  it('does not rewrite the settings it told a member with the controller’s later account', async () => {
    const capped = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 100_000, peerDownloadBytesPerSec: 100_000 };
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    // A student's tab restores the run, without control; a's page, reloaded meanwhile, takes its awaited place by a
    // join, and is told the run's caps.
    const bRun = {
      ...runAsKnown(b, 5000, everyone),
      config: capped,
      settings: resolvePeerSettings(capped, {}, 'leecher'),
    };
    const bBack = await comeBack(second, b, bRun, manifest);
    const page = await second.connect();
    const formerPlace = { peerId: a.peerId, memberKey: a.memberKey };
    const joined = await page.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId, formerPlace });
    if (!joined.ok) throw new Error(joined.error.message);
    const told = joined.run?.settings[a.peerId];
    expect(told?.uploadBytesPerSec).toBe(100_000);
    // The teacher's tab comes back saying it gave a 20 kB/s.
    const seederRun = controllerRun(seeder, everyone, capped, {
      [a.peerId]: { uploadBytesPerSec: 20_000, downloadBytesPerSec: 20_000, leaveOnComplete: false },
    });
    await comeBack(second, seeder, seederRun, manifest);
    const table = await latestProgress(
      bBack.tab.received,
      (progress) => progress.run?.participants.some((p) => p.peerId === seeder.peerId && p.present) ?? false,
      'the seeder back',
    );
    // Before, rewritten to 20 kB/s while its engine ran at what it was told: flagged at its next report.
    expect(table.run?.participants.find((p) => p.peerId === a.peerId)?.settings).toEqual(told);
  });

  it('restores no run the teacher’s tab says is over, nor one no other member saw, from a later account', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    // The teacher stopped run 1 while a's laptop slept, then the server restarted: the teacher's tab is in no run.
    const seederBack = await comeBack(second, seeder, null, manifest, { latestRunNumber: 1 });
    expect(seederBack.answer).toMatchObject({ ok: true, run: null });
    // a wakes, its table still showing run 1 running: before, run 1 came back "running" and Start was refused.
    const aBack = await comeBack(second, a, runAsKnown(a, 5000, everyone), manifest, { latestRunNumber: 1 });
    expect(aBack.answer).toMatchObject({ ok: true, run: null });
    // A member makes up run 7: before, restored, and Start refused after every Stop.
    const madeUp = { ...runAsKnown(b, 5000, everyone), runNumber: 7 };
    const bBack = await comeBack(second, b, madeUp, manifest, { latestRunNumber: 7 });
    expect(bBack.answer).toMatchObject({ ok: true, run: null });
    expect(
      await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
    ).toMatchObject({ ok: true });
  });

  it('lets no stale tab’s run block Start, whoever comes back first', async () => {
    for (const staleFirst of [false, true]) {
      const { seeder, a, b, manifest } = await swarmInRun();
      const everyone = [seeder, a, b];
      const second = await start();
      clock.nowMs = 50_000;
      // Run 1 was stopped while a's laptop slept; b saw the Stop. b, or the stale a, registers the swarm again.
      if (!staleFirst) {
        const bBack = await comeBack(second, b, null, manifest, { latestRunNumber: 1 });
        expect(bBack.answer).toMatchObject({ ok: true, run: null });
      }
      const aBack = await comeBack(second, a, runAsKnown(a, 5000, everyone), manifest, { latestRunNumber: 1 });
      // A classmate in no run is no evidence that run 1 goes on: before, restored "running".
      if (!staleFirst) expect(aBack.answer).toMatchObject({ ok: true, run: null });
      // The teacher's tab is in no run: a run restored from a stale account alone ends.
      const seederBack = await comeBack(second, seeder, null, manifest, { latestRunNumber: 1 });
      expect(seederBack.answer).toMatchObject({ ok: true, run: null });
      expect(
        await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
      ).toMatchObject({ ok: true, runNumber: 2 });
      await second.close();
      servers.splice(servers.indexOf(second), 1);
    }
  });

  it('does not restore a run older than one its members saw', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const everyone = [seeder, a, b];
    const second = await start();
    clock.nowMs = 50_000;
    // A selfish leecher's tab opening run 5's store still describes run 4, which it left; it saw run 5 start.
    const stale = { ...runAsKnown(a, 5000, everyone), runNumber: 4 };
    const aBack = await comeBack(second, a, stale, manifest, { latestRunNumber: 5 });
    // Before, run 4 came back "running", and the seeder's account of run 5 was ignored.
    expect(aBack.answer).toMatchObject({ ok: true, run: null });
    const current = { ...runAsKnown(seeder, 3000, everyone), runNumber: 5 };
    const seederBack = await comeBack(second, seeder, current, manifest, { latestRunNumber: 5 });
    expect(seederBack.answer).toMatchObject({ ok: true, run: { runNumber: 5 } });
  });

  it('lets a tab that opens the link during the restored run take part in it', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    await comeBack(second, seeder, runAsKnown(seeder, 3000, [seeder, a, b]), manifest);
    const late = await joinTab(second, seeder.swarmId);
    expect(late.run).toMatchObject({ runNumber: 1 });
    expect(late.run?.settings[late.peerId]).toBeDefined();
  });

  it('refuses a re-registration with another file, and takes nobody but the control holder back as seeder', async () => {
    const { seeder, a, manifest } = await swarmInRun();
    const second = await start();
    const otherFile = await makeManifest(48 * 1024, 'not-the-lecture.bin');
    const hijack = await comeBack(second, a, null, otherFile);
    expect(hijack.answer).toMatchObject({ ok: false, error: { code: 'seal-mismatch' } });
    expect(second.stats().swarms).toBe(0);
    // The leecher's own file, claiming to seed without the control secret: a leecher it stays.
    const claim = await comeBack(second, a, null, manifest, { role: 'seeder' });
    expect(claim.answer).toMatchObject({ ok: true, inControl: false });
    const seederBack = await comeBack(second, seeder, null, manifest);
    expect(seederBack.answer).toMatchObject({ ok: true, inControl: true });
    const table = await latestProgress(seederBack.tab.received, (progress) => progress.peers.length === 2, 'both back');
    expect(table.peers.map((peer) => peer.role)).toEqual(['leecher', 'seeder']);
    expect(swarmIdOfSeal(seeder.seal, manifest.contentId)).toBe(seeder.swarmId);
  });

  it('between runs, numbers the next run after the latest its members saw, and gets their settings back', async () => {
    const { seeder, a, manifest } = await swarmInRun();
    const second = await start();
    const shaped = { ...DEFAULT_RUN_CONFIG, mode: 'client-server' as const, seederUploadBytesPerSec: 2_000_000 };
    // Run 3 had ended when the server went; a student capped its own upload, the teacher had set the next run's caps.
    const aBack = await comeBack(second, a, null, manifest, {
      latestRunNumber: 3,
      override: { uploadBytesPerSec: 500_000, leaveOnComplete: true },
      // Not in control: its idea of the swarm's settings is not taken.
      config: { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 1_000_000 },
    });
    expect(aBack.answer).toMatchObject({ ok: true, run: null });
    const seederBack = await comeBack(second, seeder, null, manifest, { latestRunNumber: 2, config: shaped });
    expect(seederBack.answer).toMatchObject({ ok: true, inControl: true });
    const table = await latestProgress(seederBack.tab.received, (progress) => progress.peers.length === 2, 'both back');
    expect(table.config).toEqual(shaped);
    expect(table.peers.find((peer) => peer.peerId === a.peerId)?.override).toEqual({
      uploadBytesPerSec: 500_000,
      leaveOnComplete: true,
    });
    // A newcomer is told of the seeder first, though it came back after the student: it always connects to it.
    const newcomer = await second.connect();
    const joined = await newcomer.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId });
    expect(joined.ok && joined.peers).toEqual([seeder.peerId, a.peerId]);
    // …and that the swarm was registered again: members, the seeder among them, may still be coming back.
    expect(joined.ok && joined.registeredAgain).toBe(true);
    // Run 4, which the tabs take (they ignore a run not newer than theirs), with the student's own settings.
    const started = await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:start', { config: shaped });
    expect(started).toEqual({ ok: true, runNumber: 4 });
    // A run since: whoever is not back by now is not coming back, as far as a newcomer's page is concerned.
    const later = await (
      await second.connect()
    )
      .timeout(WAIT_MS)
      .emitWithAck('swarm:join', { swarmId: seeder.swarmId });
    expect(later.ok && later.registeredAgain).toBe(false);
    await waitUntil(() => aBack.tab.received.runsStarted.length > 0, 'run 4 announced');
    expect(aBack.tab.received.runsStarted[0]?.settings[a.peerId]).toMatchObject({
      uploadBytesPerSec: 500_000,
      leaveOnComplete: true,
    });
  });

  it('believes a member not in control up to a million runs, so a liar cannot use up the swarm’s run numbers', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    // The first back registers the swarm again, describing a run numbered as high as the wire carries.
    const liarRun = { ...runAsKnown(a, 1000, [seeder, a, b]), runNumber: MAX_RUN_NUMBER };
    const liar = await comeBack(second, a, liarRun, manifest, { latestRunNumber: MAX_RUN_NUMBER });
    expect(liar.answer).toMatchObject({ ok: true, registeredAgain: true, run: null });
    const other = await comeBack(second, b, null, manifest, { latestRunNumber: MAX_RUN_NUMBER - 1 });
    expect(other.answer).toMatchObject({ ok: true, run: null });
    const seederBack = await comeBack(second, seeder, null, manifest, { latestRunNumber: 1 });
    expect(seederBack.answer).toMatchObject({ ok: true, inControl: true });
    const started = await seederBack.tab.client
      .timeout(WAIT_MS)
      .emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    expect(started).toEqual({ ok: true, runNumber: MAX_RUN_NUMBER_CLAIMED_BY_MEMBER + 1 });
    expect(await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:stop')).toEqual({ ok: true });
    expect(
      await seederBack.tab.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
    ).toEqual({
      ok: true,
      runNumber: MAX_RUN_NUMBER_CLAIMED_BY_MEMBER + 2,
    });
  });

  it('believes the holder of the control secret whatever run it describes, as it registers the swarm again', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    const described = { ...runAsKnown(seeder, 1000, [seeder, a, b]), runNumber: MAX_RUN_NUMBER_CLAIMED_BY_MEMBER + 5 };
    const seederBack = await comeBack(second, seeder, described, manifest);
    expect(seederBack.answer).toMatchObject({ ok: true, inControl: true, run: { runNumber: described.runNumber } });
  });

  it('gives up on the participants that do not come back, and interrupts a run left with no leecher', async () => {
    const { seeder, a, b, manifest } = await swarmInRun();
    const second = await start();
    const seederBack = await comeBack(second, seeder, runAsKnown(seeder, 3000, [seeder, a, b]), manifest);
    expect(seederBack.answer).toMatchObject({ ok: true });
    const ended = await latestProgress(
      seederBack.tab.received,
      (table) => table.run?.phase === 'interrupted',
      'the run is interrupted once the grace period passed',
    );
    expect(ended.run).toMatchObject({ abandonedLeechers: 2, interruption: expect.stringContaining('restarted') });
  });
});

describe('a newcomer’s account of a run the server never forgot', () => {
  const clock: HandClock = { nowMs: 1000 };
  const start = serverPerTestOn(clock);

  /** Anyone with the share link: it joined once to learn the seal, and resumes a peer id of its choosing. */
  const stranger = (tab: Tab, peerId: string, run: ResumedRun | null): SwarmResumeRequest => ({
    swarmId: tab.swarmId,
    peerId,
    memberKey: 'S'.repeat(22),
    seal: tab.seal,
    role: 'leecher',
    run,
  });

  it('is refused under an id whose short id is a classmate’s: with the classmate’s name, two rows looked alike on every screen', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    const client = await server.connect();
    const lookalike = `${leecher.peerId.slice(0, 6)}EVIL01`;
    for (const peerId of [lookalike, '__proto__'])
      expect(await client.timeout(WAIT_MS).emitWithAck('swarm:resume', stranger(leecher, peerId, null))).toMatchObject({
        ok: false,
        error: { code: 'peer-id-taken' },
      });
    expect(await client.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Alice' })).toMatchObject({
      ok: false,
      error: { code: 'not-in-swarm' },
    });
    await roundTrip(seeder.client);
    await latestProgress(seeder.received, (progress) => progress.peers.length === 2, 'the two members');
    expect(seeder.received.progress.some((progress) => progress.peers.length > 2)).toBe(false);
  });

  it('neither replaces the run going on nor finishes it: the newcomer takes part as one', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const leecher = await joinTab(server, seeder.swarmId);
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toEqual({
      ok: true,
      runNumber: 1,
    });
    const madeUp: ResumedRun = {
      ...runAsKnown(leecher, 6 * 24 * 3600 * 1000, [], 1),
      runNumber: 4_294_967_295,
      config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server', leaveOnComplete: true },
    };
    const client = await server.connect();
    const answer = await client.timeout(WAIT_MS).emitWithAck('swarm:resume', stranger(leecher, 'stranger', madeUp));
    expect(answer).toMatchObject({ ok: true, run: { runNumber: 1, config: DEFAULT_RUN_CONFIG } });
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 3, 'it is a member');
    expect(table.run).toMatchObject({
      runNumber: 1,
      phase: 'running',
      config: DEFAULT_RUN_CONFIG,
      restoredAfterMs: null,
    });
    expect(table.run?.elapsedMs).toBe(0);
    expect(table.run?.participants.find((p) => p.peerId === 'stranger')).toMatchObject({ completedAfterMs: null });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:stop')).toEqual({ ok: true });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toEqual({
      ok: true,
      runNumber: 2,
    });
  });

  it('starts no run where none goes on, even one it says has finished', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const fabricated: ResumedRun = {
      ...runAsKnown(seeder, 1000, [seeder], 1),
      settings: resolvePeerSettings(DEFAULT_RUN_CONFIG, {}, 'leecher'),
      participants: [{ peerId: 'ghost', role: 'seeder' }],
    };
    const client = await server.connect();
    const answer = await client.timeout(WAIT_MS).emitWithAck('swarm:resume', stranger(seeder, 'liar', fabricated));
    expect(answer).toMatchObject({ ok: true, run: null });
    // Past the grace period a restored run would have given up on its ghost: none was restored.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
    await roundTrip(seeder.client);
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 2, 'it is a member');
    expect(table.run).toBeNull();
  });

  it('keeps its own run numbers and settings whatever a newcomer says it remembers', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    await joinTab(server, seeder.swarmId);
    const client = await server.connect();
    const claim = {
      ...stranger(seeder, 'liar', null),
      latestRunNumber: 0xffff_ffff,
      config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server' as const },
    };
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:resume', claim)).toMatchObject({ ok: true });
    // The swarm was never forgotten: the next run is run 1, with the swarm's own settings.
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toEqual({
      ok: true,
      runNumber: 1,
    });
  });

  it('cannot take a departed participant’s place, which its own key takes back with the completion the server recorded', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const a = await joinTab(server, seeder.swarmId);
    const b = await joinTab(server, seeder.swarmId);
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    clock.nowMs += 2000;
    expect(await a.client.timeout(WAIT_MS).emitWithAck('progress:report', complete(1))).toEqual({ ok: true });
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('progress:report', vouching(1, [a]))).toEqual({ ok: true });
    a.client.disconnect();
    await waitUntil(() => seeder.received.left.includes(a.peerId), 'the others are told it left');
    const completionOfA = (progress: SwarmProgress) =>
      progress.run?.participants.find((p) => p.peerId === a.peerId)?.completedAfterMs;
    await latestProgress(seeder.received, (progress) => completionOfA(progress) === 2000, 'a completed after 2 s');

    const thief = await server.connect();
    const impostor = { ...stranger(a, a.peerId, runAsKnown(a, 2000, [seeder, a, b], 1)) };
    expect(await thief.timeout(WAIT_MS).emitWithAck('swarm:resume', impostor)).toMatchObject({
      ok: false,
      error: { code: 'peer-id-taken' },
    });
    await roundTrip(seeder.client);
    expect(completionOfA(seeder.received.progress.at(-1)!)).toBe(2000);

    // The tab itself, back after its grace period (a laptop that slept), takes its place and its completion as
    // the server recorded it: a completion it restates earlier is not believed (the server never forgot the run).
    const back = await server.connect();
    const answer = await back
      .timeout(WAIT_MS)
      .emitWithAck('swarm:resume', resumeOf(a, { run: runAsKnown(a, 2000, [seeder, a, b], 1) }));
    expect(answer).toMatchObject({ ok: true, run: { runNumber: 1 } });
    const table = await latestProgress(seeder.received, (progress) => progress.peers.length === 3, 'a is back');
    expect(completionOfA(table)).toBe(2000);
  });
});

describe('a member back under its own id after its swarm was forgotten', () => {
  const clock: HandClock = { nowMs: 1000 };
  const start = serverPerTestOn(clock);

  it('takes its place in a swarm registered again, after the teacher started a run (a Wi-Fi outage past the grace)', async () => {
    const server = await start();
    const seeder = await seedTab(server);
    const a = await joinTab(server, seeder.swarmId);
    const b = await joinTab(server, seeder.swarmId);
    for (const tab of [seeder, a, b]) dropConnection(tab.client);
    await waitUntil(() => server.stats().swarms === 0, 'every grace over: the swarm forgotten');
    const file = await makeManifest();
    const comeBack = async (tab: Tab) => {
      const client = await server.connect();
      const resumed = await client.timeout(WAIT_MS).emitWithAck('swarm:resume', resumeOf(tab));
      const answer =
        resumed.ok || resumed.error.code !== 'swarm-not-found'
          ? resumed
          : await client.timeout(WAIT_MS).emitWithAck('swarm:restore', { ...resumeOf(tab), ...file });
      return { client, answer };
    };
    const teacher = await comeBack(seeder);
    expect(teacher.answer).toMatchObject({ ok: true, registeredAgain: true });
    expect((await comeBack(a)).answer).toMatchObject({ ok: true });
    expect(
      await teacher.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG }),
    ).toMatchObject({
      ok: true,
    });
    // A first version of the lookalike rule refused every unknown id once a run started: b was told another member
    // held its id, and the headless peer exited.
    expect((await comeBack(b)).answer).toMatchObject({ ok: true });
  });
});
