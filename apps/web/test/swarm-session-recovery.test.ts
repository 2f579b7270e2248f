// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's; the sessions are read for
// their phase, peer id and stores, not for Svelte's reactivity.)
import 'fake-indexeddb/auto';
import {
  DEFAULT_RUN_CONFIG,
  parseDisplayName,
  type DisplayName,
  type RunConfig,
  type Sha256,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { testFile, type TestFile } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { portableSha256 } from '../src/lib/page-sha256';
import { bytesChunkSource } from '../src/lib/storage/chunk-source';
import { MAX_STORED_UNDER, MemberPlaces } from '../src/lib/state/member-places';
import { SwarmSession } from '../src/lib/state/swarm-session.svelte';
import { NO_TEST_SWITCHES } from '../src/lib/test-switches';
import { chunkRange, openChunkDatabase, storeKeyOf, type ChunkDb } from '../src/lib/storage/chunk-database';
import { IdbChunkStore } from '../src/lib/storage/idb-chunk-store';
import { LeecherStorage, type OpenedRun } from '../src/lib/storage/leecher-storage';
import type { EstimateStorage } from '../src/lib/storage/storage-quota';
import { cuttableRelay } from './cuttable-relay';
import { memoryStorage, silentPeers } from './fakes';

const CHUNK_BYTES = 256 * 1024;
const TAB_ID = 'tab-under-test';
const CONFIG: RunConfig = { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 1_000_000 };

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cleanUps: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

/** A page of a tab with no kept places and no storage of its own, on the server at `signallingUrl`. */
function plainPage(signallingUrl: string): SwarmSession {
  const session = new SwarmSession({ signallingUrl, createPeer: silentPeers, tabId: async () => TAB_ID });
  cleanUps.push(() => session.leave());
  return session;
}

let databases = 0;

/** A storage hasher that, once `slow` is set, takes `delayMs` a chunk and counts the chunks it hashes (`hashed`). */
function slowStorageHashing(delayMs: number) {
  const state = { slow: false, hashed: 0 };
  const sha256: Sha256 = async (bytes) => {
    if (state.slow) {
      state.hashed++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
    return portableSha256(bytes);
  };
  return Object.assign(state, { sha256 });
}

/**
 * A swarm on a real server, its seeder a signalling client holding control, and one browser tab (its session storage
 * and IndexedDB) whose pages come and go as `page()`: each a new `SwarmSession`, as a reload makes.
 */
async function classroom(
  options: {
    readonly storageSha256?: Sha256;
    readonly estimate?: EstimateStorage;
    /** Whether a store opened now fails its next write, out of room (once it is open). */
    readonly failWrites?: () => boolean;
    /** Awaited before a store opened for a run is handed to the page (a slow IndexedDB). */
    readonly beforeHandingOver?: (opened: OpenedRun, runNumber: number) => Promise<void>;
    /** The server's limits (its budget of messages, say). */
    readonly limits?: NonNullable<Parameters<typeof startSignallingServer>[0]>['limits'];
    /** The name the tab's pages send as they enter. */
    readonly displayName?: DisplayName;
    /** How long the pages send their name and link's settings again while refused (a minute by default). */
    readonly ownSendPatienceMs?: number;
    /** How much longer a joining page's check of the swarm's file description takes (`TestSwitches`). */
    readonly joinCheckDelayMs?: number;
  } = {},
) {
  const server: TestSignallingServer = await startSignallingServer({ limits: options.limits ?? {} });
  cleanUps.push(() => server.close());
  const seeder = SignallingClient.connect(server.url);
  cleanUps.push(() => seeder.disconnect());
  const file: TestFile = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
  const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId, config: CONFIG });
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  const { swarmId } = created;
  const dbName = `swarm-session-places-${++databases}`;
  const db: ChunkDb = await openChunkDatabase(dbName);
  /** IndexedDB refuses to open this many more times (a passing failure). */
  const refusals = { opens: 0 };
  const places = new MemberPlaces(memoryStorage()); // the tab's sessionStorage: it survives its reloads
  /** Every run's store the tab's pages opened, in order. */
  const openedStores: IdbChunkStore[] = [];
  const page = (signallingUrl = server.url): SwarmSession => {
    const session = new SwarmSession({
      signallingUrl,
      createPeer: silentPeers,
      places,
      tabId: async () => TAB_ID,
      ...(options.displayName !== undefined && { displayName: () => options.displayName }),
      ...(options.ownSendPatienceMs !== undefined && { ownSendPatienceMs: options.ownSendPatienceMs }),
      ...(options.joinCheckDelayMs !== undefined && {
        testSwitches: { ...NO_TEST_SWITCHES, joinCheckDelayMs: options.joinCheckDelayMs },
      }),
      storage: () => {
        const storage = new LeecherStorage({
          db: async () => {
            if (refusals.opens > 0) {
              refusals.opens--;
              throw new Error('UnknownError: Internal error opening backing store');
            }
            return openChunkDatabase(dbName);
          },
          tabId: async () => TAB_ID,
          sha256: options.storageSha256 ?? portableSha256,
          nowMs: () => Date.now(),
          estimate: options.estimate,
        });
        const openRun = storage.openRun.bind(storage);
        storage.openRun = async (run) => {
          const opened = await openRun(run);
          await options.beforeHandingOver?.(opened, run.runNumber);
          if (opened.ok) openedStores.push(opened.store);
          if (opened.ok && options.failWrites?.())
            setTimeout(() => run.onWriteFailed({ code: 'quota-exceeded', detail: 'QuotaExceededError' }), 50);
          return opened;
        };
        return storage;
      },
    });
    cleanUps.push(() => session.leave({ keepStoredChunks: true }));
    return session;
  };
  /** The place the tab's first page joined under: a reload given it back stores under it again. */
  let firstPeerId: string | undefined;
  const storeKey = (runNumber: number, peerId = firstPeerId) => {
    if (peerId === undefined) throw new Error('no page has joined yet');
    return storeKeyOf({ swarmId, contentId: file.contentId, tabId: TAB_ID, peerId, runNumber });
  };
  /** Writes the first `count` chunks of run `runNumber`'s store (the first page's place), as the engine would have. */
  const store = async (runNumber: number, count: number, peerId = firstPeerId): Promise<void> => {
    const writer = new IdbChunkStore({
      db,
      storeKey: storeKey(runNumber, peerId),
      manifest: file.manifest,
      onWriteFailed: () => {},
    });
    for (let index = 0; index < count; index++)
      await writer.put(index, file.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
  };
  const storedChunks = async (runNumber: number, peerId = firstPeerId): Promise<number> =>
    (await db.getAllKeys('chunks', chunkRange(storeKey(runNumber, peerId)))).length;
  const join = async (session: SwarmSession): Promise<void> => {
    await session.join(swarmId, file.contentId);
    firstPeerId ??= session.peerId;
  };
  /**
   * A page of the tab takes part in run 1 and holds its first `count` chunks, then unloads keeping them (a reload);
   * `stopped`: the run is stopped first.
   */
  const heldInRun1 = async (count: number, stopped: boolean): Promise<void> => {
    const first = page();
    await join(first);
    if (!(await seeder.startRun({ config: CONFIG })).ok) throw new Error('run 1 refused');
    await until(() => first.phase === 'running', 'run 1 under way');
    await store(1, count);
    if (stopped && !(await seeder.stopRun()).ok) throw new Error('stop refused');
    first.leave({ keepStoredChunks: true });
  };
  /** Every chunk stored in the tab's database, whatever its store. */
  const allChunks = async (): Promise<number> => (await db.getAllKeys('chunks')).length;
  return {
    server,
    seeder,
    places,
    openedStores,
    swarmId,
    file,
    db,
    refusals,
    page,
    store,
    storedChunks,
    allChunks,
    join,
    heldInRun1,
  };
}

describe('a tab’s place in its swarm, and the chunks it stored, across reloads and failures', () => {
  it('an entry that fails once keeps the place: entered again, the tab takes it back with its chunks', async () => {
    const { seeder, places, swarmId, refusals, page, store, join } = await classroom();
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    const peerId = first.peerId;
    await store(1, 12);
    first.leave({ keepStoredChunks: true }); // the student reloads

    refusals.opens = 1; // the reloaded page's store does not open, once
    const failed = page();
    await join(failed);
    await until(() => failed.phase === 'failed', 'the entry to fail');
    // Before, the failure forgot the place: entered again, the tab was a newcomer holding 12 chunks, flagged as
    // faster than its caps on every screen, its old place counted as an abandoned download.
    expect(places.get(swarmId, TAB_ID)?.peerId).toBe(peerId);

    const again = page(); // "Back to this swarm"
    await join(again);
    await until(() => again.phase === 'running', 'the run again');
    expect(again.peerId).toBe(peerId);
    expect(again.resumedChunks).toBe(12);
  });

  it('chunks stored under a place the server did not give back are downloaded again, not reported as received', async () => {
    const { seeder, places, swarmId, page, store, storedChunks, join } = await classroom();
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    const peerId = first.peerId!;
    await store(1, 12);
    first.leave({ keepStoredChunks: true });
    // The place is not the tab's any more (given up by the server, or refused): a wrong key stands for both.
    places.keep(swarmId, { peerId, memberKey: 'K'.repeat(22) }, TAB_ID);

    const reloaded = page();
    await join(reloaded);
    await until(() => reloaded.phase === 'running', 'the run under a new place');
    expect(reloaded.peerId).not.toBe(peerId);
    // Before, it reported the 12 chunks as received the moment it took part: flagged as faster than its caps.
    expect(reloaded.resumedChunks).toBe(0);
    // No member holds the former place (the page before the reload left it): its chunks were this member's, and go.
    await until(async () => (await storedChunks(1, peerId)) === 0, 'the former place’s chunks deleted');
  });

  it('a duplicated tab that kept its original’s tab id never touches the original’s stored chunks', async () => {
    const { seeder, places, swarmId, page, store, storedChunks, join, openedStores } = await classroom();
    const original = page();
    await join(original);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => original.phase === 'running', 'the run under way');
    await store(1, 12);
    // "Duplicate tab" while the original was too busy to answer for its tab id: the copy has the original's tab id
    // and its session storage, so it presents the original's place, which the server keeps for the original.
    expect(places.get(swarmId, TAB_ID)?.peerId).toBe(original.peerId);
    const storesBefore = openedStores.length;
    const copy = page();
    await join(copy);
    await until(() => copy.phase === 'running', 'the copy in the run');
    expect(copy.peerId).not.toBe(original.peerId);
    expect(copy.resumedChunks).toBe(0);
    // Before, the copy's store was the original's: opened afresh, it deleted the 12 chunks, and leaving, all of them.
    await until(() => openedStores.length > storesBefore, 'the copy’s own store open');
    expect(await storedChunks(1)).toBe(12);
    copy.leave();
    await new Promise((done) => setTimeout(done, 200));
    expect(await storedChunks(1)).toBe(12);
    expect(original.phase).toBe('running');
  });

  it('leaving deletes every store the tab kept of the swarm, also one it found after a reload and did not take up', async () => {
    const { seeder, page, store, storedChunks, join } = await classroom();
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    await store(1, 10);
    expect((await seeder.stopRun()).ok).toBe(true);
    first.leave({ keepStoredChunks: true }); // reloaded between runs: the partial file is not offered

    const reloaded = page();
    await join(reloaded);
    await until(() => reloaded.phase === 'waiting', 'waiting for a run');
    reloaded.leave(); // "Leave the swarm"
    // Before, 10 chunks stayed on the student's laptop until a visit to the same origin an hour on.
    await until(async () => (await storedChunks(1)) === 0, 'the partial file deleted');
  });
});

describe('a join the server refused', () => {
  it('can go back to the swarm it named: a refused join knows no content id, and offered only the start page', async () => {
    const server = await startSignallingServer({ limits: { maxPeersPerSwarm: 2 } });
    cleanUps.push(() => server.close());
    const seeder = SignallingClient.connect(server.url);
    cleanUps.push(() => seeder.disconnect());
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId, config: CONFIG });
    if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
    const first = SignallingClient.connect(server.url);
    cleanUps.push(() => first.disconnect());
    expect((await first.joinSwarm({ swarmId: created.swarmId })).ok).toBe(true);

    const refused = new SwarmSession({ signallingUrl: server.url, createPeer: silentPeers, tabId: async () => TAB_ID });
    cleanUps.push(() => refused.leave());
    await refused.join(created.swarmId, file.contentId);
    expect(refused.phase).toBe('failed');
    expect(refused.error).toMatch(/full/);
    expect(refused.contentId).toBeUndefined();
    expect(refused.canReturn).toBe(true);
    // What "Back to this swarm" does (`AppController.reopen`): the link's swarm joined again, once there is room.
    first.disconnect();
    await until(async () => {
      const back = new SwarmSession({ signallingUrl: server.url, createPeer: silentPeers, tabId: async () => TAB_ID });
      cleanUps.push(() => back.leave());
      await back.join(created.swarmId, file.contentId);
      return back.phase === 'waiting';
    }, 'the swarm has room again, and the link joins it');
  });

  it('has none to go back to where going back fails again: a swarm that ended, a link not of its file', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const other = await testFile(4 * CHUNK_BYTES + 1, CHUNK_BYTES);
    const open = async (): Promise<{ swarmId: string; seeder: SignallingClient }> => {
      const seeder = SignallingClient.connect(server.url);
      cleanUps.push(() => seeder.disconnect());
      const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId, config: CONFIG });
      if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
      return { swarmId: created.swarmId, seeder };
    };
    const page = (): SwarmSession => plainPage(server.url);
    // A link whose content id is another file's: the join goes through, the manifest does not match it.
    const mismatched = page();
    await mismatched.join((await open()).swarmId, other.contentId);
    expect(mismatched.phase).toBe('failed');
    expect(mismatched.error).toMatch(/does not match the link/);
    expect(mismatched.canReturn).toBe(false);
    // A swarm whose last member left: "Ask for a new link".
    const lastLesson = await open();
    lastLesson.seeder.disconnect();
    await until(async () => {
      const ended = page();
      await ended.join(lastLesson.swarmId, file.contentId);
      return ended.phase === 'failed' && /has ended/.test(ended.error ?? '') && !ended.canReturn;
    }, 'the swarm ended, and its link has nothing to go back to');
  });
});

describe('a write that fails for lack of room', () => {
  it('deletes what the tab stored, as its message says, and keeps its place', async () => {
    let failing = false;
    const { seeder, places, swarmId, page, store, storedChunks, join } = await classroom({ failWrites: () => failing });
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    first.leave({ keepStoredChunks: true }); // reloaded: its store opens again with the 12 chunks stored below
    await store(1, 12);
    failing = true;
    const tab = page();
    await join(tab);
    await until(() => tab.phase === 'failed', 'the tab stopped');
    expect(tab.error).toMatch(/removed what it had stored/);
    // Before, the 12 chunks stayed (the message said otherwise), holding the room a new tab needed for an hour.
    await until(async () => (await storedChunks(1)) === 0, 'its chunks deleted');
    expect(places.get(swarmId, TAB_ID)?.peerId).toBe(tab.peerId);
  });
});

describe('a run over', () => {
  it('releases its store’s cached chunks: they held 4–8 MiB until the next run or a leave', async () => {
    const { seeder, page, join, openedStores, file } = await classroom();
    const tab = page();
    await join(tab);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running', 'run 1 under way');
    const store = openedStores.at(-1)!;
    for (let index = 0; index < 8; index++)
      await store.put(index, file.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
    expect(store.get(0)).toBeInstanceOf(Uint8Array);
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(() => tab.phase === 'waiting', 'run 1 stopped');
    for (let index = 0; index < 8; index++) expect(store.get(index)).toBeInstanceOf(Promise);
    expect(store.takeMemory(CHUNK_BYTES)).toBeUndefined();
  });
});

describe('a run refused for room at its start', () => {
  it('deletes the tab’s older runs of the swarm, whose room its message counted as free', async () => {
    const MiB = 1024 * 1024;
    const room = { quotaBytes: 10_000 * MiB };
    const estimate: EstimateStorage = async () => ({ quota: room.quotaBytes, usage: 0 });
    const { seeder, page, store, storedChunks, join } = await classroom({ estimate });
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'run 1 under way');
    await store(1, 8);
    first.leave({ keepStoredChunks: true }); // reloaded: it takes its 8 chunks up
    const tab = page();
    await join(tab);
    await until(() => tab.phase === 'running' && tab.resumedChunks === 8, 'run 1 with its 8 chunks');
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(() => tab.phase === 'waiting', 'run 1 stopped');
    room.quotaBytes = 5 * MiB; // the disk filled meanwhile
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'failed', 'run 2 refused for room');
    expect(tab.error).toMatch(/browser storage/);
    // Before, run 1's chunks stayed (for an hour), and the retry the message asks for failed again.
    await until(async () => (await storedChunks(1)) === 0, 'run 1’s chunks deleted');
  });

  it('a tab reloaded mid-run keeps the chunks it held: the retry its message asks for fetches only the rest', async () => {
    const MiB = 1024 * 1024;
    const room = { quotaBytes: 10_000 * MiB };
    const estimate: EstimateStorage = async () => ({ quota: room.quotaBytes, usage: 0 });
    const { seeder, page, store, storedChunks, join } = await classroom({ estimate });
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'run 1 under way');
    await store(1, 8);
    first.leave({ keepStoredChunks: true });
    room.quotaBytes = 5 * MiB; // the disk filled while the tab reloaded
    const tab = page();
    await join(tab);
    await until(() => tab.phase === 'failed', 'the resumed run refused for room');
    expect(tab.error).toMatch(/browser storage/);
    // Before, the 8 chunks were deleted with the refusal: no room gained, and the retry needed the whole file.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storedChunks(1)).toBe(8);
  });
});

describe('a tab’s stores under the places its pages had', () => {
  it('a whole file kept of a finished run is still offered after a second reload between runs, and leaving deletes it', async () => {
    const { page, join, allChunks, heldInRun1 } = await classroom();
    await heldInRun1(16, true);
    const first = page();
    await join(first);
    await until(() => first.keptRunNumber === 1, 'offered after the first reload');
    first.leave({ keepStoredChunks: true });
    // Between runs a reload always gets a new place: the file is under the place two pages back.
    const second = page();
    await join(second);
    // Before, "Waiting for a run to start": no Save, leaving asked nothing, and the file stayed an hour.
    await until(() => second.keptRunNumber === 1, 'offered after the second reload');
    expect(second.holdsUnsavedFile).toBe(true);
    second.leave();
    await until(async () => (await allChunks()) === 0, 'its chunks deleted as it left');
  });

  it('still offers it after more reloads than the places a tab keeps: the place it is under stays first', async () => {
    const { page, join, heldInRun1 } = await classroom();
    await heldInRun1(16, true);
    // Before, the 10th reload no longer looked under the place the file was stored under (8 kept, the newest).
    for (let reload = 1; reload <= MAX_STORED_UNDER + 2; reload++) {
      const reloaded = page();
      await join(reloaded);
      await until(() => reloaded.keptRunNumber === 1, `offered after reload ${reload}`);
      reloaded.leave({ keepStoredChunks: true });
    }
  });

  it('offers a whole file the version before peer ids stored, rather than delete it unasked as the tab leaves', async () => {
    const { swarmId, file, db, page, join, allChunks } = await classroom();
    const oldKey = `${swarmId}/${file.contentId}/${TAB_ID}/1`;
    const record = { storeKey: oldKey, swarmId, contentId: file.contentId, tabId: TAB_ID, runNumber: 1 };
    await db.put('stores', { ...record, touchedAtMs: Date.now() } as never);
    const writer = new IdbChunkStore({ db, storeKey: oldKey, manifest: file.manifest, onWriteFailed: () => {} });
    for (let index = 0; index < 16; index++)
      await writer.put(index, file.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
    const tab = page();
    await join(tab);
    await until(() => tab.keptRunNumber === 1, 'the file offered');
    expect(tab.holdsUnsavedFile).toBe(true);
    expect(await allChunks()).toBe(16);
  });

  it('a reloaded tab whose swarm had ended, leaving from the refusal, deletes what it stored', async () => {
    const { seeder, page, join, allChunks, heldInRun1 } = await classroom();
    await heldInRun1(10, false);
    seeder.disconnect(); // the swarm ends while the tab reloads
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reloaded = page();
    await join(reloaded);
    expect(reloaded.phase).toBe('failed');
    expect(await allChunks()).toBe(10);
    reloaded.leave(); // "Back to the start page"
    // Before, the 10 chunks stayed an hour: the tab had no place in the swarm to say they were its own.
    await until(async () => (await allChunks()) === 0, 'its chunks deleted');
  });

  it('deletes as its own a store the version before peer ids in store keys wrote (an upgrade mid-lesson)', async () => {
    const { swarmId, file, db, page, join, allChunks } = await classroom();
    const oldKey = `${swarmId}/${file.contentId}/${TAB_ID}/1`;
    // Its record as that version wrote it (no peer id), touched a moment ago: not stale.
    const record = { storeKey: oldKey, swarmId, contentId: file.contentId, tabId: TAB_ID, runNumber: 1 };
    await db.put('stores', { ...record, touchedAtMs: Date.now() } as never);
    const writer = new IdbChunkStore({ db, storeKey: oldKey, manifest: file.manifest, onWriteFailed: () => {} });
    for (let index = 0; index < 5; index++)
      await writer.put(index, file.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES));
    const tab = page();
    await join(tab);
    expect(await allChunks()).toBe(5);
    tab.leave();
    await until(async () => (await allChunks()) === 0, 'the old store deleted');
  });
});

describe('a tab reloaded once its run was over', () => {
  it('says it is checking the file it kept while it reads it back, then offers it', async () => {
    const seen: boolean[] = [];
    const watched: { tab?: SwarmSession } = {};
    // Each chunk read back is hashed: what the page shows meanwhile is noted.
    const storageSha256: Sha256 = async (bytes) => {
      if (watched.tab) seen.push(watched.tab.checkingStoredChunks);
      return portableSha256(bytes);
    };
    const { seeder, page, store, join } = await classroom({ storageSha256 });
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    await store(1, 16); // the whole file
    expect((await seeder.stopRun()).ok).toBe(true);
    first.leave({ keepStoredChunks: true });

    const reloaded = (watched.tab = page());
    await join(reloaded);
    await until(() => reloaded.keptRunNumber === 1, 'the kept file offered');
    // Before, "Waiting for a run to start" all along the check, as if the file were lost.
    expect(seen.length).toBeGreaterThanOrEqual(16);
    expect(seen.slice(1, 16).every((checking) => checking)).toBe(true);
    expect(reloaded.checkingStoredChunks).toBe(false);
  });

  it('holds a file not saved until Save has it, and none once a new run takes up an empty store', async () => {
    const { seeder, file, page, store, join } = await classroom();
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'the run under way');
    expect(first.holdsUnsavedFile).toBe(false); // nothing whole yet
    await store(1, 16);
    expect((await seeder.stopRun()).ok).toBe(true);
    first.leave({ keepStoredChunks: true });

    const reloaded = page();
    await join(reloaded);
    await until(() => reloaded.keptRunNumber === 1, 'the kept file offered');
    // Leaving deletes it: the page asks first (`AppController.leaveQuestion`).
    expect(reloaded.holdsUnsavedFile).toBe(true);
    const saved = await reloaded.fileBlob();
    expect(saved && (await portableSha256(new Uint8Array(await saved.arrayBuffer())))).toEqual(
      await portableSha256(file.bytes),
    );
    expect(reloaded.holdsUnsavedFile).toBe(false);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => reloaded.keptRunNumber === undefined && reloaded.phase === 'running', 'run 2 taken up');
    expect(reloaded.holdsUnsavedFile).toBe(false); // run 2's store, empty
  });
});

describe('leaving a file not saved', () => {
  it('asks while a reloaded tab still checks the whole file it kept: leaving then deleted it without a word', async () => {
    const slow = { on: false };
    const storageSha256: Sha256 = async (bytes) => {
      if (slow.on) await new Promise((resolve) => setTimeout(resolve, 100));
      return portableSha256(bytes);
    };
    const { page, join, heldInRun1 } = await classroom({ storageSha256 });
    await heldInRun1(16, true);
    slow.on = true;
    const reloaded = page();
    await join(reloaded);
    await until(() => reloaded.checkingStoredChunks, 'the kept file being checked');
    expect(reloaded.holdsUnsavedFile).toBe(true);
    await until(() => reloaded.keptRunNumber === 1, 'the kept file offered');
    expect(reloaded.holdsUnsavedFile).toBe(true);
  }, 30_000);

  it('does not ask about a file a start refused for room deleted', async () => {
    const disk = { full: false };
    const estimate: EstimateStorage = async () => ({ quota: disk.full ? 1 : 1e12, usage: 0 });
    const { seeder, page, join, storedChunks, heldInRun1 } = await classroom({ estimate });
    await heldInRun1(16, false);
    const tab = page();
    await join(tab);
    await until(() => tab.snapshot?.complete === true, 'complete in run 1');
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(() => tab.fileSha256 !== undefined, 'run 1’s file hashed');
    expect(tab.holdsUnsavedFile).toBe(true);
    disk.full = true;
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'failed', 'run 2 refused for room');
    await until(async () => (await storedChunks(1)) === 0, 'run 1’s chunks deleted, as the message says');
    // Before, the page asked "holds the downloaded file, not saved yet" about a file it had deleted.
    expect(tab.holdsUnsavedFile).toBe(false);
  });
});

describe('a run stopped while a tab joined', () => {
  it('is not started once the tab is in: it opened a store for the stopped run and showed it downloading', async () => {
    const { server, seeder, swarmId, page, join, openedStores } = await classroom({ joinCheckDelayMs: 1500 });
    const classmate = SignallingClient.connect(server.url); // a run needs a leecher
    cleanUps.push(() => classmate.disconnect());
    expect((await classmate.joinSwarm({ swarmId })).ok).toBe(true);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    const tab = page();
    const joining = join(tab);
    // The join's answer carried run 1; the teacher stops it while the tab checks the swarm's file description.
    await until(() => tab.latestSwarmProgress?.run?.runNumber === 1, 'the tab answered, run 1 going on');
    expect(tab.peerId).toBeUndefined();
    expect((await seeder.stopRun()).ok).toBe(true);
    await joining;
    expect(tab.peerId).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tab.phase).toBe('waiting');
    expect(tab.ownRun).toBeUndefined();
    expect(openedStores).toHaveLength(0);
    // The next run starts it as ever.
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running' && tab.ownRun?.started.runNumber === 2, 'run 2 under way');
  });
});

describe('a run stopped while a tab opened its store', () => {
  it.each([
    ['with room for the new run', false],
    // The refusal deleted the previous run's file at once, while the page went on offering it (found by review).
    ['refused for room', true],
  ])(
    'leaves the tab waiting with the previous run’s whole file, its SHA-256 and Save (%s)',
    async (_, diskFull) => {
      // The quota's estimate answers when the test lets it: the new run's store opens then.
      const gate = { held: false, release: (): void => undefined };
      const estimate: EstimateStorage = async () => {
        if (gate.held) await new Promise<void>((resolve) => (gate.release = resolve));
        return { quota: gate.held && diskFull ? 1 : 1e12, usage: 0 };
      };
      const { seeder, file, page, store, storedChunks, join } = await classroom({ estimate });
      const first = page();
      await join(first);
      expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
      await until(() => first.phase === 'running', 'run 1 under way');
      await store(1, 16); // the whole file, as the engine would have stored it
      first.leave({ keepStoredChunks: true }); // reloaded: it finds the whole file, complete in run 1
      const tab = page();
      await join(tab);
      await until(() => tab.snapshot?.complete === true, 'complete in run 1');
      expect((await seeder.stopRun()).ok).toBe(true);
      // The whole-file hash waits for the run to be over.
      await until(() => tab.fileSha256 !== undefined, 'run 1’s file hashed');
      expect(tab.fileSha256).toBe(file.sha256);

      gate.held = true;
      expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
      await until(() => tab.storesOpening > 0, 'run 2’s store opening');
      expect((await seeder.stopRun()).ok).toBe(true); // the teacher stops it at once
      await until(() => tab.latestSwarmProgress?.run?.phase === 'stopped', 'the stop heard');
      // (`run:stopped` follows the table on the tab's connection: a moment for it to arrive.)
      await new Promise((resolve) => setTimeout(resolve, 300));
      gate.release();
      await until(() => tab.storesOpening === 0, 'the open over');
      expect(tab.ownRun?.started.runNumber).toBe(1);
      // Before: "Complete", frozen, "computing… 100 %" for good, run 1's file deleted and Save refused.
      expect(tab.phase).toBe('waiting');
      expect(tab.fileSha256).toBe(file.sha256);
      expect(await storedChunks(1)).toBe(16);
      const saved = await tab.fileBlob();
      expect(saved && (await portableSha256(new Uint8Array(await saved.arrayBuffer())))).toEqual(
        await portableSha256(file.bytes),
      );
    },
    30_000,
  );
});

describe('a run stopped while a reloaded tab checked its chunks, and the next one started', () => {
  it('leaves the page on the next run once the check ends', async () => {
    let slow = false;
    const storageSha256: Sha256 = async (bytes) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 200));
      return portableSha256(bytes);
    };
    const { seeder, page, store, join } = await classroom({ storageSha256 });
    const first = page();
    await join(first);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => first.phase === 'running', 'run 1 under way');
    await store(1, 12);
    first.leave({ keepStoredChunks: true }); // reloaded mid-run: its check reads 12 chunks back (2.4 s here)
    slow = true;
    const tab = page();
    await join(tab);
    await until(() => tab.checkingStoredChunks, 'the check of run 1 under way');
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(() => tab.latestSwarmProgress?.run?.phase === 'stopped', 'the stop heard');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true); // its fresh store opens first
    await until(() => tab.phase === 'running' && tab.ownRun?.started.runNumber === 2, 'run 2 under way');
    await until(() => tab.storesOpening === 0, 'run 1’s check over');
    // Before, the stopped start's end set the page waiting ("Run 2 stopped", no rates) while run 2 went on.
    expect(tab.phase).toBe('running');
  }, 30_000);
});

describe('a reloaded tab that leaves while it checks its chunks', () => {
  it('stops hashing them at once, and an unloading page keeps those it did not check', async () => {
    const hashing = slowStorageHashing(200);
    const storageSha256 = hashing.sha256;
    const { page, storedChunks, join, heldInRun1 } = await classroom({ storageSha256 });
    await heldInRun1(12, false); // reloaded mid-run: its check reads 12 chunks back (2.4 s here)
    hashing.slow = true;
    const tab = page();
    await join(tab);
    await until(() => hashing.hashed >= 2, 'the check of run 1 under way');
    tab.leave({ keepStoredChunks: true }); // reloaded again
    const hashedAtLeave = hashing.hashed;
    await until(() => tab.storesOpening === 0, 'the check given up');
    // Before, it read and hashed the other 10 chunks after the page had gone (13 s for a 2 GiB file).
    expect(hashing.hashed).toBeLessThanOrEqual(hashedAtLeave + 1);
    expect(await storedChunks(1)).toBe(12);
  }, 30_000);
});

describe('a tab that leaves while its completion’s report awaits its answer', () => {
  it('puts off no whole-file hash: leaving answered the report, and a 15 s wait began after the leave', async () => {
    const hashing = slowStorageHashing(20);
    const { server, page, join, heldInRun1 } = await classroom({ storageSha256: hashing.sha256 });
    await heldInRun1(16, false); // reloaded mid-run holding the whole file: it completes once its check is over
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    hashing.slow = true;
    const tab = page(wifi.url);
    await join(tab);
    await until(() => tab.checkingStoredChunks, 'the check of run 1 under way');
    wifi.hold(); // the server hears nothing more from the tab: its completion's report waits for an answer
    await until(() => tab.snapshot?.complete === true, 'complete in run 1');
    expect(tab.hashWaitsForRunEnd).toBe(false);
    tab.leave();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Before, the report's answer (given by the leave) set the tab waiting for run 1's end, for up to 15 s, after the
    // leave had released every wait.
    expect(tab.phase).toBe('closed');
    expect(tab.hashWaitsForRunEnd).toBe(false);
  }, 30_000);
});

describe('a reloaded tab whose check a newer run cut short, that run stopped at once', () => {
  it('keeps the whole file it was checking, and offers it: it was deleted as a partial one', async () => {
    const hashing = slowStorageHashing(100);
    const storageSha256 = hashing.sha256;
    // Run 1's store, its check cut short by run 2, and run 2's reach the page only once run 2 was stopped meanwhile.
    let cutShort = (): void => {};
    const checkCutShort = new Promise<void>((resolve) => (cutShort = resolve));
    let stopHeard = (): void => {};
    const stopped = new Promise<void>((resolve) => (stopHeard = resolve));
    const { seeder, page, storedChunks, join, file, heldInRun1 } = await classroom({
      storageSha256,
      beforeHandingOver: async (opened, runNumber) => {
        if (runNumber === 1 && opened.ok && opened.checkCutShort) cutShort();
        if (runNumber === 2 || (opened.ok && opened.checkCutShort)) await stopped;
      },
    });
    await heldInRun1(16, false); // the whole file, not yet known complete; reloaded mid-run
    hashing.slow = true;
    const tab = page();
    await join(tab);
    await until(() => hashing.hashed >= 2, 'the check of run 1 under way');
    // Run 1 stopped (its check goes on: a whole file is offered then), run 2 started: the check stops.
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(() => tab.latestSwarmProgress?.run?.phase === 'stopped', 'run 1’s stop heard');
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await checkCutShort;
    expect(hashing.hashed).toBeLessThan(16);
    expect((await seeder.stopRun()).ok).toBe(true);
    await until(
      () => tab.latestSwarmProgress?.run?.runNumber === 2 && tab.latestSwarmProgress.run.phase === 'stopped',
      'run 2’s stop heard',
    );
    stopHeard();
    await until(() => tab.storesOpening === 0, 'both stores opened');
    // Before: run 1's whole file deleted, as a partial one (its check had stopped at a few chunks).
    expect(await storedChunks(1)).toBe(16);
    hashing.slow = false;
    await until(() => tab.fileSha256 === file.sha256, 'the kept file offered');
  }, 30_000);
});

describe('a tab away while the runs changed', () => {
  it('ends its run once back, when the table shows a newer run over: it said "Downloading in run 1" for good', async () => {
    const { server, seeder, swarmId, page, join } = await classroom();
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    const tab = page(wifi.url);
    await join(tab);
    const classmate = SignallingClient.connect(server.url); // run 2 needs a leecher while the tab is away
    cleanUps.push(() => classmate.disconnect());
    expect((await classmate.joinSwarm({ swarmId })).ok).toBe(true);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    await until(() => tab.phase === 'running', 'run 1 under way');
    await until(() => tab.swarmProgress?.run?.runNumber === 1, 'run 1 drawn');
    expect(tab.swarmProgress?.peers.some((peer) => peer.away)).toBe(false);

    wifi.cut();
    await until(() => tab.signalling?.state === 'lost' || tab.signalling?.state === 'rejoining', 'the tab lost');
    // Its page shows the last table as such: every peer away, no flows (they looked live, rates and all).
    expect(tab.swarmProgress?.peers.length).toBeGreaterThan(0);
    expect(tab.swarmProgress?.peers.every((peer) => peer.away)).toBe(true);
    expect(tab.swarmProgress?.flows).toEqual([]);
    // Meanwhile the teacher stops run 1, starts run 2 and stops it.
    expect((await seeder.stopRun()).ok).toBe(true);
    expect((await seeder.startRun({ config: CONFIG })).ok).toBe(true);
    expect((await seeder.stopRun()).ok).toBe(true);
    wifi.restore();
    await until(() => tab.signalling?.state === 'back', 'the tab back');
    await until(() => tab.latestSwarmProgress?.run?.runNumber === 2, 'the table of run 2');
    expect(tab.swarmProgress?.run?.runNumber).toBe(2);
    expect(tab.swarmProgress?.peers.some((peer) => peer.away)).toBe(false);
    // Before, it stayed "running" run 1 (its engine on, reporting run 1) until yet another run started.
    await until(() => tab.phase === 'waiting', 'the tab waiting for a run');
  }, 30_000);
});

describe('a tab whose place is not to be taken back', () => {
  it('draws its last table as last heard for good: no table comes any more, and it looked live', async () => {
    // A swarm of two places: the seeder's and the tab's, until the tab's grace runs out.
    const { server, swarmId, page, join } = await classroom({ limits: { memberGraceMs: 300, maxPeersPerSwarm: 2 } });
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    const tab = page(wifi.url);
    await join(tab);
    await until(() => (tab.swarmProgress?.peers.length ?? 0) === 2, 'the table of the seeder and the tab');
    expect(tab.swarmProgress?.peers.some((peer) => peer.away)).toBe(false);

    wifi.cut();
    await until(() => tab.signalling?.state === 'lost', 'the tab lost');
    // Meanwhile its grace runs out and a classmate takes the free place: the swarm is full when the tab is back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const classmate = SignallingClient.connect(server.url);
    cleanUps.push(() => classmate.disconnect());
    expect((await classmate.joinSwarm({ swarmId })).ok).toBe(true);
    wifi.restore();
    await until(() => tab.signalling?.state === 'failed', 'the rejoin refused for good');
    // Before it was drawn away too, its last table looked live for good: rates, flows, nobody reconnecting.
    expect(tab.swarmProgress?.peers.length).toBe(2);
    expect(tab.swarmProgress?.peers.every((peer) => peer.away)).toBe(true);
    expect(tab.swarmProgress?.flows).toEqual([]);
  }, 30_000);
});

describe('a tab joined from a link with its own settings (?up=)', () => {
  it('sends them once: the links the teacher set since stand when the tab takes its place back after a drop', async () => {
    const { server, seeder, swarmId, file, page } = await classroom();
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    const tab = page(wifi.url);
    const own = { uploadBytesPerSec: 500_000 };
    await tab.join(swarmId, file.contentId, own);
    const rowOf = () => tab.latestSwarmProgress?.peers.find((peer) => peer.peerId === tab.peerId);
    await until(() => rowOf()?.override.uploadBytesPerSec === 500_000, 'its own links on its row');
    // The teacher gives it 20 kB/s.
    const set = { uploadBytesPerSec: 20_000 };
    expect((await seeder.configurePeer({ peerId: tab.peerId!, override: set })).ok).toBe(true);
    await until(() => rowOf()?.overrideByControl === true, 'the teacher’s links on its row');
    // The Wi-Fi drops and comes back; then a moment for a link's settings sent again to land: they would be refused
    // (links-set-by-control) or, with the teacher's cleared, replace them.
    const dropAndBack = async (): Promise<void> => {
      wifi.cut();
      await until(() => tab.signalling?.state === 'lost' || tab.signalling?.state === 'rejoining', 'the tab lost');
      wifi.restore();
      await until(() => tab.signalling?.state === 'back', 'the tab back');
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    await dropAndBack();
    expect(rowOf()).toMatchObject({ override: set, overrideByControl: true });
    // Cleared by the teacher: the tab's link settings are not sent again behind its back.
    expect((await seeder.configurePeer({ peerId: tab.peerId!, override: {} })).ok).toBe(true);
    await until(() => rowOf()?.overrideByControl === false, 'the teacher’s links cleared');
    await dropAndBack();
    expect(rowOf()?.override).toEqual({});
  }, 30_000);
});

describe('what a tab sends of itself unasked (its name, its link’s settings)', () => {
  const zoe = (): DisplayName => {
    const parsed = parseDisplayName('Zoë');
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.name;
  };

  it('is sent again while the server refuses it for a moment (its address over its budget)', async () => {
    // A budget of 2 messages, then 1 a second: the join and the first report take it, the rest is refused at first.
    const { server, swarmId, file, page } = await classroom({
      limits: { messageBurst: 2, messagesPerSec: 1 },
      displayName: zoe(),
    });
    void server;
    const tab = page();
    await tab.join(swarmId, file.contentId, { uploadBytesPerSec: 500_000 });
    const rowOf = () => tab.latestSwarmProgress?.peers.find((peer) => peer.peerId === tab.peerId);
    // Before, a console warning, and made-up names on every screen for the lesson.
    await until(() => rowOf()?.override.uploadBytesPerSec === 500_000, 'its link’s settings on its row');
    await until(() => rowOf()?.name === 'Zoë', 'its name on its row');
    expect(tab.ownSendTrouble).toBeUndefined();
  }, 30_000);

  it('says what was not taken once refused past its patience, and stops saying it once the teacher holds the links', async () => {
    // A budget of 2 messages, then 6 a second: the join and the first report take it; the link's settings, refused,
    // are given up at once (a tenth of a second of patience, a minute in a real tab).
    const { seeder, swarmId, file, page } = await classroom({
      limits: { messageBurst: 2, messagesPerSec: 6 },
      ownSendPatienceMs: 100,
    });
    const tab = page();
    await tab.join(swarmId, file.contentId, { uploadBytesPerSec: 500_000 });
    await until(() => tab.ownSendTrouble !== undefined, 'the link’s settings said not taken');
    expect(tab.ownSendTrouble).toContain('link');
    // The teacher sets the tab's links (asked again while the address is over its budget).
    const set = { uploadBytesPerSec: 20_000 };
    const deadline = Date.now() + 15_000;
    while (!(await seeder.configurePeer({ peerId: tab.peerId!, override: set })).ok) {
      if (Date.now() > deadline) throw new Error('timed out setting the tab’s links as the teacher');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // The student saves links of their own: refused, the teacher's to set. The trouble said to set them in the
    // tab's row, where the teacher's now stand: it goes (before, it stayed for the lesson).
    let refusal: string | undefined;
    while (tab.ownSendTrouble !== undefined) {
      if (Date.now() > deadline) throw new Error('the trouble stayed after the teacher set the tab’s links');
      refusal = await tab.configurePeer(tab.peerId!, { uploadBytesPerSec: 2_000_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(refusal).toContain('creator set this peer’s links');
    const rowOf = () => tab.latestSwarmProgress?.peers.find((peer) => peer.peerId === tab.peerId);
    await until(() => rowOf()?.overrideByControl === true, 'the teacher’s links on its row');
    expect(rowOf()?.override).toEqual(set);
  }, 30_000);

  it('does not send the link’s settings over the links the tab set itself since', async () => {
    // A budget of 2 messages, then 10 a second: the link's settings, sent on the heels of the join and its first
    // report, are refused at first, and asked again 2 s later.
    const { server, swarmId, file, page } = await classroom({ limits: { messageBurst: 2, messagesPerSec: 10 } });
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    const tab = page(wifi.url);
    await tab.join(swarmId, file.contentId, { uploadBytesPerSec: 500_000 });
    // The student sets their own links meanwhile (again, as long as the server refuses it too).
    const deadline = Date.now() + 10_000;
    while ((await tab.configurePeer(tab.peerId!, { uploadBytesPerSec: 2_000_000 })) !== undefined) {
      if (Date.now() > deadline) throw new Error('timed out setting the tab’s own links');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const rowOf = () => tab.latestSwarmProgress?.peers.find((peer) => peer.peerId === tab.peerId);
    await until(() => rowOf()?.override.uploadBytesPerSec === 2_000_000, 'its own links on its row');
    // Neither the link's settings asked again nor sent again as the tab takes its place back replace them.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    wifi.cut();
    await until(() => tab.signalling?.state === 'lost' || tab.signalling?.state === 'rejoining', 'the tab lost');
    wifi.restore();
    await until(() => tab.signalling?.state === 'back', 'the tab back');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(rowOf()?.override.uploadBytesPerSec).toBe(2_000_000);
  }, 30_000);
});

describe('a seed whose swarm the server did not register', () => {
  it('tries again without reading the file again', async () => {
    // One swarm per address: the first page's swarm is open, the second's create is refused.
    const server = await startSignallingServer({ limits: { maxSwarmsPerAddress: 1 } });
    cleanUps.push(() => server.close());
    const page = (): SwarmSession => plainPage(server.url);
    const other = page();
    await other.seed(bytesChunkSource('other.bin', new Uint8Array(CHUNK_BYTES).fill(1)), CONFIG);
    expect(other.seedsSwarm).toBe(true);
    let reads = 0;
    const file = bytesChunkSource('lecture.bin', new Uint8Array(4 * CHUNK_BYTES).fill(7));
    const counted = { ...file, read: (...args: Parameters<typeof file.read>) => (reads++, file.read(...args)) };
    const first = page();
    await first.seed(counted, CONFIG);
    expect(first.phase).toBe('failed');
    expect(first.error).toContain('swarms');
    const unregistered = first.unregisteredSeed;
    expect(unregistered?.config).toEqual(CONFIG);
    const readsToHash = reads;
    expect(readsToHash).toBeGreaterThan(0);

    // The other swarm ends; the tab tries again. Before, only "Back to the start page": the file hashed again whole.
    other.leave();
    await until(() => server.logLines.some((line) => line.startsWith('swarm ended')), 'the other swarm ended');
    const again = page();
    await again.seedPrepared(unregistered!);
    expect(again.seedsSwarm).toBe(true);
    expect(again.contentId).toBe(first.unregisteredSeed?.seed.contentId);
    expect(reads).toBe(readsToHash);
  }, 30_000);
});

describe('a seeder’s page alone in its swarm', () => {
  it('reloaded, finds the swarm without its old self at once: the seeder’s place is the tab’s to give up', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const places = new MemberPlaces(memoryStorage()); // the tab's sessionStorage
    const page = (): SwarmSession => {
      const session = new SwarmSession({
        signallingUrl: server.url,
        createPeer: silentPeers,
        places,
        tabId: async () => TAB_ID,
      });
      cleanUps.push(() => session.leave());
      return session;
    };
    const watcher = SignallingClient.connect(server.url);
    cleanUps.push(() => watcher.disconnect());
    const first = page();
    await first.seed(bytesChunkSource('lecture.bin', new Uint8Array(4 * CHUNK_BYTES).fill(7)), CONFIG);
    const [swarmId, contentId, seederId, control] = [
      first.swarmId!,
      first.contentId!,
      first.peerId!,
      first.controlSecret,
    ];
    await until(() => first.swarmProgress?.peers.length === 1, 'the seeder’s table');
    const tables: SwarmProgress[] = [];
    watcher.on('swarm:progress', (table) => tables.push(table));
    expect((await watcher.watchSwarm({ swarmId })).ok).toBe(true);

    // The page unloads (a reload may follow): its place stays, away, for its grace period (30 s).
    first.leave({ keepStoredChunks: true, keepSwarm: true });
    await until(() => tables.at(-1)?.peers[0]?.away === true, 'the seeder shown away');
    const reloaded = page();
    await reloaded.join(swarmId, contentId, {}, control);
    expect(reloaded.phase).toBe('waiting');
    expect(reloaded.peerId).not.toBe(seederId);
    // Not after the grace: the old place goes as the page joins, and the tab may seed the swarm again.
    await until(
      () =>
        tables
          .at(-1)
          ?.peers.map((peer) => peer.peerId)
          .join() === reloaded.peerId,
      'the reloaded page alone in the table',
    );
    expect(tables.at(-1)?.peers[0]).toMatchObject({ role: 'leecher', away: false });
    expect(reloaded.seedPlace).toMatchObject({ swarmId, contentId });
  });
});
