// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's; the sessions are read for
// their phase, error and stores, not for Svelte's reactivity.)
import 'fake-indexeddb/auto';
import { Bitfield, chunkCount, DEFAULT_RUN_CONFIG, type ProgressReport } from '@swarmlab/protocol';
import { pollUntil, testFile, type TestFile } from '@swarmlab/test-kit';
import { startSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { SNAPSHOT_INTERVAL_MS, SwarmSession } from '../src/lib/state/swarm-session.svelte';
import { openChunkDatabase, type ChunkDb } from '../src/lib/storage/chunk-database';
import type { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { LeecherStorage, type OpenedRun } from '../src/lib/storage/leecher-storage';
import { silentPeers } from './fakes';

const CHUNK_BYTES = 16 * 1024;
const CHUNKS = 4;

/** Waits until `condition` holds (the test kit's poll, as the other session tests wait). */
const until = (condition: () => boolean, what: string): Promise<true> =>
  pollUntil(() => condition() || undefined, what, 10_000, 10);

const cleanUps: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

let databases = 0;

/**
 * A swarm on a real server (uncapped: a completion at once is plausible), its seeder a signalling client, and one
 * leecher tab whose stores are in a fresh database: `afterOpen` is handed each store its runs open, before the
 * session takes it.
 */
async function swarmWithTab(afterOpen: (opened: OpenedRun & { ok: true }, file: TestFile) => Promise<OpenedRun>) {
  const server = await startSignallingServer();
  cleanUps.push(() => server.close());
  const seeder = SignallingClient.connect(server.url);
  cleanUps.push(() => seeder.disconnect());
  const file = await testFile(CHUNKS * CHUNK_BYTES, CHUNK_BYTES);
  const created = await seeder.createSwarm({
    manifest: file.manifest,
    contentId: file.contentId,
    config: DEFAULT_RUN_CONFIG,
  });
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  const name = `swarm-session-storage-${++databases}`;
  /** Every connection the tab's storage opened, in order. */
  const connections: ChunkDb[] = [];
  const tab = new SwarmSession({
    signallingUrl: server.url,
    createPeer: silentPeers,
    tabId: async () => 'tab',
    storage: () => {
      const storage = new LeecherStorage({
        db: async () => connections[connections.push(await openChunkDatabase(name)) - 1]!,
        tabId: async () => 'tab',
        sha256: portableSha256,
        nowMs: () => Date.now(),
        estimate: undefined,
      });
      const openRun = storage.openRun.bind(storage);
      storage.openRun = async (run) => {
        const opened = await openRun(run);
        return opened.ok ? afterOpen(opened, file) : opened;
      };
      return storage;
    },
  });
  cleanUps.push(() => tab.leave());
  await tab.join(created.swarmId, file.contentId);
  return { seeder, tab, file, connections };
}

/** The store holds every chunk, written as the engine writes them (so its cache holds them), and says so. */
async function holdingTheWholeFile(opened: OpenedRun & { ok: true }, file: TestFile): Promise<OpenedRun> {
  const held = new Bitfield(chunkCount(file.manifest));
  for (let index = 0; index < held.chunkCount; index++) {
    await opened.store.put(index, file.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
    held.set(index);
  }
  return { ...opened, held, heldBytes: file.manifest.sizeBytes };
}

/** What the seeder says of run `runNumber` once it sent `peerId` the whole file: the tab's completion then counts. */
function seederSentAll(file: TestFile, runNumber: number, peerId: string): ProgressReport {
  const bits = new Bitfield(chunkCount(file.manifest));
  for (let index = 0; index < bits.chunkCount; index++) bits.set(index);
  return {
    role: 'seeder',
    runNumber,
    bitsBase64: Buffer.from(bits.toBytes()).toString('base64'),
    chunksHeld: bits.chunkCount,
    complete: true,
    uploadedBytes: file.manifest.sizeBytes,
    downloadedBytes: 0,
    uploadBytesPerSec: 0,
    downloadBytesPerSec: 0,
    peakUploadBytesPerSec: 0,
    peakDownloadBytesPerSec: 0,
    sentTo: [{ peerId, bytes: file.manifest.sizeBytes }],
  };
}

describe('a run that finishes (found by review)', () => {
  it('releases its store’s cached chunks as the server’s table shows it finished: no `run:stopped` comes', async () => {
    const stores: IdbChunkStore[] = [];
    const { seeder, tab, file } = await swarmWithTab(async (opened, file) => {
      stores.push(opened.store);
      return holdingTheWholeFile(opened, file);
    });
    expect((await seeder.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running' && tab.holdsWholeFile, 'the tab complete in run 1');
    const store = stores[0]!;
    expect(store.get(0)).toBeInstanceOf(Uint8Array);
    expect((await seeder.reportProgress(seederSentAll(file, 1, tab.peerId!))).ok).toBe(true);
    await until(() => tab.latestSwarmProgress?.run?.phase === 'finished', 'run 1 finished');
    // Before, only a stop, a selfish leave or a leave let them go: each tab kept them through the whole-file hash
    // and the wait for the next run.
    for (let index = 0; index < CHUNKS; index++) expect(store.get(index)).toBeInstanceOf(Promise);
    expect(store.takeMemory(CHUNK_BYTES)).toBeUndefined();
  });

  it('ends the tab’s throughput chart as the table shows it finished: the engine, still on, is sampled on', async () => {
    const { seeder, tab, file } = await swarmWithTab(holdingTheWholeFile);
    expect((await seeder.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running' && tab.holdsWholeFile, 'the tab complete in run 1');
    expect((await seeder.reportProgress(seederSentAll(file, 1, tab.peerId!))).ok).toBe(true);
    await until(() => tab.latestSwarmProgress?.run?.phase === 'finished', 'run 1 finished');
    const ended = tab.rates.points;
    expect(ended.length).toBeGreaterThan(0);
    // Four samples a second: before, each one lengthened the chart (its axis ran to 630 s after ten minutes of talk).
    await new Promise((resolve) => setTimeout(resolve, 4 * SNAPSHOT_INTERVAL_MS));
    expect(tab.phase).toBe('running');
    expect(tab.rates.points).toBe(ended);
    // The next run's chart starts afresh and takes samples again.
    expect((await seeder.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await until(() => tab.rates.points !== ended && tab.rates.points.length > 1, 'run 2 charted');
  });
});

describe('a tab’s storage failing under its run (found by review)', () => {
  it('a read that fails as the run’s store opens is told as such, not as storage the browser refuses', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    cleanUps.push(() => warn.mockRestore());
    const { seeder, tab } = await swarmWithTab(async () => {
      throw new DOMException('Data lost due to missing file', 'UnknownError');
    });
    expect((await seeder.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'failed', 'the tab stopped');
    // Before: "This browser lets the page store no data … Allow this site to save data", in a browser that stored.
    expect(tab.error).not.toMatch(/Allow this site to save data/);
    expect(tab.error).toMatch(/could not read back what this tab had stored \(Data lost due to missing file\)/);
  });

  it('the browser closing the database under a complete tab stops it at once, saying the file is gone', async () => {
    const { seeder, tab, connections } = await swarmWithTab(holdingTheWholeFile);
    expect((await seeder.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running' && tab.holdsWholeFile, 'the tab complete in run 1');
    // Site data cleared: the browser closes the connection, and says so with a `close` event (fake-indexeddb takes
    // only events shaped as its own).
    const phases = { NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 };
    const closed = { ...phases, type: 'close', initialized: true, dispatched: false, bubbles: false, eventPath: [] };
    connections[0]!.close();
    connections[0]!.dispatchEvent(closed as unknown as Event);
    // Before, only a console warning as a peer asked for a chunk: the tab said complete and offered Save.
    expect(tab.phase).toBe('failed');
    expect(tab.error).toMatch(/The browser removed this site's stored data/);
    expect(tab.holdsUnsavedFile).toBe(false);
  });
});
