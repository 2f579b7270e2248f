import {
  DEFAULT_RUN_CONFIG,
  type ProgressReport,
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
  serverPerTest,
  shown,
  vouching,
  WAIT_MS,
  type Harness,
  type Tab,
} from './harness';

const MIB = 1024 * 1024;
/** 4 MiB in 16 KiB chunks: 256 chunks, a 32-byte bitmap. */
const FILE_BYTES = 4 * MIB;
const CHUNKS = 256;
/** d_i = 100 kB/s: a leecher needs about 42 s for the file, whatever its senders. */
const SHAPED: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  seederUploadBytesPerSec: 1_000_000,
  peerUploadBytesPerSec: 100_000,
  peerDownloadBytesPerSec: 100_000,
};

const fullBitmap = Buffer.alloc(CHUNKS / 8, 0xff).toString('base64');
/** What a tab holding the whole 4 MiB file says of run `runNumber`. */
const done = (runNumber: number, role: ProgressReport['role'] = 'leecher'): ProgressReport => ({
  role,
  runNumber,
  bitsBase64: fullBitmap,
  chunksHeld: CHUNKS,
  complete: true,
  uploadedBytes: 0,
  downloadedBytes: role === 'seeder' ? 0 : FILE_BYTES,
  uploadBytesPerSec: 0,
  downloadBytesPerSec: 90_000,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: role === 'seeder' ? 0 : 99_000,
  sentTo: [],
});

/**
 * Issue #10 §3, "Measurements nobody can falsify": each report the issue measured being believed is
 * refused, its sender flagged on every screen, and nothing else changes.
 */
describe('progress reports bounded by what is physically possible', () => {
  const server = serverPerTest();
  const { clock } = server;
  const start = () => server.start({ limits: { progressBroadcastIntervalMs: 20, maxPeersPerSwarm: 16 } });

  async function seed(harness: Harness, sizeBytes?: number): Promise<Tab> {
    const client = await harness.connect();
    const received = record(client);
    const created = await client
      .timeout(WAIT_MS)
      .emitWithAck('swarm:create', { ...(await makeManifest(sizeBytes)), config: SHAPED });
    if (!created.ok) throw new Error(created.error.message);
    const { peerId, swarmId, memberKey, seal } = created;
    return { client, received, peerId, swarmId, memberKey, seal };
  }

  async function watcher(swarmId: string) {
    const client = await server.harness.connect();
    const received = record(client);
    const watched: SignallingResult<SwarmWatched> = await client
      .timeout(WAIT_MS)
      .emitWithAck('swarm:watch', { swarmId });
    expect(watched.ok).toBe(true);
    return received;
  }

  const send = (tab: Tab, report: ProgressReport, atMs = clock.nowMs) => {
    clock.nowMs = atMs;
    return tab.client.timeout(WAIT_MS).emitWithAck('progress:report', report);
  };

  /** The latest table `tab` saw once every change so far has been broadcast. */
  async function settled(tab: Tab): Promise<SwarmProgress> {
    await roundTrip(tab.client);
    await new Promise((resolve) => setTimeout(resolve, 60));
    return tab.received.progress.at(-1)!;
  }

  it('refuses the 0-chunk completion of the only leecher: the run goes on, the leecher is flagged everywhere', async () => {
    await start();
    const seeder = await seed(server.harness);
    const leecher = await joinTab(server.harness, seeder.swarmId);
    const screen = await watcher(seeder.swarmId);
    clock.nowMs = 2000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: SHAPED })).toMatchObject({
      ok: true,
    });
    expect(await send(leecher, leeching(1), 2001)).toEqual({ ok: true });

    const zero = { ...leeching(1), bitsBase64: 'AA==', chunksHeld: 0, complete: true };
    expect(await send(leecher, zero, 2002)).toEqual({
      ok: false,
      error: { code: 'invalid-payload', message: 'complete: the bitmap holds 0 of the 3 chunks' },
    });
    const flagged = { reason: 'complete: the bitmap holds 0 of the 3 chunks', refusedReports: 1 };
    for (const received of [seeder.received, leecher.received, screen]) {
      const table = await latestProgress(
        received,
        (p) => (p.peers[1]?.flagged ?? null) !== null,
        'the leecher is flagged',
      );
      expect(table.peers[1]).toMatchObject({ report: shown(leeching(1)), flagged });
      expect(table.run).toMatchObject({ phase: 'running', distributionMs: null });
      expect(table.run?.participants[1]).toMatchObject({ completedAfterMs: null, flagged });
    }
    // No 0.00 s run to keep in anyone's history, however long we wait.
    clock.nowMs = 200_000;
    expect((await settled(seeder)).run).toMatchObject({ phase: 'running', distributionMs: null });
  });

  it('does not let ten extra sockets claiming completion change N or the run’s time', async () => {
    await start();
    const seeder = await seed(server.harness, FILE_BYTES);
    const honest = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 10_000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: SHAPED })).toMatchObject({
      ok: true,
    });
    const pranksters: Tab[] = [];
    for (let i = 0; i < 10; i++) {
      clock.nowMs = 10_100 + i;
      pranksters.push(await joinTab(server.harness, seeder.swarmId));
    }
    for (const [i, prankster] of pranksters.entries()) {
      const refused = await send(prankster, done(1), 10_102 + i);
      expect(refused).toMatchObject({ ok: false, error: { code: 'implausible-report' } });
      if (!refused.ok)
        expect(refused.error.message).toMatch(/^a completion after 0\.00\d s is faster than its download cap/);
    }
    // The honest leecher takes what its 100 kB/s allows: 4 MiB in 45 s is possible, and counts once the
    // seeder says it sent it the file.
    const witness = {
      ...done(1, 'seeder'),
      uploadedBytes: FILE_BYTES,
      sentTo: [{ peerId: honest.peerId, bytes: FILE_BYTES }],
    };
    expect(await send(seeder, witness, 54_000)).toEqual({ ok: true });
    expect(await send(honest, done(1), 55_000)).toEqual({ ok: true });
    const table = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(table.run?.distributionMs).toBe(45_000);
    const leechers = table.run?.participants.filter((p) => p.role === 'leecher') ?? [];
    expect(leechers).toHaveLength(11);
    expect(leechers.filter((p) => p.flagged === null).map((p) => p.peerId)).toEqual([honest.peerId]);
    expect(table.peers.filter((p) => p.flagged !== null)).toHaveLength(10);
  });

  it('refuses Number.MAX_VALUE byte counts and rates, keeping the row’s last believable report', async () => {
    await start();
    const seeder = await seed(server.harness);
    const leecher = await joinTab(server.harness, seeder.swarmId);
    expect(await send(leecher, leeching(null))).toEqual({ ok: true });
    const fields = [
      'uploadedBytes',
      'downloadedBytes',
      'uploadBytesPerSec',
      'downloadBytesPerSec',
      'peakUploadBytesPerSec',
      'peakDownloadBytesPerSec',
    ] as const;
    for (const field of fields) {
      const refused = await send(leecher, { ...leeching(null), [field]: Number.MAX_VALUE });
      expect(refused, field).toMatchObject({ ok: false, error: { code: 'implausible-report' } });
      if (!refused.ok) expect(refused.error.message, field).toMatch(new RegExp(`^${field}: `));
    }
    // The seeder's screen shows the last believable report, and says the others were refused.
    const table = await latestProgress(
      seeder.received,
      (p) => p.peers[1]?.flagged?.refusedReports === fields.length,
      'every refusal counted',
    );
    expect(table.peers[1]?.report).toEqual(shown(leeching(null)));
    expect(table.peers[1]?.flagged?.reason).toMatch(/^peakDownloadBytesPerSec: .* is beyond any link$/);
    expect(table.peers[0]?.flagged).toBeNull();
  });

  it('does not count a completion nobody says they sent the file to, even where no cap bounds it', async () => {
    await start();
    const seeder = await seed(server.harness);
    const liar = await joinTab(server.harness, seeder.swarmId);
    const honest = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    // Unshaped: 40 KiB in 2 ms is possible at 10 GB/s, so the claim itself is believed...
    expect(await send(liar, complete(1), 1002)).toEqual({ ok: true });
    // ...but the seeder, the only one who could have sent it anything, sent it nothing.
    expect(await send(seeder, vouching(1, [honest]), 1100)).toEqual({ ok: true });
    expect(await send(honest, complete(1), 1200)).toEqual({ ok: true });
    // Both go on reporting every second, as tabs do: neither is a silent witness the claim could wait for.
    const keepReporting = async (fromMs: number, toMs: number): Promise<void> => {
      for (let ms = fromMs; ms <= toMs; ms += 1000) {
        expect(await send(seeder, vouching(1, [honest]), ms)).toEqual({ ok: true });
        expect(await send(honest, complete(1), ms)).toEqual({ ok: true });
      }
    };
    await keepReporting(2000, 9000);
    const table = await settled(seeder);
    expect(table.run).toMatchObject({ phase: 'running', distributionMs: null });
    expect(table.run?.participants.slice(1)).toMatchObject([
      { peerId: liar.peerId, completedAfterMs: 2, witnessedBytes: 0, corroborated: false, flagged: null },
      { peerId: honest.peerId, completedAfterMs: 200, witnessedBytes: 40960, corroborated: true },
    ]);
    // Ten seconds on, nobody has confirmed it: the liar is flagged, and the run ends with the honest time.
    await keepReporting(10_000, 11_000);
    expect(await send(seeder, vouching(1, [honest]), 11_003)).toEqual({ ok: true });
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(finished.run?.distributionMs).toBe(200);
    expect(finished.run?.participants[1]?.flagged?.reason).toBe(
      'complete: not confirmed within 10 s by the peers that could have sent it the file',
    );
    // A verdict on this run, resting on what others say they sent: the membership is not flagged, and the next
    // run counts it (and its accounts as a witness) again. Before, the flag stayed, and spread, run after run,
    // to the leechers an honest tab unconfirmed by a member's under-reporting had served.
    expect(finished.peers[1]?.flagged).toBeNull();
    clock.nowMs = 20_000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    const next = await latestProgress(seeder.received, (p) => p.run?.runNumber === 2, 'run 2 started');
    expect(next.run?.participants.find((p) => p.peerId === liar.peerId)?.flagged).toBeNull();
  });

  it('flags a leecher that withholds its completion, and ends the run with the honest time', async () => {
    await start();
    const seeder = await seed(server.harness);
    const withholder = await joinTab(server.harness, seeder.swarmId);
    const honest = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    expect(await send(seeder, vouching(1, [withholder, honest]), 1100)).toEqual({ ok: true });
    expect(await send(honest, complete(1), 1200)).toEqual({ ok: true });
    // The withholder got the whole file, and keeps saying it has not.
    expect(await send(withholder, leeching(1), 1300)).toEqual({ ok: true });
    expect((await settled(seeder)).run).toMatchObject({ phase: 'running' });
    expect(await send(withholder, leeching(1), 31_400)).toEqual({ ok: true });
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(finished.run?.distributionMs).toBe(200);
    expect(finished.run?.participants[1]?.flagged?.reason).toBe(
      'withholding: the others sent it the whole file over 30 s ago, and it has neither gained a chunk (nor received a chunk’s worth) for 30 s nor reported completing',
    );
    expect(finished.peers[1]?.flagged).toBeNull();
  });

  it('does not let one member get an honest leecher still downloading flagged by claiming to have sent it the file', async () => {
    await start();
    const seeder = await seed(server.harness);
    const framer = await joinTab(server.harness, seeder.swarmId);
    const slow = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    const framing = { ...leeching(1), uploadedBytes: 40_960, sentTo: [{ peerId: slow.peerId, bytes: 40_960 }] };
    expect(await send(framer, framing, 1100)).toEqual({ ok: true });
    expect(await send(slow, leeching(1), 1200)).toEqual({ ok: true });
    const twoChunks = { ...leeching(1), bitsBase64: 'wA==', chunksHeld: 2, downloadedBytes: 32_768 };
    expect(await send(slow, twoChunks, 25_000)).toEqual({ ok: true });
    expect(await send(framer, framing, 40_000)).toEqual({ ok: true });
    // Forty-four seconds in, it completes, and the seeder, who really sent it the file, confirms it.
    expect(await send(slow, complete(1), 45_000)).toEqual({ ok: true });
    expect(await send(seeder, vouching(1, [slow]), 45_100)).toEqual({ ok: true });
    // The framer leaves without completing (the run would wait for it otherwise).
    expect(await framer.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(finished.run?.distributionMs).toBe(44_000);
    expect(finished.peers.map((peer) => peer.flagged)).toEqual([null, null]);
    expect(finished.run?.participants.map((p) => p.peerId)).toEqual([seeder.peerId, slow.peerId]);
  });

  it('does not take a leecher nobody can send anything for one withholding its completion (the seeder away)', async () => {
    await start();
    const seeder = await seed(server.harness);
    const framer = await joinTab(server.harness, seeder.swarmId);
    const stalled = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    // The seeder sent it one of the three chunks, and then its laptop sleeps: nobody else holds the other two.
    const oneChunk = { ...vouching(1, []), uploadedBytes: 16_384, sentTo: [{ peerId: stalled.peerId, bytes: 16_384 }] };
    expect(await send(seeder, oneChunk, 1100)).toEqual({ ok: true });
    expect(await send(stalled, leeching(1), 1200)).toEqual({ ok: true });
    seeder.client.io.engine.close();
    await latestProgress(framer.received, (p) => p.peers[0]?.away === true, 'the seeder is away');
    // A member says it sent the rest (a lie nobody can check): what the others report now covers the file.
    const framing = { ...leeching(1), uploadedBytes: 24_576, sentTo: [{ peerId: stalled.peerId, bytes: 24_576 }] };
    for (let atMs = 1300; atMs <= 61_300; atMs += 5_000) {
      expect(await send(framer, framing, atMs)).toEqual({ ok: true });
      expect(await send(stalled, leeching(1), atMs + 1)).toEqual({ ok: true });
    }
    // A minute on, still one chunk: stalled, not withholding (it was flagged 30 s into the seeder's absence).
    const table = await settled(framer);
    expect(table.run?.participants.find((p) => p.peerId === stalled.peerId)?.flagged).toBeNull();
    // Someone who can send it a chunk is back (the framer got the whole file, say): now the wait runs.
    expect(await send(framer, { ...complete(1), sentTo: framing.sentTo, uploadedBytes: 24_576 }, 62_000)).toEqual({
      ok: true,
    });
    expect(await send(stalled, leeching(1), 62_001)).toEqual({ ok: true });
    expect(await send(stalled, leeching(1), 93_000)).toEqual({ ok: true });
    const later = await settled(framer);
    expect(later.run?.participants.find((p) => p.peerId === stalled.peerId)?.flagged?.reason).toMatch(/withh/);
  });

  it('gives a leecher whose page reloaded its place back: the chunks it held before are believed, its completion counts', async () => {
    await start();
    const seeder = await seed(server.harness);
    const student = await joinTab(server.harness, seeder.swarmId);
    const other = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    const twoChunks = { ...leeching(1), bitsBase64: 'wA==', chunksHeld: 2, downloadedBytes: 32_768 };
    const sentTwo = { peerId: student.peerId, bytes: 32_768 };
    expect(
      await send(
        seeder,
        {
          ...vouching(1, [other]),
          uploadedBytes: 40_960 + 32_768,
          sentTo: [{ peerId: other.peerId, bytes: 40_960 }, sentTwo],
        },
        1100,
      ),
    ).toEqual({ ok: true });
    expect(await send(student, twoChunks, 1200)).toEqual({ ok: true });
    expect(await send(other, leeching(1), 1250)).toEqual({ ok: true });
    // F5: the page leaves the swarm as it unloads, and the reloaded page joins again presenting its former place.
    expect(await student.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({ ok: true });
    student.client.disconnect();
    const impostor = await server.harness.connect();
    const refusedPlace = await impostor.timeout(WAIT_MS).emitWithAck('swarm:join', {
      swarmId: seeder.swarmId,
      formerPlace: { peerId: student.peerId, memberKey: other.memberKey },
    });
    expect(refusedPlace.ok && refusedPlace.peerId).not.toBe(student.peerId);
    impostor.disconnect();
    const reloaded = await server.harness.connect();
    const rejoined = await reloaded.timeout(WAIT_MS).emitWithAck('swarm:join', {
      swarmId: seeder.swarmId,
      formerPlace: { peerId: student.peerId, memberKey: student.memberKey },
    });
    expect(rejoined).toMatchObject({ ok: true, peerId: student.peerId, memberKey: student.memberKey });
    const back = { ...student, client: reloaded };
    // Its new engine holds the two chunks it read back from its store, and counts them as received in the run.
    expect(await send(back, twoChunks, 2000)).toEqual({ ok: true });
    expect(await send(seeder, { ...vouching(1, [other, student]), uploadedBytes: 81_920 }, 2100)).toEqual({ ok: true });
    expect(await send(back, complete(1), 2200)).toEqual({ ok: true });
    expect(await send(other, complete(1), 2300)).toEqual({ ok: true });
    const finished = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    // No abandoned download: the impostor, which joined under a new id and left, never reported, so never took part.
    expect(finished.run).toMatchObject({ distributionMs: 1300, abandonedLeechers: 0 });
    expect(finished.peers.map((peer) => peer.flagged)).toEqual([null, null, null]);
    expect(finished.run?.participants.map((p) => p.peerId)).toEqual([seeder.peerId, other.peerId, student.peerId]);
  });

  it('does not let a puppet leaving and coming back vouch for a completion nobody sent', async () => {
    await start();
    // 1 MiB at 10 kB/s from every sender: no leecher can have it in under F/u_s ≈ 105 s.
    const slow: RunConfig = { ...SHAPED, seederUploadBytesPerSec: 10_000, peerUploadBytesPerSec: 10_000 };
    const client = await server.harness.connect();
    const received = record(client);
    const created = await client.timeout(WAIT_MS).emitWithAck('swarm:create', {
      ...(await makeManifest(MIB)),
      config: { ...slow, peerDownloadBytesPerSec: null },
    });
    if (!created.ok) throw new Error(created.error.message);
    const seeder: Tab = { client, received, ...created };
    const liar = await joinTab(server.harness, seeder.swarmId);
    const puppet = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    const config = { ...slow, peerDownloadBytesPerSec: null };
    expect(await client.timeout(WAIT_MS).emitWithAck('run:start', { config })).toMatchObject({ ok: true });
    const nothing = (role: ProgressReport['role']): ProgressReport => ({
      ...done(1, role),
      bitsBase64: Buffer.alloc(8).toString('base64'),
      chunksHeld: 0,
      complete: false,
      downloadedBytes: 0,
      peakDownloadBytesPerSec: 0,
    });
    expect(
      await send(
        seeder,
        { ...done(1, 'seeder'), bitsBase64: Buffer.alloc(8, 0xff).toString('base64'), chunksHeld: 64 },
        1100,
      ),
    ).toEqual({ ok: true });
    // 40 s in, the liar says it has the file (its senders' caps allow that much in 40 s); nobody sent it anything.
    const claimed = {
      ...done(1),
      bitsBase64: Buffer.alloc(8, 0xff).toString('base64'),
      chunksHeld: 64,
      downloadedBytes: MIB,
    };
    expect(await send(liar, claimed, 41_000)).toEqual({ ok: true });
    // The puppet reports, leaves and takes its place back, again and again: each cycle granted it a burst's worth
    // of unreported sending, after the completion too, and 8 cycles vouched for the file.
    for (let cycle = 0; cycle < 16; cycle++) {
      expect(await send(puppet, nothing('leecher'), clock.nowMs + 1)).toEqual({ ok: true });
      clock.nowMs += 1;
      expect(await puppet.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
      clock.nowMs += 1;
      const back = await puppet.client.timeout(WAIT_MS).emitWithAck('swarm:join', {
        swarmId: puppet.swarmId,
        formerPlace: { peerId: puppet.peerId, memberKey: puppet.memberKey },
      });
      expect(back.ok && back.peerId).toBe(puppet.peerId);
    }
    expect(
      await send(
        seeder,
        { ...done(1, 'seeder'), bitsBase64: Buffer.alloc(8, 0xff).toString('base64'), chunksHeld: 64 },
        clock.nowMs + 5,
      ),
    ).toEqual({ ok: true });
    const table = await settled(seeder);
    expect(table.run).toMatchObject({ phase: 'running', distributionMs: null });
    expect(table.run?.participants.find((peer) => peer.peerId === liar.peerId)).toMatchObject({ corroborated: false });
  });

  it('keeps what a leecher that left reported sending, however many members join and leave after it', async () => {
    await start(); // 16 places: 16 departed senders' grants are kept
    const seeder = await seed(server.harness, FILE_BYTES);
    const [first, second] = [
      await joinTab(server.harness, seeder.swarmId),
      await joinTab(server.harness, seeder.swarmId),
    ];
    clock.nowMs = 1000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: SHAPED })).toMatchObject({
      ok: true,
    });
    const seederSent = (toFirst: number, toSecond: number): ProgressReport => ({
      ...done(1, 'seeder'),
      uploadedBytes: toFirst + toSecond,
      sentTo: [
        { peerId: first.peerId, bytes: toFirst },
        { peerId: second.peerId, bytes: toSecond },
      ],
    });
    const holding = (bytes: number): ProgressReport => ({
      ...done(1),
      bitsBase64: Buffer.alloc(CHUNKS / 8).toString('base64'),
      chunksHeld: 0,
      complete: false,
      downloadedBytes: bytes,
    });
    // The first leecher has the file from the seeder at 50 s, sends the second 2.5 MiB by 80 s, and leaves.
    expect(await send(seeder, seederSent(FILE_BYTES, 0), 50_000)).toEqual({ ok: true });
    expect(await send(first, done(1), 50_000)).toEqual({ ok: true });
    const firstSent = { ...done(1), uploadedBytes: 2.5 * MIB, sentTo: [{ peerId: second.peerId, bytes: 2.5 * MIB }] };
    expect(await send(first, firstSent, 80_000)).toEqual({ ok: true });
    expect(await send(second, holding(2.5 * MIB), 80_000)).toEqual({ ok: true });
    expect(await first.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    // One socket joins and leaves 17 times: one departed sender more than the run keeps.
    const puppet = await server.harness.connect();
    for (let cycle = 0; cycle < 17; cycle++) {
      expect(await puppet.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: seeder.swarmId })).toMatchObject({
        ok: true,
      });
      expect(await puppet.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    }
    // The seeder sends the second leecher the rest: its completion at 100 s is what the others reported sending it.
    expect(await send(seeder, seederSent(FILE_BYTES, 1.5 * MIB), 100_000)).toEqual({ ok: true });
    expect(await send(second, done(1), 100_000)).toEqual({ ok: true });
    const table = await settled(seeder);
    // Before, the 17th departure erased the first leecher's account whole: the second was not confirmed, flagged
    // 10 s later, and the run finished on the first leecher's completion (49 s for a run of 99 s).
    expect(table.run?.participants.find((peer) => peer.peerId === second.peerId)).toMatchObject({
      corroborated: true,
      witnessedBytes: FILE_BYTES,
    });
    expect(table.run).toMatchObject({ phase: 'finished', distributionMs: 99_000 });
  });

  it('judges what a leecher holds by the download cap it set itself, whatever it says it received', async () => {
    await start();
    const config: RunConfig = { ...SHAPED, peerDownloadBytesPerSec: null };
    const seeder = await seed(server.harness, FILE_BYTES);
    const [honest, liar] = [
      await joinTab(server.harness, seeder.swarmId),
      await joinTab(server.harness, seeder.swarmId),
    ];
    // A member may tighten its own links: 10 kB/s, F / d_i = 419 s, which would be the run's F / d_min.
    const configured = await liar.client
      .timeout(WAIT_MS)
      .emitWithAck('peer:configure', { peerId: liar.peerId, override: { downloadBytesPerSec: 10_000 } });
    expect(configured).toEqual({ ok: true });
    clock.nowMs = 10_000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config })).toMatchObject({ ok: true });
    // 10 s in, the seeder at 1 MB/s sent both the file; the liar holds it and says it received 100 kB.
    const vouched: ProgressReport = {
      ...done(1, 'seeder'),
      uploadedBytes: 2 * FILE_BYTES,
      sentTo: [honest, liar].map(({ peerId }) => ({ peerId, bytes: FILE_BYTES })),
    };
    expect(await send(seeder, vouched, 20_000)).toEqual({ ok: true });
    expect(await send(honest, done(1), 20_000)).toEqual({ ok: true });
    const lie = { ...done(1), downloadedBytes: 100_000, downloadBytesPerSec: 10_000, peakDownloadBytesPerSec: 10_000 };
    const refused = await send(liar, lie, 20_000);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'implausible-report', message: expect.stringMatching(/^a completion after 10\.000 s is faster/) },
    });
    // Before, it was believed: the run finished with d_min 10 kB/s, measured at 0.02 × its bound on every screen.
    const table = await settled(seeder);
    expect(table.run?.participants.find((peer) => peer.peerId === liar.peerId)).toMatchObject({
      completedAfterMs: null,
      flagged: { refusedReports: 1 },
    });
  });

  it('does not flag a late leecher served quickly by a classmate who then left before completing', async () => {
    await start();
    // u_s = 20 kB/s: the class's pace is its members' 1 MB/s uploads.
    const config: RunConfig = { ...SHAPED, seederUploadBytesPerSec: 20_000, peerUploadBytesPerSec: 1_000_000 };
    config.peerDownloadBytesPerSec = null;
    const seeder = await seed(server.harness, FILE_BYTES);
    const early = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 10_000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config })).toMatchObject({ ok: true });
    const chunkBytes = FILE_BYTES / CHUNKS;
    const holding = (chunks: number, sent: { peerId: string; bytes: number }[] = []): ProgressReport => {
      const bits = Buffer.alloc(CHUNKS / 8);
      for (let i = 0; i < chunks; i++) bits[i >> 3]! |= 0x80 >> (i & 7);
      const uploadedBytes = sent.reduce((sum, { bytes }) => sum + bytes, 0);
      return {
        ...done(1),
        bitsBase64: bits.toString('base64'),
        chunksHeld: chunks,
        complete: false,
        downloadedBytes: chunks * chunkBytes,
        uploadedBytes,
        sentTo: sent,
      };
    };
    // The early leecher got 73 chunks from the seeder in 60 s.
    const fromSeeder = {
      ...done(1, 'seeder'),
      uploadedBytes: 73 * chunkBytes,
      sentTo: [{ peerId: early.peerId, bytes: 73 * chunkBytes }],
    };
    expect(await send(seeder, fromSeeder, 70_000)).toEqual({ ok: true });
    expect(await send(early, holding(73), 70_000)).toEqual({ ok: true });
    // A student arriving late takes them from it at 1 MB/s in about 1.2 s; then the early one closes its laptop.
    const late = await joinTab(server.harness, seeder.swarmId);
    expect(await send(early, holding(73, [{ peerId: late.peerId, bytes: 73 * chunkBytes }]), 72_000)).toEqual({
      ok: true,
    });
    expect(await send(late, holding(73), 72_000)).toEqual({ ok: true });
    expect(await early.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
    // Its next report, as 300 ms before: what the one that left sent was sent. Before, refused as faster than the caps.
    expect(await send(late, holding(73), 72_300)).toEqual({ ok: true });
    const table = await settled(seeder);
    expect(table.peers.find((peer) => peer.peerId === late.peerId)?.flagged).toBeNull();
  });

  it('does not let members that join and leave at once lift a liar’s bound', async () => {
    await server.start({ limits: { progressBroadcastIntervalMs: 20 } }); // 64 places: 64 departed leechers kept
    const config: RunConfig = { ...SHAPED, peerUploadBytesPerSec: 100_000, peerDownloadBytesPerSec: null };
    const seeder = await seed(server.harness, FILE_BYTES);
    const liar = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 10_000;
    expect(await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config })).toMatchObject({ ok: true });
    // Forty of the liar's sockets take part (a report each) and leave at once: each a departed sender at 100 kB/s.
    const nothing = {
      ...done(1),
      bitsBase64: Buffer.alloc(CHUNKS / 8).toString('base64'),
      chunksHeld: 0,
      downloadBytesPerSec: 0,
      peakDownloadBytesPerSec: 0,
    };
    for (let puppet = 0; puppet < 40; puppet++) {
      const tab = await joinTab(server.harness, seeder.swarmId);
      expect(await send(tab, { ...nothing, complete: false, downloadedBytes: 0 }, 10_050)).toEqual({ ok: true });
      expect(await tab.client.timeout(WAIT_MS).emitWithAck('swarm:leave')).toEqual({ ok: true });
      tab.client.disconnect();
    }
    // F / u_s ≈ 4.2 s bounds it; it claims 0.2 s. Before, each departed place counted over the whole run with a burst
    // of its own: believed, and once the seeder vouched, a run of 0.2 s.
    const refused = await send(liar, { ...done(1), downloadBytesPerSec: 0, peakDownloadBytesPerSec: 0 }, 10_200);
    expect(refused).toMatchObject({ ok: false, error: { code: 'implausible-report' } });
  });

  it('believes an honest run, flagging nobody', async () => {
    await start();
    const seeder = await seed(server.harness);
    const a = await joinTab(server.harness, seeder.swarmId);
    clock.nowMs = 1000;
    await seeder.client.timeout(WAIT_MS).emitWithAck('run:start', { config: DEFAULT_RUN_CONFIG });
    expect(await send(seeder, vouching(1, [a]), 1050)).toEqual({ ok: true });
    expect(await send(a, leeching(1), 1100)).toEqual({ ok: true });
    expect(await send(a, complete(1), 1200)).toEqual({ ok: true });
    const table = await latestProgress(seeder.received, (p) => p.run?.phase === 'finished', 'the run finished');
    expect(table.run?.distributionMs).toBe(200);
    expect(table.peers.map((peer) => peer.flagged)).toEqual([null, null]);
  });
});
