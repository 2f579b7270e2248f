import { Bitfield, chunkCount, encodeWireMessage, type WireMessage } from '@swarmlab/protocol';
import { fileHashOf, TEST_ENGINE_CONFIG, testFile, TestSwarm, type RawPeer } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { MemoryChunkStore, type AsyncChunkStore } from '../src/index';
import { ShortChunkError } from '../src/stored-chunks';
import { REREAD_AFTER_FAILURE_MS } from '../src/uploader';

const CHUNK_BYTES = 64 * 1024;

type Request = WireMessage & { readonly type: 'request' };

/** What reading a file that changed on disk since it was picked rejects with (Chromium: `NotReadableError`). */
class FileGone extends Error {
  override readonly name = 'NotReadableError';
}

/** A memory store behind an interface that answers later; `failPuts` chunks fail their first write. */
class LaterStore implements AsyncChunkStore {
  readonly memory: MemoryChunkStore;
  failedPuts = 0;
  readonly #swarm: TestSwarm;
  readonly #failPuts: Set<number>;

  /** Writes under way now, and the most there were at once. */
  putsPending = 0;
  mostPutsPending = 0;
  readonly #putDelayMs: number;

  /** `putDelayMs`: test-clock time each write takes (storage slower than the network when large). */
  constructor(swarm: TestSwarm, memory = new MemoryChunkStore(), failPuts: readonly number[] = [], putDelayMs = 1) {
    this.#swarm = swarm;
    this.memory = memory;
    this.#failPuts = new Set(failPuts);
    this.#putDelayMs = putDelayMs;
  }

  get(chunkIndex: number): Promise<Uint8Array | undefined> {
    return this.#swarm.later(() => this.memory.get(chunkIndex));
  }

  put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    this.mostPutsPending = Math.max(this.mostPutsPending, ++this.putsPending);
    return this.#swarm.later(() => {
      this.putsPending--;
      if (this.#failPuts.delete(chunkIndex)) {
        this.failedPuts++;
        throw new Error('quota exceeded');
      }
      this.memory.put(chunkIndex, bytes);
    }, this.#putDelayMs);
  }
}

/**
 * A store that copies what it is given, as a browser store does, and lends the memory of each chunk put
 * back to the engine for the next chunk it assembles.
 */
class LendingStore extends LaterStore {
  readonly lent = new Set<ArrayBufferLike>();
  readonly #free: ArrayBuffer[] = [];

  takeMemory(lengthBytes: number): ArrayBuffer | undefined {
    const index = this.#free.findIndex((memory) => memory.byteLength >= lengthBytes);
    const memory = index < 0 ? undefined : this.#free.splice(index, 1)[0];
    if (memory) this.lent.add(memory);
    return memory;
  }

  override put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    const copy = bytes.slice();
    const written = super.put(chunkIndex, copy);
    // Done with the engine's memory once copied: it may assemble the next chunk there.
    if (bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer) this.#free.push(bytes.buffer);
    return written;
  }
}

/** A store whose writes are answered together, in one loop, as the web's `WriteBatcher` answers a transaction's. */
class BatchingStore implements AsyncChunkStore {
  readonly memory = new MemoryChunkStore();
  readonly #waiting: Array<() => void> = [];

  get waiting(): number {
    return this.#waiting.length;
  }

  get(chunkIndex: number): Uint8Array | undefined {
    return this.memory.get(chunkIndex);
  }

  put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    return new Promise<void>((resolve) =>
      this.#waiting.push(() => {
        this.memory.put(chunkIndex, bytes);
        resolve();
      }),
    );
  }

  /** Answers every write waiting, one after the other in one loop. */
  answerAll(): void {
    for (const answer of this.#waiting.splice(0)) answer();
  }
}

describe('SwarmEngine with a chunk store that answers later', () => {
  it('completes once when the last writes are answered together (one IndexedDB transaction), each chunk announced once', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const store = new BatchingStore();
    const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
    const completes: boolean[] = [];
    const verified: number[] = [];
    leecher.engine.events.on('complete', () => completes.push(verified.length === 4));
    leecher.engine.events.on('chunk-verified', ({ chunkIndex }) => verified.push(chunkIndex));
    swarm.connect(seeder, leecher);
    await swarm.runUntil(() => store.waiting === 4, 10_000, 'every chunk verified, its write waiting');
    store.answerAll();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(leecher.engine.isComplete).toBe(true);
    // Before, once per chunk of the batch: the tab hashed the whole file four times at once. And it completes after
    // the last chunk is announced, not before.
    expect(completes).toEqual([true]);
    expect([...verified].sort((x, y) => x - y)).toEqual([0, 1, 2, 3]);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('assembles chunks in memory the store lends, and every chunk stays intact', async () => {
    const file = await testFile(24 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const store = new LendingStore(swarm);
    const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
    swarm.connect(seeder, leecher);

    await swarm.runUntil(() => leecher.engine.isComplete, 20_000, 'the leecher completes');

    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    expect(store.lent.size).toBeGreaterThan(0); // chunks were assembled in lent memory …
    expect(store.lent.size).toBeLessThan(chunkCount(file.manifest)); // … reused, not one per chunk
  });

  it('serves from it, and announces each chunk only once it is written', async () => {
    const file = await testFile(10 * CHUNK_BYTES + 777, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    // The engines read and write through the later stores; the test reads what they hold from memory.
    const seederStore = new LaterStore(swarm, MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES));
    const seeder = swarm.peer('seeder', { seed: true, asyncStore: seederStore, store: seederStore.memory });
    const laterStore = new LaterStore(swarm);
    const a = swarm.peer('a', { asyncStore: laterStore, store: laterStore.memory });
    const b = swarm.peer('b');
    const writtenWhenAnnounced: boolean[] = [];
    a.engine.events.on('chunk-verified', ({ chunkIndex }) =>
      writtenWhenAnnounced.push(laterStore.memory.get(chunkIndex) !== undefined),
    );
    swarm.connect(seeder, a);
    swarm.connect(seeder, b);
    swarm.connect(a, b);

    await swarm.runUntil(() => a.engine.isComplete && b.engine.isComplete, 20_000, 'leechers complete');

    expect(await fileHashOf(a, file)).toBe(file.sha256);
    expect(await fileHashOf(b, file)).toBe(file.sha256);
    expect(writtenWhenAnnounced).toEqual(new Array<boolean>(chunkCount(file.manifest)).fill(true));
  });

  it('starts no new chunk while writes that wait hold maxStoringBytes, and completes once they land', async () => {
    const file = await testFile(48 * CHUNK_BYTES, CHUNK_BYTES);
    // Each write takes 200 ms of test time; the link delivers a chunk in about 7 ms.
    const runWith = async (maxStoringBytes: number) => {
      // Housekeeping (which also asks peers again) only once a minute: a held-back download must resume
      // when a write lands, not on the next tick.
      const swarm = new TestSwarm(file, { config: { ...TEST_ENGINE_CONFIG, maxStoringBytes, tickMs: 60_000 } });
      const seeder = swarm.peer('seeder', { seed: true });
      const store = new LaterStore(swarm, new MemoryChunkStore(), [], 200);
      const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
      swarm.connect(seeder, leecher, { bytesPerSec: 10_000_000 });
      await swarm.runUntil(() => leecher.engine.isComplete, 30_000, 'the leecher completes');
      expect(await fileHashOf(leecher, file)).toBe(file.sha256);
      return store.mostPutsPending;
    };

    expect(await runWith(4 * CHUNK_BYTES)).toBeLessThanOrEqual(4);
    // Without the bound the same run has many more chunks waiting at once: the bound is what held them.
    expect(await runWith(Number.POSITIVE_INFINITY)).toBeGreaterThan(12);
  });

  it('a write that fails while the download is held back does not stall it', async () => {
    const file = await testFile(24 * CHUNK_BYTES, CHUNK_BYTES);
    // Housekeeping at its test pace: the seeder super-seeds, and a chunk whose write failed is asked of it
    // again after its offer moved on; housekeeping is what offers it anew.
    const config = { ...TEST_ENGINE_CONFIG, maxStoringBytes: 2 * CHUNK_BYTES };
    const swarm = new TestSwarm(file, { config });
    const seeder = swarm.peer('seeder', { seed: true });
    const store = new LaterStore(swarm, new MemoryChunkStore(), [1, 2, 9], 200);
    const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
    swarm.connect(seeder, leecher, { bytesPerSec: 10_000_000 });

    await swarm.runUntil(() => leecher.engine.isComplete, 30_000, 'the leecher completes');

    expect(store.failedPuts).toBe(3);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('fetches a chunk again when the store fails to keep it', async () => {
    const file = await testFile(6 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const store = new LaterStore(swarm, new MemoryChunkStore(), [0, 3]);
    const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
    swarm.connect(seeder, leecher);

    await swarm.runUntil(() => leecher.engine.isComplete, 20_000, 'leecher completes');

    expect(store.failedPuts).toBe(2);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('fetches a chunk again from its only source as often as the store fails to keep it (refused the third time, it stalled)', async () => {
    const file = await testFile(6 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const memory = new MemoryChunkStore();
    let failures = 0;
    // Chunk 0's write fails three times (an IndexedDB refusing a moment), then works.
    const store = {
      get: (chunkIndex: number) => swarm.later(() => memory.get(chunkIndex)),
      put: (chunkIndex: number, bytes: Uint8Array) =>
        swarm.later(() => {
          if (chunkIndex === 0 && failures < 3) {
            failures++;
            throw new Error('quota exceeded');
          }
          memory.put(chunkIndex, bytes);
        }, 1),
    };
    const leecher = swarm.peer('leecher', { asyncStore: store, store: memory });
    swarm.connect(seeder, leecher);

    await swarm.runUntil(() => leecher.engine.isComplete, 20_000, 'leecher completes');

    expect(failures).toBe(3);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('says which chunk the store failed to keep, and why, so that its host can stop (a full disk stays full)', async () => {
    const file = await testFile(6 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const store = new LaterStore(swarm, new MemoryChunkStore(), [2]);
    const leecher = swarm.peer('leecher', { asyncStore: store, store: store.memory });
    const unstorable: Array<{ chunkIndex: number; message: string }> = [];
    leecher.engine.events.on('chunk-unstorable', ({ chunkIndex, error }) =>
      unstorable.push({ chunkIndex, message: error instanceof Error ? error.message : String(error) }),
    );
    swarm.connect(seeder, leecher);

    await swarm.runUntil(() => leecher.engine.isComplete, 20_000, 'leecher completes');

    expect(unstorable).toEqual([{ chunkIndex: 2, message: 'quota exceeded' }]);
  });

  it('refuses a request whose chunk it cannot read, at once, and says so: the leecher asks elsewhere', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const memory = MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES);
    // A seeder whose file changed on disk after it was picked: every read of it fails from now on.
    const gone: AsyncChunkStore = {
      get: () =>
        swarm.later(() => {
          throw new FileGone();
        }),
      put: () => Promise.reject(new Error('read-only')),
    };
    const broken = swarm.peer('broken', { seed: true, asyncStore: gone, store: memory });
    const healthy = swarm.peer('healthy', { seed: true });
    const leecher = swarm.peer('leecher');
    const unreadable: number[] = [];
    broken.engine.events.on('chunk-unreadable', ({ chunkIndex, error }) => {
      expect(error).toBeInstanceOf(FileGone);
      unreadable.push(chunkIndex);
    });
    swarm.connect(broken, leecher);
    swarm.connect(healthy, leecher);

    await swarm.runUntil(() => leecher.engine.isComplete, 60_000, 'leecher completes');

    expect(unreadable.length).toBeGreaterThan(0);
    // Each refusal came at once: no request waited out its 20 s timeout on the broken seeder.
    expect(swarm.clock.nowMs()).toBeLessThan(5_000);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('offers a chunk again once it reads again: a passing read failure does not leave its requester without it', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const backing = MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES);
    let readsOfChunk2 = 0;
    // A complete leecher, the only source, whose IndexedDB fails one read of chunk 2 (a passing error).
    const flaky: AsyncChunkStore = {
      get: (chunkIndex) =>
        swarm.later(() => {
          if (chunkIndex === 2 && readsOfChunk2++ === 0) throw new Error('transient IndexedDB error');
          return backing.get(chunkIndex);
        }),
      put: (chunkIndex, bytes) => backing.put(chunkIndex, bytes),
    };
    const source = swarm.peer('source', { completeLeecher: true, store: backing, asyncStore: flaky });
    const leecher = swarm.peer('leecher');
    swarm.connect(source, leecher, { latencyMs: 5 });
    // Before: refused, the leecher forgot for good that the source holds chunk 2, and stalled at 3 of 4.
    await swarm.runUntil(() => leecher.engine.isComplete, 30_000, 'leecher completes');
    expect(readsOfChunk2).toBeGreaterThan(1);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('reads a chunk that will not read again only while a peer it was refused to is there, and never once destroyed', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const backing = MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES);
    let readsOfChunk2 = 0;
    // Chunk 2 is gone from this store for good (IndexedDB evicted it): every read of it fails.
    const broken: AsyncChunkStore = {
      get: (chunkIndex) =>
        swarm.later(() => {
          if (chunkIndex !== 2) return backing.get(chunkIndex);
          readsOfChunk2++;
          throw new Error('evicted');
        }),
      put: (chunkIndex, bytes) => backing.put(chunkIndex, bytes),
    };
    const source = swarm.peer('source', { completeLeecher: true, store: backing, asyncStore: broken });
    const asking = async (name: string) => {
      const peer = swarm.rawPeer(source, file.contentId, name, { latencyMs: 5 });
      peer.link.send(encodeWireMessage({ type: 'bitfield', bits: new Bitfield(4).toBytes() }));
      peer.link.send(encodeWireMessage({ type: 'interested' }));
      await swarm.runUntil(() => peer.received.some((m) => m.type === 'unchoke'), 5000, `${name} unchoked`);
      peer.link.send(encodeWireMessage({ type: 'request', chunkIndex: 2, offsetBytes: 0, lengthBytes: 16_384 }));
      await swarm.runUntil(() => peer.received.some((m) => m.type === 'reject'), 5000, `${name} refused`);
      return peer;
    };
    const first = await asking('first');
    await swarm.runFor(3 * REREAD_AFTER_FAILURE_MS);
    // Tried again while the peer refused it is there.
    expect(readsOfChunk2).toBeGreaterThan(1);
    first.link.close();
    await swarm.runFor(REREAD_AFTER_FAILURE_MS + 100);
    const afterLeaving = readsOfChunk2;
    await swarm.runFor(60_000);
    // Before: read every 5 s for good, with nobody to offer it to.
    expect(readsOfChunk2).toBe(afterLeaving);

    // Destroyed with a read again pending: nothing is read, nor a timer set, afterwards.
    await asking('second');
    source.engine.destroy();
    const atDestroy = readsOfChunk2;
    await swarm.runFor(60_000);
    expect(readsOfChunk2).toBe(atDestroy);
  });

  it('sends no block read meanwhile for a request cancelled, or of an offer fulfilled elsewhere, during the read', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    for (const meanwhile of ['cancel', 'have'] as const) {
      const swarm = new TestSwarm(file);
      const memory = MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES);
      // A seeder reading a picked file's slices: 200 ms a read.
      const slowRead: AsyncChunkStore = {
        get: (chunkIndex) => swarm.later(() => memory.get(chunkIndex), 200),
        put: (chunkIndex, bytes) => memory.put(chunkIndex, bytes),
      };
      const seeder = swarm.peer('seeder', { seed: true, asyncStore: slowRead, store: memory });
      const peer = swarm.rawPeer(seeder, file.contentId, 'peer', { latencyMs: 5 });
      const offers = () => peer.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
      await swarm.runUntil(() => offers().length > 0, 2000, 'an offer');
      const chunkIndex = offers()[0]!;
      const lengthBytes = TEST_ENGINE_CONFIG.blockBytes!;
      peer.link.send(encodeWireMessage({ type: 'request', chunkIndex, offsetBytes: 0, lengthBytes }));
      await swarm.runFor(50);
      // While the seeder reads the chunk: the peer cancels, or got the chunk elsewhere and says so.
      peer.link.send(
        encodeWireMessage(
          meanwhile === 'cancel'
            ? { type: 'cancel', chunkIndex, offsetBytes: 0, lengthBytes }
            : { type: 'have', chunkIndex },
        ),
      );
      await swarm.runFor(1000);
      // Before, the block went out all the same once read: the seeder's scarce upload spent for nothing.
      expect(peer.received.filter((m) => m.type === 'block').length, meanwhile).toBe(0);
      if (meanwhile === 'have')
        expect(peer.received.some((m) => m.type === 'reject' && m.chunkIndex === chunkIndex)).toBe(true);
    }
  });
});

describe('a store that reads a chunk back shorter than the manifest says', () => {
  it.each(['at once', 'later'] as const)(
    'has the request refused, as a failed read, and goes on serving the others (store answering %s)',
    async (answers) => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const memory = MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES);
      // Chunk 1 comes back cut short (a file truncated on disk): a block past its end was empty, and the wire
      // encoder threw; from a store answering later, the upload then stopped for good.
      const read = (chunkIndex: number) =>
        chunkIndex === 1 ? memory.get(1)!.subarray(0, 1000) : memory.get(chunkIndex);
      const truncated: AsyncChunkStore = {
        get: (chunkIndex) => (answers === 'later' ? swarm.later(() => read(chunkIndex)) : read(chunkIndex)),
        put: (chunkIndex, bytes) => memory.put(chunkIndex, bytes),
      };
      const source = swarm.peer('source', { completeLeecher: true, asyncStore: truncated, store: memory });
      const unreadable: unknown[] = [];
      source.engine.events.on('chunk-unreadable', ({ chunkIndex, error }) => unreadable.push([chunkIndex, error]));
      const raw = swarm.rawPeer(source, file.contentId, 'peer', { latencyMs: 5 });
      raw.link.send(encodeWireMessage({ type: 'bitfield', bits: new Bitfield(4).toBytes() }));
      raw.link.send(encodeWireMessage({ type: 'interested' }));
      await swarm.runUntil(() => raw.received.some((m) => m.type === 'unchoke'), 2000, 'unchoked');
      const lengthBytes = TEST_ENGINE_CONFIG.blockBytes!;
      for (const [chunkIndex, offsetBytes] of [
        [1, lengthBytes],
        [0, 0],
        [1, 0],
        [2, 0],
      ] as const)
        raw.link.send(encodeWireMessage({ type: 'request', chunkIndex, offsetBytes, lengthBytes }));
      await swarm.runFor(1000);
      const answered = raw.received.flatMap((m) =>
        m.type === 'block' || m.type === 'reject' ? [`${m.type} ${m.chunkIndex}:${m.offsetBytes}`] : [],
      );
      expect(answered).toEqual([`reject 1:${lengthBytes}`, 'block 0:0', 'reject 1:0', 'block 2:0']);
      expect(unreadable).toEqual([
        [1, expect.any(ShortChunkError)],
        [1, expect.any(ShortChunkError)],
      ]);
      expect(raw.closed()).toBe(false);
    },
  );
});

describe('a chunk whose check convicts a cheat', () => {
  it.each([
    [1, 'later'],
    [2, 'later'],
    [3, 'later'],
    [1, 'at once'],
    [2, 'at once'],
  ])(
    'seed %i, a store that answers %s: it is fetched and held once (fetched again; with a store that answers later held twice, and the leecher lost interest in its holder one chunk short)',
    async (seed, answers) => {
      const CHUNK = 32 * 1024; // two blocks
      const CHUNKS = 24;
      const file = await testFile(CHUNKS * CHUNK, CHUNK);
      const swarm = new TestSwarm(file, {
        firstRandomSeed: seed,
        config: { blockBytes: 16 * 1024, tickMs: 200, maxBadBlocksPerPeer: 1 },
      });
      const store = new LaterStore(swarm, new MemoryChunkStore(), [], 5);
      const victim = swarm.peer('victim', answers === 'later' ? { store: store.memory, asyncStore: store } : {});
      const verified: number[] = [];
      victim.engine.events.on('chunk-verified', ({ chunkIndex }) => verified.push(chunkIndex));
      const send = (raw: RawPeer, message: WireMessage): void => raw.link.send(encodeWireMessage(message));
      const blockFor = (request: Request, spoiled = false): WireMessage => {
        const start = request.chunkIndex * CHUNK + request.offsetBytes;
        const bytes = file.bytes.slice(start, start + request.lengthBytes);
        if (spoiled) bytes[3] = bytes[3]! ^ 0xff;
        return { type: 'block', chunkIndex: request.chunkIndex, offsetBytes: request.offsetBytes, bytes };
      };
      // C claims the file, spoils the first block of the first chunk it is asked for, refuses the second, and holds
      // every later request: the copy is shared with R, both are paroled, and C is convicted once it is fetched again.
      const cheat = swarm.rawPeer(victim, file.contentId, 'C', { latencyMs: 2 });
      // R holds the file and serves it; Q holds only the spoiled chunk (the clean copy that convicts C).
      const [holder, helper] = ['R', 'Q'].map((peerId) =>
        swarm.rawPeer(victim, file.contentId, peerId, { latencyMs: 2 }),
      );
      send(cheat, { type: 'bitfield', bits: Bitfield.full(CHUNKS).toBytes() });
      send(holder!, { type: 'bitfield', bits: Bitfield.full(CHUNKS).toBytes() });
      send(helper!, { type: 'bitfield', bits: new Bitfield(CHUNKS).toBytes() });
      for (const raw of [cheat, holder!, helper!]) send(raw, { type: 'unchoke' });
      let spoiledChunk: number | undefined;
      let helperTold = false;
      const seen = new Map<RawPeer, number>();
      const requestsOf = (raw: RawPeer): Request[] => {
        const fresh = raw.received.slice(seen.get(raw) ?? 0);
        seen.set(raw, raw.received.length);
        return fresh.filter((message): message is Request => message.type === 'request');
      };
      /** The chunks R or Q were asked for that were verified by the time the request came (it must be none). */
      const askedAfterHeld: number[] = [];
      const play = (): void => {
        for (const request of requestsOf(cheat)) {
          spoiledChunk ??= request.chunkIndex;
          if (request.chunkIndex !== spoiledChunk) continue;
          if (request.offsetBytes === 0) send(cheat, blockFor(request, true));
          else send(cheat, { ...request, type: 'reject' });
        }
        if (spoiledChunk !== undefined && !helperTold) {
          helperTold = true;
          send(helper!, { type: 'have', chunkIndex: spoiledChunk });
        }
        for (const request of requestsOf(helper!)) {
          if (verified.includes(request.chunkIndex)) askedAfterHeld.push(request.chunkIndex);
          send(helper!, blockFor(request));
        }
        for (const request of requestsOf(holder!)) {
          if (verified.includes(request.chunkIndex)) askedAfterHeld.push(request.chunkIndex);
          send(holder!, blockFor(request));
        }
      };
      await swarm.runUntil(
        () => {
          play();
          return victim.engine.isComplete;
        },
        30_000,
        'the victim complete',
      );
      // Before: 25 chunk-verified for 24 chunks, the chunk that convicted C fetched and held twice.
      expect(verified.length).toBe(CHUNKS);
      expect(new Set(verified).size).toBe(CHUNKS);
      expect(askedAfterHeld).toEqual([]);
      expect(await fileHashOf(victim, file)).toBe(file.sha256);
    },
  );
});
