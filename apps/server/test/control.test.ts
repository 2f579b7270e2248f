import { DEFAULT_RUN_CONFIG, type RunConfig, type SignallingResult, type SwarmWatched } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  joinTab,
  latestProgress,
  record,
  roundTrip,
  seedTab,
  serverPerTest,
  waitUntil,
  WAIT_MS,
  type Tab,
  type TypedClient,
} from './harness';

const SHAPED: RunConfig = { ...DEFAULT_RUN_CONFIG, peerUploadBytesPerSec: 100_000 };
const NOT_IN_CONTROL = {
  ok: false,
  error: {
    code: 'not-in-control',
    message:
      'Only the swarm’s creator, or a screen opened from its control link, can start or stop runs and set other peers’ links.',
  },
};

/**
 * Issue #10 §3: any member, and any overview screen that had only the swarm id, could stop every run or
 * set another peer's links. Running the experiment now takes the control secret the creator got.
 */
describe('run control takes the swarm’s control secret', () => {
  const server = serverPerTest();
  const start = () => server.start({ limits: { progressBroadcastIntervalMs: 20 } });

  async function watch(swarmId: string, control?: string): Promise<{ client: TypedClient; inControl: boolean }> {
    const client = await server.harness.connect();
    const watched: SignallingResult<SwarmWatched> = await client
      .timeout(WAIT_MS)
      .emitWithAck('swarm:watch', { swarmId, ...(control && { control }) });
    if (!watched.ok) throw new Error(`watch refused: ${watched.error.message}`);
    return { client, inControl: watched.inControl };
  }

  const startRun = (client: TypedClient, config: RunConfig = SHAPED) =>
    client.timeout(WAIT_MS).emitWithAck('run:start', { config });
  const stopRun = (client: TypedClient) => client.timeout(WAIT_MS).emitWithAck('run:stop');
  const configure = (client: TypedClient, peerId: string) =>
    client.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId, override: { uploadBytesPerSec: 10_000 } });

  /** The table every screen sees, once the server has answered everything sent so far. */
  async function tableSeenBy(tab: Tab) {
    await roundTrip(tab.client);
    await new Promise((resolve) => setTimeout(resolve, 60)); // past one broadcast interval
    return tab.received.progress.at(-1);
  }

  it('refuses a member without the secret starting, stopping or configuring another peer, changing nothing', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const prankster = await joinTab(server.harness, seeder.swarmId);
    const other = await joinTab(server.harness, seeder.swarmId);
    expect(prankster.inControl).toBe(false);

    expect(await startRun(prankster.client)).toEqual(NOT_IN_CONTROL);
    expect(await configure(prankster.client, other.peerId)).toEqual(NOT_IN_CONTROL);
    expect(await configure(prankster.client, seeder.peerId)).toEqual(NOT_IN_CONTROL);
    const before = await tableSeenBy(seeder);
    expect(before).toMatchObject({ run: null, config: DEFAULT_RUN_CONFIG });
    expect(before?.peers.map((peer) => peer.override)).toEqual([{}, {}, {}]);
    expect(seeder.received.runsStarted).toEqual([]);

    // The creator runs it; the prankster cannot stop it, within 2 ms or ever.
    expect(await startRun(seeder.client)).toEqual({ ok: true, runNumber: 1 });
    expect(await stopRun(prankster.client)).toEqual(NOT_IN_CONTROL);
    expect(await startRun(prankster.client)).toEqual(NOT_IN_CONTROL);
    const running = await latestProgress(seeder.received, (p) => p.run?.phase === 'running', 'the run runs');
    expect(running.run?.runNumber).toBe(1);
    expect(other.received.runsStopped).toEqual([]);
    expect((await tableSeenBy(other))?.run?.phase).toBe('running');
  });

  it('still lets a member set its own links, and nobody else’s', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const a = await joinTab(server.harness, seeder.swarmId);
    expect(await configure(a.client, a.peerId)).toEqual({ ok: true });
    const table = await latestProgress(
      seeder.received,
      (p) => p.peers[1]?.override.uploadBytesPerSec === 10_000,
      'a set its links',
    );
    expect(table.peers[0]?.override).toEqual({});
  });

  it('lets a member’s own links tighten a run’s caps, never loosen them; the controller’s stand as given', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const own = await joinTab(server.harness, seeder.swarmId);
    const given = await joinTab(server.harness, seeder.swarmId);
    const noCap = { uploadBytesPerSec: null, downloadBytesPerSec: null };
    // Its own "no cap" (from its tab, or a link's ?up=): before, a shaped run let it claim any rate, and two
    // such tabs of one person corroborated each other's completion 200 ms into a run of 100 s.
    expect(
      await own.client.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId: own.peerId, override: noCap }),
    ).toEqual({ ok: true });
    expect(
      await seeder.client.timeout(WAIT_MS).emitWithAck('peer:configure', { peerId: given.peerId, override: noCap }),
    ).toEqual({ ok: true });
    expect(await startRun(seeder.client)).toMatchObject({ ok: true });
    await waitUntil(() => own.received.runsStarted.length > 0, 'the run to start');
    const { settings } = own.received.runsStarted[0]!;
    expect(settings[own.peerId]).toMatchObject({
      uploadBytesPerSec: SHAPED.peerUploadBytesPerSec,
      downloadBytesPerSec: SHAPED.peerDownloadBytesPerSec,
    });
    expect(settings[given.peerId]).toMatchObject(noCap);
  });

  it('refuses a watcher opened from a plain watch link, or with a wrong secret, changing nothing', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const a = await joinTab(server.harness, seeder.swarmId);
    const plain = await watch(seeder.swarmId);
    const forged = await watch(seeder.swarmId, 'A'.repeat(22));
    expect([plain.inControl, forged.inControl]).toEqual([false, false]);
    for (const { client } of [plain, forged]) {
      expect(await startRun(client)).toEqual(NOT_IN_CONTROL);
      expect(await configure(client, a.peerId)).toEqual(NOT_IN_CONTROL);
    }
    expect(await startRun(seeder.client)).toEqual({ ok: true, runNumber: 1 });
    for (const { client } of [plain, forged]) expect(await stopRun(client)).toEqual(NOT_IN_CONTROL);
    expect(a.received.runsStopped).toEqual([]);
    const table = await tableSeenBy(a);
    expect(table).toMatchObject({ run: { runNumber: 1, phase: 'running' } });
    expect(table?.peers.map((peer) => peer.override)).toEqual([{}, {}]);
  });

  it('gives control to a screen opened from the control link and to a tab that presents the secret', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const teacher = await watch(seeder.swarmId, seeder.controlSecret);
    expect(teacher.inControl).toBe(true);
    const reloaded = await joinTab(server.harness, seeder.swarmId, seeder.controlSecret);
    expect(reloaded.inControl).toBe(true);
    const leecher = await joinTab(server.harness, seeder.swarmId);
    const received = record(teacher.client);

    expect(await configure(teacher.client, leecher.peerId)).toEqual({ ok: true });
    expect(await startRun(teacher.client)).toEqual({ ok: true, runNumber: 1 });
    expect(await stopRun(reloaded.client)).toEqual({ ok: true });
    expect(await startRun(reloaded.client)).toEqual({ ok: true, runNumber: 2 });
    const table = await latestProgress(received, (p) => p.run?.runNumber === 2, 'run 2 runs');
    expect(table.peers[2]?.override).toEqual({ uploadBytesPerSec: 10_000 });
    // The secret is the creator's alone: no broadcast ever carries it.
    expect(JSON.stringify([received.progress, leecher.received])).not.toContain(seeder.controlSecret);
  });

  it('refuses a malformed secret as an invalid payload', async () => {
    await start();
    const seeder = await seedTab(server.harness);
    const client = await server.harness.connectRaw();
    for (const control of ['short', 'A'.repeat(21) + '/', 42]) {
      const result: SignallingResult = await client
        .timeout(WAIT_MS)
        .emitWithAck('swarm:watch', { swarmId: seeder.swarmId, control });
      expect(result, String(control)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
  });
});
