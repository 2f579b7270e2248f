import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { fileBytes, pollUntil } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient } from '@swarmlab/webrtc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '@swarmlab/engine';
import { parseDisplayName, type DisplayName, type Sha256 } from '@swarmlab/protocol';
import { HeadlessSession } from '../src/headless-session';
import { startHeadlessPeer, type HeadlessPeer, type HeadlessPeerEvent } from '../src/index';
import { memoryLeecherStorage, outFileLeecherStorage, type LeecherStorage } from '../src/leecher-storage';
import { nodePeerFactory } from '../src/node-peer-factory';
import { nodeSha256 } from '../src/node-sha256';

/** Three chunks of 256 KiB and a short last one: every chunk boundary case, and quick. */
const FILE_BYTES = 3 * 256 * 1024 + 12_345;
const WAIT_MS = 15_000;

let server: TestSignallingServer;
let dir: string;
const peers: HeadlessPeer[] = [];
const clients: SignallingClient[] = [];

beforeEach(async () => {
  server = await startSignallingServer();
  dir = await mkdtemp(join(tmpdir(), 'swarmlab-peer-'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const until = <T>(read: () => T | undefined | false, what: string): Promise<T> => pollUntil(read, what, WAIT_MS);

/** V8's collector, exposed in this process for the tests that check what is let go. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function started(peer: Promise<HeadlessPeer>): Promise<HeadlessPeer> {
  const running = await peer;
  peers.push(running);
  return running;
}

/**
 * A leecher's session (a `HeadlessSession` on the test's server, its events recorded) whose hashes wait, from those
 * `held` picks by their number (1 for the first), until `release`: a check the test holds (a large file's takes
 * seconds).
 */
function sessionWithHeldHashes(held: (hashNumber: number) => boolean, displayName?: DisplayName) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let hashes = 0;
  const sha256: Sha256 = async (data) => {
    if (held(++hashes)) await released;
    return nodeSha256(data);
  };
  const signalling = SignallingClient.connect(server.url);
  clients.push(signalling);
  const events: HeadlessPeerEvent[] = [];
  const session = new HeadlessSession({
    signalling,
    createPeer: nodePeerFactory,
    clock: systemClock,
    sha256,
    ...(displayName !== undefined && { displayName }),
    onEvent: (event) => events.push(event),
  });
  return { session, signalling, sha256, events, release, hashes: () => hashes };
}

/**
 * A seeder of `name` and a leecher (a `HeadlessSession` writing `--out`) in run 1, whose check of the whole file is
 * held at its first chunk until `release` (a large file's check takes seconds): the leecher's hashes are the
 * manifest's at join, one per chunk received, then the whole-file check's.
 */
async function leecherCheckingItsFile(name: string, seed: number) {
  const bytes = fileBytes(FILE_BYTES, seed);
  const seedPath = join(dir, `${name}.bin`);
  await writeFile(seedPath, bytes);
  const outPath = join(dir, `${name}-copy.bin`);
  const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
  const chunks = seeder.manifest.chunkSha256.length;
  const { session, sha256, events, release, hashes } = sessionWithHeldHashes((hash) => hash > 1 + chunks);
  // The file's reads are checked with the same hash (the whole-file check reads the file back through them).
  const storage = await outFileLeecherStorage(outPath, sha256);
  await session.join(seeder.swarmId, seeder.contentId, storage);
  await until(() => seeder.connectedPeers === 1, 'the leecher to connect');
  const teacher = SignallingClient.connect(server.url);
  clients.push(teacher);
  expect((await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! })).ok).toBe(true);
  expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
  await until(() => hashes() > 1 + chunks, 'the whole-file check to begin');
  const close = async (): Promise<void> => {
    session.close();
    await session.settled;
    await storage.close();
  };
  return { bytes, outPath, seeder, teacher, session, events, release, close };
}

describe('headless peers over @roamhq/wrtc', () => {
  it('a seeder and two leechers (by link and by code) complete a run with the seeder’s bytes', async () => {
    const bytes = fileBytes(FILE_BYTES, 7);
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, bytes);
    const outPath = join(dir, 'downloaded.bin');

    const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
    expect(seeder.fileSha256).toBe(sha256Hex(bytes));
    expect(seeder.manifest.sizeBytes).toBe(FILE_BYTES);
    expect(seeder.joinCode).toBeDefined();
    const byLinkEvents: HeadlessPeerEvent[] = [];
    const byLink = await started(
      startHeadlessPeer({
        swarmLink: seeder.shareLink,
        displayName: 'by link',
        onEvent: (event) => byLinkEvents.push(event),
      }),
    );
    const byCode = await started(
      startHeadlessPeer({ serverUrl: server.url, joinCode: seeder.joinCode!, outFile: outPath }),
    );
    expect([byLink.swarmId, byCode.swarmId]).toEqual([seeder.swarmId, seeder.swarmId]);
    await until(() => seeder.connectedPeers === 2 && byCode.connectedPeers === 2, 'a full mesh');

    // The teacher's screen: it holds the control secret and starts the run.
    const teacher = SignallingClient.connect(server.url);
    clients.push(teacher);
    const watched = await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! });
    expect(watched.ok && watched.inControl).toBe(true);
    const run = await teacher.startRun({ config: DEFAULT_RUN_CONFIG });
    expect(run.ok).toBe(true);

    await Promise.all([byLink.done, byCode.done]);
    expect(byLink.fileSha256).toBe(seeder.fileSha256);
    expect(byCode.fileSha256).toBe(seeder.fileSha256);
    expect(sha256Hex(await readFile(outPath))).toBe(seeder.fileSha256);
    // The server counts the run finished only once what the others say they sent each leecher covers the
    // file: the headless peers report with `sentTo`, as tabs do.
    const finished = await until(
      () => seeder.swarmProgress?.run?.phase === 'finished' && seeder.swarmProgress.run,
      'the run to finish',
    );
    expect(finished.participants.filter((participant) => participant.completedAfterMs !== null)).toHaveLength(2);
    await until(
      () => byLinkEvents.some((event) => event.type === 'run-finished'),
      'a leecher to tell the run finished',
    );
    // A leecher joining once it finished is not told of a run it took no part in (every table shows the latest).
    const lateEvents: HeadlessPeerEvent[] = [];
    const late = await started(
      startHeadlessPeer({ swarmLink: seeder.shareLink, onEvent: (event) => lateEvents.push(event) }),
    );
    await until(() => late.swarmProgress?.run?.phase === 'finished', 'the late leecher to see the finished run');
    expect(lateEvents.filter((event) => event.type === 'run-finished')).toEqual([]);

    // The seeder leaves: a leecher says so (a run can no longer start), where it said nothing before.
    expect(byLinkEvents.some((event) => event.type === 'seeder-gone')).toBe(false);
    await seeder.close();
    await until(
      () => byLinkEvents.some((event) => event.type === 'seeder-gone'),
      'the leecher to tell the seeder left',
    );
  });

  it('a seeder whose file is saved over in place (same size) stops, saying so, rather than serve corrupt bytes', async () => {
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, fileBytes(FILE_BYTES, 8));
    const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
    const leecher = await started(startHeadlessPeer({ swarmLink: seeder.shareLink }));
    await until(() => leecher.connectedPeers === 1, 'the leecher to connect');
    // Someone edits the file while it is shared: the same size, other bytes.
    await writeFile(seedPath, fileBytes(FILE_BYTES, 9));

    const teacher = SignallingClient.connect(server.url);
    clients.push(teacher);
    expect((await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! })).ok).toBe(true);
    expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
    await expect(seeder.done).rejects.toThrow(
      /^cannot read lecture\.bin any more \(chunk \d+: its bytes no longer match their hash in the manifest\): it changed or was removed since it was opened$/,
    );
    expect(leecher.fileSha256).toBeUndefined();
  });

  it('a peer whose connection dropped and came back while it checked its join is in its swarm, under its name', async () => {
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, fileBytes(FILE_BYTES, 11));
    const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
    // The join's check of the manifest (its first hash) is held while the connection drops and comes back.
    const name = parseDisplayName('Carol');
    if (!name.ok) throw new Error(name.message);
    const { session, signalling, release, hashes } = sessionWithHeldHashes((hash) => hash === 1, name.name);
    try {
      const joining = session.join(seeder.swarmId, seeder.contentId, memoryLeecherStorage());
      await until(() => hashes() === 1, 'the check to begin');
      signalling.reconnect();
      await until(
        () => signalling.connectionNumber === 2 && signalling.connection.state === 'connected',
        'a new connection',
      );
      release();
      await joining;
      const row = await until(
        () => seeder.swarmProgress?.peers.find((peer) => peer.peerId === session.peerId && !peer.away && peer.name),
        'the peer present in the table, named',
      );
      expect(row.name).toBe('Carol');
    } finally {
      session.close();
    }
  });

  it('a run the join’s answer carried, stopped while the peer checked the answer, is not started once it is in', async () => {
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, fileBytes(FILE_BYTES, 12));
    const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
    const classmate = await started(startHeadlessPeer({ swarmLink: seeder.shareLink })); // a run needs a leecher
    await until(() => classmate.connectedPeers === 1, 'the classmate to connect');
    const teacher = SignallingClient.connect(server.url);
    clients.push(teacher);
    expect((await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! })).ok).toBe(true);
    expect((await teacher.startRun({ config: { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 10_000 } })).ok).toBe(
      true,
    );
    // The join's check of the manifest (its first hash) is held while the teacher stops run 1.
    const { session, signalling, events, release, hashes } = sessionWithHeldHashes((hash) => hash === 1);
    try {
      const joining = session.join(seeder.swarmId, seeder.contentId, memoryLeecherStorage());
      await until(() => hashes() === 1, 'the check to begin');
      let heardStop = false;
      signalling.on('run:stopped', () => (heardStop = true));
      expect((await teacher.stopRun()).ok).toBe(true);
      await until(() => heardStop || undefined, 'the joining peer to hear the stop');
      release();
      await joining;
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Before: "run 1 started", its store opened, until a table said it was over.
      expect(events.filter((event) => event.type === 'run-started')).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('a run started while a completed leecher checks its --out file waits for the file to be named', async () => {
    const checking = await leecherCheckingItsFile('lecture', 10);
    const { bytes, outPath, seeder, teacher, events, release } = checking;
    try {
      // The server counted the completion (reported before the check): the teacher starts the next run.
      await until(() => seeder.swarmProgress?.run?.phase === 'finished', 'run 1 to finish');
      expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(events.filter((event) => event.type === 'run-started').map((event) => event.runNumber)).toEqual([1]);

      release();
      const complete = await until(() => events.find((event) => event.type === 'complete'), 'run 1 to complete');
      expect(complete).toEqual({ type: 'complete', runNumber: 1, fileSha256: sha256Hex(bytes) });
      expect(sha256Hex(await readFile(outPath))).toBe(sha256Hex(bytes));
      await until(() => events.some((event) => event.type === 'run-started' && event.runNumber === 2), 'run 2');
    } finally {
      await checking.close();
    }
  });

  it('a completion asked to be acknowledged once a next run has started is the run the leecher completed, whose store was let go', async () => {
    const seedPath = join(dir, 'lecture.bin');
    await writeFile(seedPath, fileBytes(FILE_BYTES, 13));
    const seeder = await started(startHeadlessPeer({ serverUrl: server.url, seedFile: seedPath }));
    // Once run 1 is complete, the leecher's hashes wait: run 2 takes no chunk, and stays incomplete.
    let holding = false;
    const { session, events, release } = sessionWithHeldHashes(() => holding);
    // Each run's store, held weakly: the test must not keep one alive itself.
    const stores: WeakRef<object>[] = [];
    const memory = memoryLeecherStorage();
    const storage: LeecherStorage = {
      ...memory,
      openRun: async (manifest) => {
        const store = await memory.openRun(manifest);
        stores.push(new WeakRef(store));
        return store;
      },
    };
    try {
      await session.join(seeder.swarmId, seeder.contentId, storage);
      await until(() => seeder.connectedPeers === 1, 'the leecher to connect');
      const teacher = SignallingClient.connect(server.url);
      clients.push(teacher);
      expect((await teacher.watchSwarm({ swarmId: seeder.swarmId, control: seeder.controlSecret! })).ok).toBe(true);
      expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
      await until(() => events.some((event) => event.type === 'complete'), 'run 1 to complete');
      await until(() => seeder.swarmProgress?.run?.phase === 'finished', 'run 1 to finish');
      holding = true;
      expect((await teacher.startRun({ config: DEFAULT_RUN_CONFIG })).ok).toBe(true);
      await until(() => events.some((event) => event.type === 'run-started' && event.runNumber === 2), 'run 2');
      expect(stores).toHaveLength(2);
      // Collected, as nothing holds it (a WeakRef read keeps its target until the task ends: each poll is a task). Before,
      // the session kept run 1's engine for `completionAcknowledged`, and with it the whole file, through run 2: a
      // 1.5 GiB download took 3 GiB, past the 2 GiB a leecher keeps in memory.
      await pollUntil(
        () => {
          collectGarbage();
          return stores[0]!.deref() === undefined;
        },
        'run 1’s store to be collected',
        3_000,
        100,
      );
      expect(stores[1]!.deref()).toBeDefined();
      expect(session.snapshot?.complete).toBe(false);
      // Before, it read the run going on (run 2's, not complete) and answered false at once: `--exit-when-done` said the
      // server had not acknowledged the completion, and exited 1.
      expect(await session.completionAcknowledged(5_000)).toBe(true);
    } finally {
      holding = false;
      release();
      session.close();
    }
  });

  it('a leecher closed (Ctrl-C) while it checks its whole --out file still says what became of it', async () => {
    const checking = await leecherCheckingItsFile('notes', 11);
    const { bytes, outPath, session, events, release } = checking;
    try {
      // Ctrl-C: the command line closes the peer and waits for the check; meanwhile the name is taken.
      session.close();
      await writeFile(outPath, 'my notes');
      release();
      await session.settled;
      // Before: nothing was said, and the checked file sat at .part without a word.
      expect(events.filter((event) => event.type === 'failed')).toEqual([
        {
          type: 'failed',
          message: `${outPath} appeared during the download: the whole file is left in ${outPath}.part`,
        },
      ]);
    } finally {
      await checking.close();
    }
    expect(sha256Hex(await readFile(`${outPath}.part`))).toBe(sha256Hex(bytes));
    expect(await readFile(outPath, 'utf8')).toBe('my notes');
  });
});
