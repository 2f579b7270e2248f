import { DEFAULT_RUN_CONFIG, type SignallingResult, type SwarmProgress } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { RELIABLE_EVERY } from '../src/progress-broadcaster';
import {
  complete,
  joinTab,
  latestProgress,
  leeching,
  seedTab,
  serverPerTest,
  shown,
  WAIT_MS,
  type RawClient,
  type Tab,
} from './harness';

const LEECHING = leeching(null);
const SEEDING = complete(null, 'seeder');

describe('progress reports and swarm:progress', () => {
  const server = serverPerTest();
  const { clock } = server;

  const start = (progressBroadcastIntervalMs = 20) => server.start({ limits: { progressBroadcastIntervalMs } });

  async function seed(atMs: number): Promise<Tab> {
    clock.nowMs = atMs;
    return seedTab(server.harness);
  }

  async function join(swarmId: string, atMs: number): Promise<Tab> {
    clock.nowMs = atMs;
    return joinTab(server.harness, swarmId);
  }

  async function report(tab: Tab, atMs: number, progress = LEECHING): Promise<void> {
    clock.nowMs = atMs;
    expect(await tab.client.timeout(WAIT_MS).emitWithAck('progress:report', progress)).toEqual({ ok: true });
  }

  it('refuses a report from a tab in no swarm, and malformed or oversized reports', async () => {
    await start();
    const outsider = await server.harness.connect();
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
      ['missing run number', { ...LEECHING, runNumber: undefined }],
      ['run number 0', { ...LEECHING, runNumber: 0 }],
      ['unknown role', { ...LEECHING, role: 'lurker' }],
      ['negative bytes', { ...LEECHING, uploadedBytes: -1 }],
      ['fractional chunks', { ...LEECHING, chunksHeld: 1.5 }],
      ['not finite (null in JSON)', { ...LEECHING, downloadBytesPerSec: Number.POSITIVE_INFINITY }],
      ['bitmap not base64', { ...LEECHING, bitsBase64: 'gA==!' }],
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

  it("refuses a bitmap that does not fit the swarm's file, with a clear message, keeping the last report", async () => {
    await start();
    const a = await seed(1000);
    await report(a, 1000, SEEDING);
    const misfits: [string, string][] = [
      ['AAAA', 'bitsBase64: the chunk bitmap of this 3-chunk file is 1 bytes, not 3'],
      ['', 'bitsBase64: the chunk bitmap of this 3-chunk file is 1 bytes, not 0'],
      ['gA', 'bitsBase64: not padded base64'],
    ];
    for (const [bitsBase64, message] of misfits) {
      const result = await a.client.timeout(WAIT_MS).emitWithAck('progress:report', { ...SEEDING, bitsBase64 });
      expect(result, bitsBase64).toEqual({ ok: false, error: { code: 'invalid-payload', message } });
    }
    const progress = await latestProgress(a.received, (p) => p.peers[0]?.report !== null, 'the report is broadcast');
    expect(progress.peers[0]?.report).toEqual(shown(SEEDING));
  });

  it('rate-limits reports like every other request', async () => {
    await server.start({ limits: { messageBurst: 3 } });
    const { client } = await seed(1000); // the create takes one token
    const results = await Promise.all(
      [1, 2, 3].map(() => client.timeout(WAIT_MS).emitWithAck('progress:report', SEEDING)),
    );
    expect(results.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual(['ok', 'ok', 'rate-limited']);
  });

  it("sends every member the table of every member's latest report, in joining order", async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    const c = await join(a.swarmId, 1300);
    const outsider = await seed(1300);
    await report(a, 1400, SEEDING);
    await report(b, 1450);
    await report(c, 1500, { ...LEECHING, chunksHeld: 0, bitsBase64: 'AA==' });
    await report(c, 1600);

    const expected: SwarmProgress = {
      swarmId: a.swarmId,
      peers: [
        {
          peerId: a.peerId,
          role: 'seeder',
          report: shown(SEEDING),
          joinedAfterMs: 0,
          override: {},
          overrideByControl: false,
          flagged: null,
          away: false,
        },
        {
          peerId: b.peerId,
          role: 'leecher',
          report: shown(LEECHING),
          joinedAfterMs: 100,
          override: {},
          overrideByControl: false,
          flagged: null,
          away: false,
        },
        {
          peerId: c.peerId,
          role: 'leecher',
          report: shown(LEECHING),
          joinedAfterMs: 300,
          override: {},
          overrideByControl: false,
          flagged: null,
          away: false,
        },
      ],
      config: DEFAULT_RUN_CONFIG,
      run: null,
      flows: [],
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

  it('broadcasts who sends to whom as flows, on the server’s clock, and never the sentTo totals themselves', async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    clock.nowMs = 2000;
    expect(await a.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG })).toMatchObject({
      ok: true,
    });
    const sending = (bytes: number) => ({
      ...complete(1, 'seeder'),
      uploadedBytes: bytes,
      sentTo: [{ peerId: b.peerId, bytes }],
    });
    await report(a, 2000, sending(0));
    await report(a, 2300, sending(9000)); // 9,000 bytes in 300 ms
    const progress = await latestProgress(a.received, (p) => p.flows.length > 0, 'a flow is broadcast');
    expect(progress.flows).toEqual([{ from: a.peerId, to: b.peerId, bytesPerSec: 30_000 }]);
    for (const received of [a.received, b.received]) expect(JSON.stringify(received.progress)).not.toContain('sentTo');
  });

  it('drops the row of a member that leaves, and tells it no more', async () => {
    await start();
    const a = await seed(1000);
    const b = await join(a.swarmId, 1100);
    await report(b, 1200);
    // Every table sent before the leave has reached b (a CI flake: with Redis, one sent before came after a's newer one).
    await latestProgress(
      b.received,
      (p) => p.peers.find((peer) => peer.peerId === b.peerId)?.report != null,
      'b heard',
    );
    expect(await b.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    await latestProgress(a.received, (p) => p.peers.length === 1, 'b is gone');
    const heardByB = b.received.progress.length;
    await report(a, 1300, SEEDING);
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
        b.client.timeout(WAIT_MS).emitWithAck('progress:report', { ...LEECHING, uploadedBytes: index }),
      ),
    );
    expect(acks.every((ack) => ack.ok)).toBe(true);
    await latestProgress(a.received, (p) => p.peers[1]?.report?.uploadedBytes === 29, 'the last report is broadcast');
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs)); // nothing more is on its way
    const broadcasts = a.received.progress.length - before;
    expect(broadcasts).toBeGreaterThanOrEqual(1);
    expect(broadcasts).toBeLessThanOrEqual(3);
  });

  it('gives a screen that reads slowly the latest table, not every table it could not take meanwhile', async () => {
    await start(50);
    const seeder = await seed(1000);
    const slow = await server.harness.connect();
    const tables: SwarmProgress[] = [];
    slow.on('swarm:progress', (table) => void tables.push(table));
    expect(await slow.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId })).toMatchObject({
      ok: true,
    });
    // The screen's link is slow (a laptop on a Wi-Fi the run saturates): what the server writes to it goes out only
    // when the test lets it, as a congested connection's writes complete late.
    // (Broadcasts go out as frames encoded once for every socket, past `send`.)
    const websocket = server.harness.io.sockets.sockets.get(slow.id!)?.conn.transport as unknown as {
      socket: {
        send(data: unknown, options: unknown, sent?: (error?: Error) => void): void;
        _sender: { sendFrame(frame: unknown, sent?: (error?: Error) => void): void };
      };
    };
    const { socket } = websocket;
    const [send, sendFrame] = [socket.send.bind(socket), socket._sender.sendFrame.bind(socket._sender)];
    const held: (() => void)[] = [];
    let congested = true;
    const slowSinceMs = Date.now();
    socket.send = (data, options, sent) => {
      if (congested) held.push(() => send(data, options, sent));
      else send(data, options, sent);
    };
    socket._sender.sendFrame = (frame, sent) => {
      if (congested) held.push(() => sendFrame(frame, sent));
      else sendFrame(frame, sent);
    };
    // Meanwhile the table changes several times in each broadcast interval, as in a run, for 10 intervals.
    for (let index = 1; index <= 50; index++) {
      await report(seeder, 1100 + index, { ...SEEDING, uploadedBytes: index });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    congested = false;
    const slowForMs = Date.now() - slowSinceMs;
    for (const write of held.splice(0)) write();
    const latest = (): number | undefined => tables.at(-1)?.peers[0]?.report?.uploadedBytes;
    const deadline = Date.now() + WAIT_MS;
    while (latest() !== 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(latest()).toBe(50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Before, every table broadcast meanwhile queued for it, each older than the next: its screen lagged by all of
    // them (11 tables here).
    // Past the first: the latest, and each table sent for sure (one broadcast in RELIABLE_EVERY) while its link was
    // slow, which a loaded machine makes longer (4 tables in CI, where 3 were allowed).
    const broadcastsWhileSlow = Math.ceil(slowForMs / 50);
    expect(tables.length).toBeLessThanOrEqual(2 + Math.ceil(broadcastsWhileSlow / RELIABLE_EVERY));
  });
});
