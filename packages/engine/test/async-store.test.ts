import { Bitfield, chunkCount, webCryptoSha256 } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChunkStore, seededRandom, SwarmEngine, systemClock, type AsyncChunkStore } from '../src/index';
import {
  connect,
  fileHashOf,
  TEST_ENGINE_CONFIG,
  testFile,
  withTimeout,
  type TestFile,
  type TestPeer,
} from './swarm-harness';

const CHUNK_BYTES = 64 * 1024;
const engines: SwarmEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.destroy();
});

/** Answers on a later macrotask, as persistent browser storage would. */
function later<T>(answer: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(answer());
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    }, 1),
  );
}

/** A memory store behind an interface that answers later; `failPuts` chunks fail their first write. */
class LaterStore implements AsyncChunkStore {
  readonly memory: MemoryChunkStore;
  failedPuts = 0;
  readonly #failPuts: Set<number>;

  constructor(memory = new MemoryChunkStore(), failPuts: readonly number[] = []) {
    this.memory = memory;
    this.#failPuts = new Set(failPuts);
  }

  get(chunkIndex: number): Promise<Uint8Array | undefined> {
    return later(() => this.memory.get(chunkIndex));
  }

  put(chunkIndex: number, bytes: Uint8Array): Promise<void> {
    return later(() => {
      if (this.#failPuts.delete(chunkIndex)) {
        this.failedPuts++;
        throw new Error('quota exceeded');
      }
      this.memory.put(chunkIndex, bytes);
    });
  }
}

let nextSeed = 1;

function peerWith(file: TestFile, peerId: string, store: LaterStore | MemoryChunkStore, seed = false): TestPeer {
  const engine = new SwarmEngine({
    manifest: file.manifest,
    contentId: file.contentId,
    localPeerId: peerId,
    store,
    ...(seed ? { initialChunks: Bitfield.full(chunkCount(file.manifest)) } : {}),
    clock: systemClock,
    random: seededRandom(nextSeed++),
    sha256: webCryptoSha256,
    config: TEST_ENGINE_CONFIG,
  });
  engines.push(engine);
  const completed = new Promise<void>((resolve) => {
    if (engine.isComplete) resolve();
    engine.events.on('complete', () => resolve());
  });
  return { engine, store: store instanceof LaterStore ? store.memory : store, completed };
}

describe('SwarmEngine with a chunk store that answers later', () => {
  it('serves from it, and announces each chunk only once it is written', async () => {
    const file = await testFile(10 * CHUNK_BYTES + 777, CHUNK_BYTES);
    const seeder = peerWith(file, 'seeder', new LaterStore(MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES)), true);
    const laterStore = new LaterStore();
    const a = peerWith(file, 'a', laterStore);
    const b = peerWith(file, 'b', new MemoryChunkStore());
    const writtenWhenAnnounced: boolean[] = [];
    a.engine.events.on('chunk-verified', ({ chunkIndex }) =>
      writtenWhenAnnounced.push(laterStore.memory.get(chunkIndex) !== undefined),
    );
    connect(seeder, a);
    connect(seeder, b);
    connect(a, b);

    await withTimeout(Promise.all([a.completed, b.completed]), 20_000, 'leechers complete');

    expect(await fileHashOf(a, file)).toBe(file.sha256);
    expect(await fileHashOf(b, file)).toBe(file.sha256);
    expect(writtenWhenAnnounced).toEqual(new Array<boolean>(chunkCount(file.manifest)).fill(true));
  });

  it('fetches a chunk again when the store fails to keep it', async () => {
    const file = await testFile(6 * CHUNK_BYTES, CHUNK_BYTES);
    const seeder = peerWith(file, 'seeder', MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES), true);
    const store = new LaterStore(new MemoryChunkStore(), [0, 3]);
    const leecher = peerWith(file, 'leecher', store);
    connect(seeder, leecher);

    await withTimeout(leecher.completed, 20_000, 'leecher completes');

    expect(store.failedPuts).toBe(2);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });
});
