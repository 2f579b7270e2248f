import type { PeerId, ProgressReport, SignallingResult, SwarmCreated, SwarmProgress } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  latestProgress,
  makeManifest,
  record,
  startHarness,
  WAIT_MS,
  type Harness,
  type RawClient,
  type Received,
  type TypedClient,
} from './harness';

const SEEDING: ProgressReport = {
  role: 'seeder',
  chunksHeld: 3,
  complete: true,
  uploadedBytes: 0,
  downloadedBytes: 0,
  uploadBytesPerSec: 0,
  downloadBytesPerSec: 0,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
};
const LEECHING: ProgressReport = {
  role: 'leecher',
  chunksHeld: 1,
  complete: false,
  uploadedBytes: 1024,
  downloadedBytes: 16384,
  uploadBytesPerSec: 512,
  downloadBytesPerSec: 8192,
  peakUploadBytesPerSec: 600,
  peakDownloadBytesPerSec: 9000.5,
};
const DONE: ProgressReport = { ...LEECHING, chunksHeld: 3, complete: true, downloadedBytes: 40960 };

/** A tab in a swarm, with what it received. */
interface Tab {
  readonly client: TypedClient;
  readonly received: Received;
  readonly peerId: PeerId;
}

describe('progress reports and swarm:progress', () => {
  let harness: Harness | undefined;
  /** The server's clock (injected `nowMs`), which the tests move by hand. */
  const clock = { nowMs: 0 };
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function start(progressBroadcastIntervalMs = 20): Promise<Harness> {
    clock.nowMs = 1000;
    harness = await startHarness({ limits: { progressBroadcastIntervalMs }, nowMs: () => clock.nowMs });
    return harness;
  }

  async function seed(atMs: number): Promise<Tab & { swarmId: string }> {
    clock.nowMs = atMs;
    const client = await harness!.connect();
    const received = record(client);
    const created: SignallingResult<SwarmCreated> = await client
      .timeout(WAIT_MS)
      .emitWithAck('swarm:create', await makeManifest());
    if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
    return { client, received, peerId: created.peerId, swarmId: created.swarmId };
  }

  async function join(swarmId: string, atMs: number): Promise<Tab> {
    clock.nowMs = atMs;
    const client = await harness!.connect();
    const received = record(client);
    const joined = await client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId });
    if (!joined.ok) throw new Error(`join refused: ${joined.error.message}`);
    return { client, received, peerId: joined.peerId };
  }

  async function report(tab: Tab, atMs: number, progress: ProgressReport): Promise<void> {
    clock.nowMs = atMs;
    expect(await tab.client.timeout(WAIT_MS).emitWithAck('progress:report', progress)).toEqual({ ok: true });
  }

  const peerIds = (progress: SwarmProgress): PeerId[] => progress.peers.map((peer) => peer.peerId);
  const rowOf = (progress: SwarmProgress, peerId: PeerId) => progress.peers.find((peer) => peer.peerId === peerId);

  it('refuses a report from a tab in no swarm, and malformed or oversized reports', async () => {
    await start();
    const outsider = await harness!.connect();
    expect(await outsider.timeout(WAIT_MS).emitWithAck('progress:report', LEECHING)).toMatchObject({
      ok: false,
      error: { code: 'not-in-swarm' },
    });

    const { client } = await seed(1000);
    const raw = client as unknown as RawClient;
    const malformed: [string, ...unknown[]][] = [
      ['no payload'],
      ['not an object', 'done'],
      ['missing field', { ...LEECHING, complete: undefined }],
      ['unknown role', { ...LEECHING, role: 'lurker' }],
      ['negative bytes', { ...LEECHING, uploadedBytes: -1 }],
      ['fractional chunks', { ...LEECHING, chunksHeld: 1.5 }],
      ['not finite (null in JSON)', { ...LEECHING, downloadBytesPerSec: Number.POSITIVE_INFINITY }],
      ['extra field', { ...LEECHING, nickname: 'x' }],
      ['two payloads', LEECHING, LEECHING],
    ];
    for (const [label, ...payloads] of malformed) {
      const result: SignallingResult = await raw.timeout(WAIT_MS).emitWithAck('progress:report', ...payloads);
      expect(result, label).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    const huge = { ...LEECHING, padding: 'x'.repeat(100 * 1024) };
    expect(await raw.timeout(WAIT_MS).emitWithAck('progress:report', huge)).toMatchObject({
      ok: false,
      error: { code: 'payload-too-large' },
    });
    expect(await raw.timeout(WAIT_MS).emitWithAck('progress:report', SEEDING)).toEqual({ ok: true });
  });

  it('rate-limits reports like every other request', async () => {
    harness = await startHarness({ limits: { messageBurst: 3 }, nowMs: () => clock.nowMs });
    const { client } = await seed(1000); // the create takes one token
    const results = await Promise.all(
      [1, 2, 3].map(() => client.timeout(WAIT_MS).emitWithAck('progress:report', SEEDING)),
    );
    expect(results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual(['ok', 'ok', 'rate-limited']);
  });

  it("sends every present member the table of every member's latest report, in joining order", async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    const c = await join(a.swarmId, 1300);
    const outsider = await seed(1300);
    await report(a, 1400, SEEDING);
    await report(b, 1450, LEECHING);
    await report(c, 1500, { ...LEECHING, chunksHeld: 0 });
    await report(c, 1600, LEECHING);

    const expected: SwarmProgress = {
      swarmId: a.swarmId,
      peers: [
        { peerId: a.peerId, report: SEEDING, joinedAfterMs: 0, completedAfterMs: null, present: true },
        { peerId: b.peerId, report: LEECHING, joinedAfterMs: 100, completedAfterMs: null, present: true },
        { peerId: c.peerId, report: LEECHING, joinedAfterMs: 300, completedAfterMs: null, present: true },
      ],
      elapsedMs: 500, // now (1600) - first leecher joined (1100)
      distributionMs: null,
    };
    for (const tab of [a, b, c]) {
      expect(await latestProgress(tab.received, (p) => p.peers[2]?.report?.chunksHeld === 1, 'c reported')).toEqual(
        expected,
      );
    }
    // Another swarm's member hears only about its own swarm.
    expect(outsider.received.progress.length).toBeGreaterThan(0);
    expect(outsider.received.progress.every((p) => p.swarmId === outsider.swarmId)).toBe(true);
  });

  it('times completions from the first join, and the distribution once every leecher completed', async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    const c = await join(a.swarmId, 1300);
    await report(a, 1400, SEEDING);
    await report(b, 2000, DONE);
    await report(c, 2100, LEECHING);

    let progress = await latestProgress(
      a.received,
      (p) => rowOf(p, c.peerId)?.report?.role === 'leecher',
      'c reported',
    );
    expect(rowOf(progress, b.peerId)?.completedAfterMs).toBe(900);
    expect(rowOf(progress, c.peerId)?.completedAfterMs).toBeNull();
    expect(rowOf(progress, a.peerId)?.completedAfterMs).toBeNull(); // the seeder never "completes"
    expect(progress.distributionMs).toBeNull();

    await report(c, 2600, DONE);
    await report(b, 2700, DONE); // later complete reports change nothing
    progress = await latestProgress(a.received, (p) => p.distributionMs !== null, 'the distribution is timed');
    expect(progress.peers.map((peer) => peer.completedAfterMs)).toEqual([null, 900, 1500]);
    expect(progress.distributionMs).toBe(1500); // c, the last leecher, completed at 2600; b joined at 1100
    expect(progress.elapsedMs).toBe(1600);
  });

  it('keeps a completed leecher that leaves (not present), and forgets one that leaves incomplete', async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    const c = await join(a.swarmId, 1200);
    const d = await join(a.swarmId, 1300);
    await report(b, 1500, DONE);
    await report(c, 1600, LEECHING);
    await report(d, 1700, LEECHING);

    // b (complete) leaves; d (incomplete) disconnects.
    expect(await b.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    d.client.disconnect();
    let progress = await latestProgress(
      a.received,
      (p) => p.peers.length === 3 && rowOf(p, b.peerId)?.present === false,
      'b is not present and d is gone',
    );
    expect(peerIds(progress)).toEqual([a.peerId, b.peerId, c.peerId]);
    expect(progress.peers.map((peer) => peer.present)).toEqual([true, false, true]);
    expect(rowOf(progress, b.peerId)).toMatchObject({ report: DONE, completedAfterMs: 400 });
    expect(progress.distributionMs).toBeNull(); // c is still downloading

    await report(c, 3100, DONE);
    progress = await latestProgress(a.received, (p) => p.distributionMs !== null, 'the distribution is timed');
    expect(progress.distributionMs).toBe(2000);

    // The last leecher leaves too: the distribution time stays, and so does its row.
    clock.nowMs = 4000;
    expect(await c.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    progress = await latestProgress(a.received, (p) => rowOf(p, c.peerId)?.present === false, 'c left');
    expect(progress.peers.map((peer) => peer.present)).toEqual([true, false, false]);
    expect(progress.distributionMs).toBe(2000);
    expect(progress.elapsedMs).toBe(2900);
    // Tabs that left hear no more about the swarm.
    const heardByB = b.received.progress.length;
    await report(a, 4100, SEEDING);
    await latestProgress(a.received, (p) => p.peers[0]?.report !== null, "a's report is broadcast");
    expect(b.received.progress.length).toBe(heardByB);
  });

  it('throttles broadcasts: a burst of reports comes out as a few tables with the latest values', async () => {
    const intervalMs = 200;
    await start(intervalMs);
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    await latestProgress(a.received, (p) => p.peers.length === 2, 'the join is broadcast');
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs)); // the swarm goes quiet
    const before = a.received.progress.length;

    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        b.client.timeout(WAIT_MS).emitWithAck('progress:report', { ...LEECHING, chunksHeld: index }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    await latestProgress(a.received, (p) => p.peers[1]?.report?.chunksHeld === 29, 'the last report is broadcast');
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs)); // nothing more is on its way
    const broadcasts = a.received.progress.length - before;
    expect(broadcasts).toBeGreaterThanOrEqual(1);
    expect(broadcasts).toBeLessThanOrEqual(3);
  });
});
