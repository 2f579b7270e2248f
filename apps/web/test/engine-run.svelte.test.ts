import 'fake-indexeddb/auto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createMemoryLinkPair, systemClock } from '@swarmlab/engine';
import { Bitfield, DEFAULT_RUN_CONFIG, type PeerRunSettings, type RunStarted } from '@swarmlab/protocol';
import { RunLinks } from '@swarmlab/webrtc';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { EngineRun } from '../src/lib/state/engine-run.svelte';
import { runState, swarmProgress } from './fakes';
import { prepareSeed } from '../src/lib/state/file-preparation';
import { openChunkDatabase } from '../src/lib/storage/chunk-database';
import { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { generatedTestFile } from '../src/lib/test-file';
import { wholeFileSha256 } from '../src/lib/whole-file-hash';

const settings: PeerRunSettings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
const started: RunStarted = { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { seed: settings, leech: settings } };
const file = generatedTestFile(1024 * 1024, 7);
let databases = 0;

const runs: EngineRun[] = [];

/** A leecher's run `run` of the test file, as peer `localPeerId`, with an empty store of its own. */
async function leecherRun(
  localPeerId: string,
  run: ConstructorParameters<typeof EngineRun>[0]['started'],
): Promise<EngineRun> {
  const prepared = await prepareSeed(file, portableSha256, () => {});
  const leecher = new EngineRun({
    manifest: prepared.manifest,
    contentId: prepared.contentId,
    started: run,
    sha256: portableSha256,
    localPeerId,
    settings,
    store: new IdbChunkStore({
      db: await openChunkDatabase(`engine-run-${++databases}`),
      storeKey: `run-${run.runNumber}`,
      manifest: prepared.manifest,
      onWriteFailed: () => {},
    }),
    seeding: false,
    onComplete: () => {},
  });
  runs.push(leecher);
  return leecher;
}
afterEach(() => {
  for (const run of runs.splice(0)) run.end();
});

/** A seeder reading the generated file on demand, and a leecher storing in IndexedDB (fake-indexeddb). */
async function seederAndLeecher(
  onComplete: () => void = () => {},
  prefill: (store: IdbChunkStore) => Promise<Bitfield | undefined> = async () => undefined,
  seederOptions: { readonly corruptBlocksFraction?: number } = {},
) {
  const prepared = await prepareSeed(file, portableSha256, () => {});
  const db = await openChunkDatabase(`engine-run-${++databases}`);
  const leecherStore = new IdbChunkStore({
    db,
    storeKey: 'run-1',
    manifest: prepared.manifest,
    onWriteFailed: () => {},
  });
  const heldChunks = await prefill(leecherStore);
  const common = { manifest: prepared.manifest, contentId: prepared.contentId, started, sha256: portableSha256 };
  const seeder = new EngineRun({
    ...common,
    localPeerId: 'seed',
    settings,
    store: prepared.store,
    seeding: true,
    onComplete: () => {},
    ...seederOptions,
  });
  const leecher = new EngineRun({
    ...common,
    localPeerId: 'leech',
    settings,
    store: leecherStore,
    seeding: false,
    ...(heldChunks && { heldChunks }),
    onComplete,
  });
  runs.push(seeder, leecher);
  // The first link is the seeder's end (its remote is the leecher), the second the leecher's.
  const [toLeecher, toSeeder] = createMemoryLinkPair('seed', 'leech', { clock: systemClock });
  return {
    prepared,
    leecherStore,
    seeder,
    leecher,
    toLeecher: new RunLinks(toLeecher),
    toSeeder: new RunLinks(toSeeder),
  };
}

describe('EngineRun', () => {
  it('drops a peer whose blocks fail verification (a seeder with the corrupting test switch), and lists it', async () => {
    const { seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(undefined, undefined, {
      corruptBlocksFraction: 1,
    });
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    for (let i = 0; i < 200 && leecher.droppedPeers.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(leecher.droppedPeers).toEqual([{ peerId: 'seed', reason: 'bad-blocks', detail: expect.any(String) }]);
    expect(leecher.sample()).toMatchObject({ complete: false, chunksHeld: 0 });
    expect(seeder.droppedPeers).toEqual([]);
  });

  it('keeps a dropped peer out when it connects anew in the same run, and lists it once', async () => {
    const { seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(undefined, undefined, {
      corruptBlocksFraction: 1,
    });
    // Each drop is logged once: the count of drops.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const drops = (): number => warn.mock.calls.filter(([line]) => String(line).includes('dropped peer seed')).length;
    const dropped = async (times: number): Promise<void> => {
      for (let i = 0; i < 200 && drops() < times; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      seeder.addTransport(toLeecher);
      leecher.addTransport(toSeeder);
      await dropped(1);
      // The seeder hears the link close (else it would refuse the new one as a duplicate session).
      for (let i = 0; i < 200 && (seeder.sample()?.peers.length ?? 0) > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      // The same peer connects again (a new offer over its open connection makes a new transport): its link is
      // closed at once, rather than given a new session with its bad blocks forgotten.
      const [again, againBack] = createMemoryLinkPair('seed', 'leech', { clock: systemClock });
      seeder.addTransport(new RunLinks(again));
      leecher.addTransport(new RunLinks(againBack));
      for (let i = 0; i < 200 && (seeder.sample()?.peers.length ?? 0) > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(leecher.sample()?.peers ?? []).toEqual([]);
      expect(leecher.sample()).toMatchObject({ chunksHeld: 0 });
      expect(drops()).toBe(1);
      expect(leecher.droppedPeers).toEqual([{ peerId: 'seed', reason: 'bad-blocks', detail: expect.any(String) }]);
    } finally {
      warn.mockRestore();
    }
  });

  it('tells a restarted server the run as this tab knows it: its start and completion on its own clock', async () => {
    let completed!: () => void;
    const completion = new Promise<void>((resolve) => (completed = resolve));
    const { seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(() => completed());
    const participants = [{ peerId: 'seed', role: 'seeder' as const }];
    expect(leecher.resumedRun(participants)).toMatchObject({ runNumber: 1, completedAfterMs: null, participants });
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    await completion;
    // 25 ms for 20: a timer fires on whole milliseconds of libuv's clock, the engine's clock has fractions.
    await new Promise((resolve) => setTimeout(resolve, 25));
    const resumed = leecher.resumedRun(participants)!;
    expect(resumed.completedAfterMs).toBeGreaterThanOrEqual(0);
    expect(resumed.elapsedMs).toBeGreaterThanOrEqual(resumed.completedAfterMs! + 20);
    expect(resumed.settings).toEqual(settings);
    // From the latest table: its members, each with its settings in the run as the table shows them (a restarted
    // server believes the controller's: the links a screen in control set stand), whatever links a row holds now for
    // the next run; unless it says this very run ended.
    const table = swarmProgress('S', runState(1, 'running'));
    const slower = { uploadBytesPerSec: 20_000 };
    const peers = table.peers.map((peer, index) =>
      index === 1
        ? { ...peer, override: slower, overrideByControl: true }
        : index === 2
          ? { ...peer, override: {} }
          : peer,
    );
    const inRun = (index: number) => table.run!.participants[index]!.settings;
    expect(inRun(1).uploadBytesPerSec).not.toBe(20_000);
    expect(leecher.resumedRunAfter({ ...table, peers })?.participants).toEqual([
      { peerId: 'seed', role: 'seeder', settings: inRun(0) },
      { peerId: 'leech0', role: 'leecher', settings: inRun(1) },
      { peerId: 'leech1', role: 'leecher', settings: inRun(2) },
    ]);
    expect(leecher.resumedRunAfter(swarmProgress('S', runState(1, 'finished')))).toBeNull();
    // Nor once a newer run is in the table, whatever its phase: this one is over (the tab was away meanwhile).
    for (const phase of ['running', 'stopped'] as const)
      expect(leecher.resumedRunAfter(swarmProgress('S', runState(2, phase)))).toBeNull();
    leecher.end();
    // Out of the run (it was stopped): nothing to resume.
    expect(leecher.resumedRun(participants)).toBeNull();
  });

  it('takes participants’ settings from the run’s start, not from a table of the run before (the next comes 250 ms later)', async () => {
    const second = await leecherRun('leech0', {
      ...started,
      runNumber: 2,
      settings: { seed: settings, leech0: settings },
    });
    // Before, run 1's settings (the links the teacher set then) went to a restarted server as run 2's. Now run 2's
    // own, as its start told them (`started.settings`: here the seeder's and this tab's, not leech1's).
    const participants = second.resumedRunAfter(swarmProgress('S', runState(1, 'finished')))?.participants;
    expect(participants).toEqual([
      { peerId: 'seed', role: 'seeder', settings },
      { peerId: 'leech0', role: 'leecher', settings },
      { peerId: 'leech1', role: 'leecher' },
    ]);
  });

  it('dates the run from its start, heard when it joined during it, so a restarted server is told the run’s age', async () => {
    // The server's answer to a join 300 s into the run (or to a reloaded tab taking its place back), heard 10 s
    // before the engine was built (its stored chunks were checked meanwhile).
    const heardAtMs = performance.now() - 10_000;
    const joinedLate = await leecherRun('late', { ...started, elapsedMs: 300_000, heardAtMs });
    // Its start on this tab's clock, which its throughput chart is timed from.
    expect(joinedLate.startedAtMs).toBe(heardAtMs - 300_000);
    const resumed = joinedLate.resumedRun([])!;
    expect(resumed.elapsedMs).toBeGreaterThanOrEqual(310_000);
    expect(resumed.elapsedMs).toBeLessThan(320_000);
  });

  it("a leecher's run ends complete, with the seeder's file, over run links", async () => {
    let completed!: () => void;
    const completion = new Promise<void>((resolve) => (completed = resolve));
    const { prepared, leecherStore, seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(() => completed());
    expect(seeder.sample()).toMatchObject({ complete: true, chunksHeld: 4 });
    expect(leecher.sample()).toMatchObject({ complete: false, chunksHeld: 0 });
    expect(leecher.complete).toBe(false);
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    await completion;
    // Said as it completes, whatever is drawn (a hidden page holds its snapshot back; the tab's title reads this).
    expect(leecher.complete).toBe(true);
    const last = leecher.sample()!;
    expect(last).toMatchObject({ complete: true, chunksHeld: 4, downloadedBytes: file.sizeBytes });
    expect(leecher.latestSnapshot).toBe(last);
    // The leecher's stored file, streamed from IndexedDB, is the seeder's byte for byte.
    expect(await wholeFileSha256(leecherStore)).toBe(prepared.fileSha256);
    const saved = (await leecherStore.fileBlob())!;
    expect(bytesToHex(sha256(new Uint8Array(await saved.arrayBuffer())))).toBe(prepared.fileSha256);
  });

  it('a leecher resuming with chunks it stored fetches only the rest', async () => {
    let completed!: () => void;
    const completion = new Promise<void>((resolve) => (completed = resolve));
    const { prepared, leecherStore, seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(
      () => completed(),
      async (store) => {
        const { manifest } = await prepareSeed(file, portableSha256, () => {});
        const held = new Bitfield(4);
        for (const index of [1, 3]) {
          await store.put(index, await file.read(index * manifest.chunkBytes, manifest.chunkBytes));
          held.set(index);
        }
        return held;
      },
    );
    expect(leecher.sample()).toMatchObject({ complete: false, chunksHeld: 2 });
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    await completion;
    // It received the file in this run, half before its page reloaded: the seeder sent only the rest now.
    expect(leecher.sample()).toMatchObject({ complete: true, chunksHeld: 4, downloadedBytes: file.sizeBytes });
    expect(seeder.sample()!.uploadedBytes).toBe(file.sizeBytes / 2);
    expect(await wholeFileSha256(leecherStore)).toBe(prepared.fileSha256);
  });

  it('a leecher resuming with every chunk completes at once, fetching nothing', async () => {
    let completions = 0;
    const { leecher } = await seederAndLeecher(
      () => completions++,
      async (store) => {
        for (let index = 0; index < 4; index++) await store.put(index, await file.read(index * 256 * 1024, 256 * 1024));
        return Bitfield.full(4);
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(completions).toBe(1);
    // What it kept counts as received in the run (before the reload); nothing more came.
    expect(leecher.sample()).toMatchObject({ complete: true, downloadedBytes: file.sizeBytes, downloadBytesPerSec: 0 });
  });

  it('keeps the peak rates it sampled', async () => {
    const { seeder, toLeecher, leecher, toSeeder } = await seederAndLeecher();
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    let peak = 0;
    for (let i = 0; i < 40 && peak === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      leecher.sample();
      peak = leecher.peakDownloadBytesPerSec;
    }
    expect(peak).toBeGreaterThan(0);
    const before = leecher.peakDownloadBytesPerSec;
    leecher.sample();
    expect(leecher.peakDownloadBytesPerSec).toBeGreaterThanOrEqual(before);
  });

  it('once ended, samples nothing more but keeps its last sample', async () => {
    const { seeder } = await seederAndLeecher();
    const last = seeder.sample();
    expect(seeder.progress).toMatchObject({ runNumber: 1, transferring: true, snapshot: last });
    seeder.end();
    expect(seeder.transferring).toBe(false);
    expect(seeder.sample()).toBeUndefined();
    expect(seeder.latestSnapshot).toBe(last);
    expect(seeder.ownRun.leftOnCompletion).toBe(false);
    // A stopped run: reports say this tab is in no run, with what it held.
    expect(seeder.progress).toMatchObject({ runNumber: null, transferring: false, snapshot: last });
  });

  it('leaving on completion shows on the page and takes no more links', async () => {
    const { leecher, toSeeder } = await seederAndLeecher();
    const left: boolean[] = [];
    const stop = $effect.root(() => {
      $effect(() => void left.push(leecher.ownRun.leftOnCompletion));
    });
    flushSync();
    leecher.leave();
    flushSync();
    expect(left).toEqual([false, true]);
    expect(leecher.ownRun).toMatchObject({ started, settings, leftOnCompletion: true });
    // Still counted in the run it left on completion, moving nothing.
    expect(leecher.progress).toMatchObject({ runNumber: 1, transferring: false });
    leecher.addTransport(toSeeder);
    expect(toSeeder.runNumber).toBe(0);
    stop();
  });
});
