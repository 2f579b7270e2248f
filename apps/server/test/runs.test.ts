import {
  DEFAULT_RUN_CONFIG,
  type RunConfig,
  type SignallingResult,
  type SwarmProgress,
  type SwarmWatched,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  complete,
  joinTab,
  latestProgress,
  leeching,
  makeManifest,
  record,
  roundTrip,
  seedTab,
  serverPerTest,
  vouching,
  waitUntil,
  WAIT_MS,
  type RawClient,
  type Tab,
  type TypedClient,
} from './harness';

const SHAPED: RunConfig = {
  mode: 'client-server',
  seederUploadBytesPerSec: 1_000_000,
  peerUploadBytesPerSec: 100_000,
  peerDownloadBytesPerSec: 400_000,
  leaveOnComplete: false,
};
const EPOCH_MS = 1_700_000_000_000;

describe('runs over socket.io', () => {
  const server = serverPerTest();
  /** The server's monotonic clock (`nowMs`); its wall clock is `EPOCH_MS` later. */
  const { clock } = server;

  const start = (limits: { maxWatchersPerSwarm?: number } = {}) =>
    server.start({
      limits: { progressBroadcastIntervalMs: 20, ...limits },
      epochNowMs: () => EPOCH_MS + clock.nowMs,
    });

  /**
   * A seeder and `leechers` joined leechers; with `inControl`, the leechers present the swarm's control
   * secret (as the creator's tab does after a reload), so they may run the experiment too.
   */
  function swarmOf(leechers: 0): Promise<[Tab]>;
  function swarmOf(leechers: 1, inControl?: boolean): Promise<[Tab, Tab]>;
  function swarmOf(leechers: 2, inControl?: boolean): Promise<[Tab, Tab, Tab]>;
  async function swarmOf(leechers: number, inControl = false): Promise<Tab[]> {
    const seeder = await seedTab(server.harness);
    const control = inControl ? seeder.controlSecret : undefined;
    const tabs = [seeder];
    for (let i = 0; i < leechers; i++) tabs.push(await joinTab(server.harness, seeder.swarmId, control));
    return tabs;
  }

  const startRun = (client: TypedClient, config: RunConfig, atMs = clock.nowMs) => {
    clock.nowMs = atMs;
    return client.timeout(WAIT_MS).emitWithAck('run:start', { config });
  };

  async function report(tab: Tab, atMs: number, progress = leeching(1)): Promise<void> {
    clock.nowMs = atMs;
    expect(await tab.client.timeout(WAIT_MS).emitWithAck('progress:report', progress)).toEqual({ ok: true });
  }

  const runOf = (received: Tab['received'], phase: string, what = `the run is ${phase}`) =>
    latestProgress(received, (p) => p.run?.phase === phase, what);

  /** An overview screen of `swarmId`, opened from the control link when `control` is given. */
  async function watch(swarmId: string, control?: string) {
    const client = await server.harness.connect();
    const received = record(client);
    const watched: SignallingResult<SwarmWatched> = await client
      .timeout(WAIT_MS)
      .emitWithAck('swarm:watch', { swarmId, ...(control && { control }) });
    return { client, received, watched };
  }

  it('starts a run: every member is told its settings and everyone else’s, overrides included', async () => {
    await start();
    const [seeder, a, b] = await swarmOf(2);
    expect(
      await seeder.client.timeout(WAIT_MS).emitWithAck('peer:configure', {
        peerId: b.peerId,
        override: { downloadBytesPerSec: null, leaveOnComplete: true },
      }),
    ).toEqual({ ok: true });
    expect(await startRun(seeder.client, SHAPED, 2000)).toEqual({ ok: true, runNumber: 1 });

    const expected = {
      runNumber: 1,
      config: SHAPED,
      settings: {
        [seeder.peerId]: { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
        [a.peerId]: { uploadBytesPerSec: 100_000, downloadBytesPerSec: 400_000, leaveOnComplete: false },
        [b.peerId]: { uploadBytesPerSec: 100_000, downloadBytesPerSec: null, leaveOnComplete: true },
      },
      elapsedMs: 0,
      swarmId: seeder.swarmId,
    };
    for (const tab of [seeder, a, b]) {
      await waitUntil(() => tab.received.runsStarted.length === 1, 'run:started arrives');
      expect(tab.received.runsStarted).toEqual([expected]);
    }
    clock.nowMs = 2300;
    const progress = await runOf(seeder.received, 'running');
    expect(progress).toMatchObject({
      config: SHAPED,
      run: {
        runNumber: 1,
        config: SHAPED,
        startedAtEpochMs: EPOCH_MS + 2000,
        distributionMs: null,
        abandonedLeechers: 0,
        participants: [
          { peerId: seeder.peerId, role: 'seeder', completedAfterMs: null, present: true, leftRun: false },
          { peerId: a.peerId, role: 'leecher' },
          { peerId: b.peerId, role: 'leecher', settings: expected.settings[b.peerId] },
        ],
      },
    });
    expect(progress.peers[2]?.override).toEqual({ downloadBytesPerSec: null, leaveOnComplete: true });
  });

  it('finishes when the last leecher completes, timing the distribution on the server clock', async () => {
    await start();
    const [seeder, a, b] = await swarmOf(2);
    await startRun(seeder.client, DEFAULT_RUN_CONFIG, 2000);
    // The seeder says it sent each leecher the file: it vouches for their completions.
    await report(seeder, 2100, vouching(1, [a, b]));
    await report(a, 2500, complete(1));
    await report(b, 2600, leeching(1));
    await report(b, 2750, leeching(null)); // a leftover from before the run counts for nothing
    const leftover = await latestProgress(a.received, (p) => p.peers[2]?.report?.runNumber === null, 'b reported');
    expect(leftover.run?.participants[2]?.downloadedBytes).toBe(16384);
    await report(b, 3200, complete(1));

    clock.nowMs = 9000;
    const { run } = await runOf(seeder.received, 'finished');
    expect(run).toMatchObject({
      phase: 'finished',
      elapsedMs: 1200,
      distributionMs: 1200,
      participants: [
        { peerId: seeder.peerId, uploadedBytes: 81_920, completedAfterMs: null, witnessedBytes: 0 },
        { peerId: a.peerId, completedAfterMs: 500, downloadedBytes: 40960, witnessedBytes: 40960, corroborated: true },
        { peerId: b.peerId, completedAfterMs: 1200, corroborated: true },
      ],
    });
    expect(await startRun(seeder.client, DEFAULT_RUN_CONFIG)).toEqual({ ok: true, runNumber: 2 });
  });

  it('lets a tab that joins during a run take part at once', async () => {
    await start();
    const [seeder, a] = await swarmOf(1);
    await startRun(seeder.client, SHAPED, 2000);
    clock.nowMs = 2400;
    const late = await joinTab(server.harness, seeder.swarmId);
    expect(late.run).toEqual({
      runNumber: 1,
      config: SHAPED,
      settings: {
        [seeder.peerId]: { uploadBytesPerSec: 1_000_000, downloadBytesPerSec: null, leaveOnComplete: false },
        [a.peerId]: { uploadBytesPerSec: 100_000, downloadBytesPerSec: 400_000, leaveOnComplete: false },
        [late.peerId]: { uploadBytesPerSec: 100_000, downloadBytesPerSec: 400_000, leaveOnComplete: false },
      },
      // Joining 400 ms into the run: its tab dates the run from its start, not from its own join.
      elapsedMs: 400,
    });
    await report(seeder, 2450, vouching(1, [a, late]));
    await report(a, 2500, complete(1));
    const running = await latestProgress(
      seeder.received,
      (p) => p.run?.participants[1]?.completedAfterMs === 500,
      'a completed',
    );
    expect(running.run?.participants.map((participant) => participant.peerId)).toEqual([
      seeder.peerId,
      a.peerId,
      late.peerId,
    ]);
    expect(running.run?.phase).toBe('running');
    await report(late, 3000, complete(1));
    expect((await runOf(seeder.received, 'finished')).run?.distributionMs).toBe(1000);
    // Nobody was told of the run twice, and a tab joining now takes part in none.
    expect([seeder, a].map((tab) => tab.received.runsStarted.length)).toEqual([1, 1]);
    expect(late.received.runsStarted).toEqual([]);
    expect((await joinTab(server.harness, seeder.swarmId)).run).toBeNull();
  });

  it('finishes a run when its last incomplete leecher leaves the swarm', async () => {
    await start();
    const [seeder, a, b] = await swarmOf(2);
    await startRun(seeder.client, DEFAULT_RUN_CONFIG, 2000);
    await report(seeder, 2300, vouching(1, [a]));
    await report(a, 2400, complete(1));
    clock.nowMs = 2700;
    b.client.disconnect();
    const { run } = await runOf(seeder.received, 'finished');
    expect(run).toMatchObject({ distributionMs: 400, elapsedMs: 700, abandonedLeechers: 1 });
    expect(run?.participants.map((participant) => participant.peerId)).toEqual([seeder.peerId, a.peerId]);
  });

  it('stops a run: every member is told, it is not a finished run, and the next one follows it', async () => {
    await start();
    const [seeder, a] = await swarmOf(1, true);
    expect(await a.client.timeout(WAIT_MS).emitWithAck('run:stop')).toMatchObject({
      ok: false,
      error: { code: 'no-run', message: 'There is no run going on to stop.' },
    });
    await startRun(seeder.client, DEFAULT_RUN_CONFIG, 2000);
    clock.nowMs = 2500;
    expect(await a.client.timeout(WAIT_MS).emitWithAck('run:stop')).toEqual({ ok: true });
    for (const tab of [seeder, a]) {
      await waitUntil(() => tab.received.runsStopped.length === 1, 'run:stopped arrives');
      expect(tab.received.runsStopped).toEqual([1]);
      // Named: a client drops news of another swarm than its own.
      expect(tab.received.runsStoppedIn).toEqual([seeder.swarmId]);
    }
    clock.nowMs = 5000;
    expect(await runOf(a.received, 'stopped')).toMatchObject({
      run: { runNumber: 1, elapsedMs: 500, distributionMs: null },
    });
    expect(await a.client.timeout(WAIT_MS).emitWithAck('run:stop')).toMatchObject({ error: { code: 'no-run' } });
    expect(await startRun(a.client, DEFAULT_RUN_CONFIG)).toEqual({ ok: true, runNumber: 2 });
  });

  it('refuses a second start, a start without the seeder, and configuring a peer outside the swarm', async () => {
    await start();
    const [seeder, a, b] = await swarmOf(2, true);
    const [other] = await swarmOf(0);
    const outsider = await server.harness.connect();
    expect(await startRun(outsider, DEFAULT_RUN_CONFIG)).toMatchObject({ error: { code: 'not-in-swarm' } });
    expect(await outsider.timeout(WAIT_MS).emitWithAck('run:stop')).toMatchObject({ error: { code: 'not-in-swarm' } });

    for (const peerId of ['nobody', other.peerId]) {
      expect(await a.client.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId, override: {} })).toEqual({
        ok: false,
        error: { code: 'peer-not-found', message: 'That peer is not in your swarm (it may have left).' },
      });
    }

    expect(await startRun(a.client, DEFAULT_RUN_CONFIG)).toEqual({ ok: true, runNumber: 1 });
    expect(await startRun(b.client, SHAPED)).toMatchObject({ ok: false, error: { code: 'run-in-progress' } });
    expect(await a.client.timeout(WAIT_MS).emitWithAck('run:stop')).toEqual({ ok: true });

    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    expect(await startRun(a.client, SHAPED)).toEqual({
      ok: false,
      error: {
        code: 'no-seeder',
        message: 'The tab that shared the file has left, so nobody has the whole file: no run can start.',
      },
    });
    const progress = await latestProgress(a.received, (p) => p.peers.length === 2, 'the seeder left');
    expect(progress).toMatchObject({ config: DEFAULT_RUN_CONFIG, run: { runNumber: 1, phase: 'stopped' } });
  });

  it('refuses a start with nobody to download the file, until a leecher joins', async () => {
    await start();
    const [seeder] = await swarmOf(0);
    expect(await startRun(seeder!.client, DEFAULT_RUN_CONFIG)).toEqual({
      ok: false,
      error: {
        code: 'no-leecher',
        message:
          'Nobody is here to download the file yet: open the share link in another tab or on another laptop first.',
      },
    });
    await joinTab(server.harness, seeder!.swarmId);
    expect(await startRun(seeder!.client, DEFAULT_RUN_CONFIG)).toEqual({ ok: true, runNumber: 1 });
  });

  it('refuses impossible caps with the schema’s message, changing nothing', async () => {
    await start();
    const [seeder, a] = await swarmOf(1, true);
    const raw = a.client as unknown as RawClient;
    const invalid: [unknown, RegExp][] = [
      [-1, /config\.peerUploadBytesPerSec: a cap must be at least 10000 B\/s/],
      [0, /at least 10000 B\/s \(10 kB\/s\); leave it empty for no cap/],
      [1e12, /config\.peerUploadBytesPerSec: a cap must be at most 10000000000 B\/s \(10 GB\/s\)/],
      ['NaN', /config\.peerUploadBytesPerSec: a cap is a number of bytes per second/],
    ];
    for (const [cap, message] of invalid) {
      const result: SignallingResult = await raw
        .timeout(WAIT_MS)
        .emitWithAck('run:start', { config: { ...SHAPED, peerUploadBytesPerSec: cap } });
      expect(result, String(cap)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
      if (!result.ok) expect(result.error.message, String(cap)).toMatch(message);
      const configured: SignallingResult = await raw
        .timeout(WAIT_MS)
        .emitWithAck('peer:configure', { peerId: a.peerId, override: { downloadBytesPerSec: cap } });
      expect(configured, String(cap)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    const others: [string, unknown][] = [
      ['unknown mode', { ...SHAPED, mode: 'multicast' }],
      ['missing field', { ...SHAPED, leaveOnComplete: undefined }],
      ['extra field', { ...SHAPED, turbo: true }],
    ];
    for (const [label, config] of others) {
      const result: SignallingResult = await raw.timeout(WAIT_MS).emitWithAck('run:start', { config });
      expect(result, label).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(await raw.timeout(WAIT_MS).emitWithAck('run:stop', {})).toMatchObject({
      error: { code: 'invalid-payload' },
    });

    // Nothing changed: no run, the default config, no override, and a valid start still works.
    await report(seeder, 1500, complete(null, 'seeder'));
    const progress = await latestProgress(seeder.received, (p) => p.peers[0]?.report !== null, 'a report');
    expect(progress).toMatchObject({ config: DEFAULT_RUN_CONFIG, run: null, peers: [{}, { override: {} }] });
    expect(seeder.received.runsStarted).toEqual([]);
    expect(await startRun(a.client, SHAPED)).toEqual({ ok: true, runNumber: 1 });
  });

  it('starts a swarm with the config given at creation', async () => {
    await start();
    const seeder = await seedTab(server.harness, SHAPED);
    expect((await latestProgress(seeder.received, () => true, 'a table')).config).toEqual(SHAPED);
  });

  it('lets a watcher follow the swarm, start a run and configure a peer, without being a peer', async () => {
    await start();
    const [seeder, a] = await swarmOf(1);
    const { client: watcher, received, watched } = await watch(seeder.swarmId, seeder.controlSecret);
    const { manifest, contentId } = await makeManifest();
    expect(watched).toMatchObject({ ok: true, swarmId: seeder.swarmId, manifest, contentId, inControl: true });
    if (!watched.ok) return;
    expect(watched.progress.peers.map((peer) => peer.peerId)).toEqual([seeder.peerId, a.peerId]);

    expect(
      await watcher.timeout(WAIT_MS).emitWithAck('peer:configure', {
        peerId: a.peerId,
        override: { uploadBytesPerSec: 20_000 },
      }),
    ).toEqual({ ok: true });
    expect(await startRun(watcher, SHAPED, 2000)).toEqual({ ok: true, runNumber: 1 });
    await waitUntil(() => a.received.runsStarted.length === 1, 'the members are told');
    expect(a.received.runsStarted[0]?.settings[a.peerId]?.uploadBytesPerSec).toBe(20_000);
    expect(Object.keys(a.received.runsStarted[0]?.settings ?? {})).toEqual([seeder.peerId, a.peerId]);

    await report(seeder, 2200, vouching(1, [a]));
    await report(a, 2300, complete(1));
    const finished: SwarmProgress = await runOf(received, 'finished', 'the watcher sees the run finish');
    expect(finished.run?.distributionMs).toBe(300);
    expect(finished.peers).toHaveLength(2);
    await roundTrip(watcher);
    expect(received.runsStarted).toEqual([]); // run:started is for the tabs that transfer

    // A watcher is no peer: it reports nothing and signals no one.
    expect(await watcher.timeout(WAIT_MS).emitWithAck('progress:report', leeching(null))).toMatchObject({
      error: { code: 'not-in-swarm' },
    });
    expect(await watcher.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId })).toMatchObject({
      error: { code: 'already-in-swarm' },
    });
    expect(await a.client.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      error: { code: 'already-in-swarm' },
    });
  });

  it('caps watchers per swarm, frees a slot on leave, and tells watchers when the swarm ends', async () => {
    await start({ maxWatchersPerSwarm: 2 });
    const [seeder, a] = await swarmOf(1);
    const first = await watch(seeder.swarmId);
    const second = await watch(seeder.swarmId);
    const third = await watch(seeder.swarmId);
    expect([first, second].map(({ watched }) => watched.ok)).toEqual([true, true]);
    expect(third.watched).toEqual({
      ok: false,
      error: {
        code: 'too-many-watchers',
        message: 'This swarm has as many overview screens as this server allows: close one first.',
      },
    });
    expect(await first.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    expect(await third.client.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });

    // Watchers do not keep a swarm alive.
    seeder.client.disconnect();
    a.client.disconnect();
    for (const { received } of [second, third]) {
      await waitUntil(() => received.swarmsEnded.length === 1, 'swarm:ended arrives');
      expect(received.swarmsEnded).toEqual([seeder.swarmId]);
    }
    expect(first.received.swarmsEnded).toEqual([]);
    // It ended in this server's life: a watch of it is told so at once, however young the server.
    expect(await first.client.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      error: { code: 'swarm-not-found' },
    });
    expect(await second.client.timeout(WAIT_MS).emitWithAck('run:stop')).toMatchObject({
      error: { code: 'not-in-swarm' },
    });
    expect(await second.client.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest())).toMatchObject({
      ok: true,
    });
  });
});
