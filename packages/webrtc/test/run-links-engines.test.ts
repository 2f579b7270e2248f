import {
  assembleFile,
  createMemoryLinkPair,
  MemoryChunkStore,
  seededRandom,
  SwarmEngine,
  systemClock,
  type ChunkStore,
} from '@swarmlab/engine';
import {
  Bitfield,
  buildManifest,
  chunkCount,
  contentIdOf,
  sha256Hex,
  webCryptoSha256,
  type Manifest,
} from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RunLinks } from '../src/index';

const CHUNK_BYTES = 64 * 1024;
const FILE_BYTES = 12 * CHUNK_BYTES + 777;

interface TestFile {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly manifest: Manifest;
  readonly contentId: string;
}

async function testFile(): Promise<TestFile> {
  const random = seededRandom(7);
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  const manifest = await buildManifest({
    name: 'runs.bin',
    sizeBytes: bytes.length,
    chunkBytes: CHUNK_BYTES,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { bytes, sha256: await sha256Hex(bytes), manifest, contentId: await contentIdOf(manifest) };
}

interface RunPeer {
  readonly engine: SwarmEngine;
  readonly store: ChunkStore;
  readonly completed: Promise<void>;
}

const engines: SwarmEngine[] = [];

afterEach(() => {
  for (const engine of engines.splice(0)) engine.destroy();
});

/** A fresh engine for one run: the seeder with the whole file, the leecher with an empty store. */
function runPeer(file: TestFile, peerId: string, seed: boolean, randomSeed: number): RunPeer {
  const store = seed ? MemoryChunkStore.fromFile(file.bytes, CHUNK_BYTES) : new MemoryChunkStore();
  const engine = new SwarmEngine({
    manifest: file.manifest,
    contentId: file.contentId,
    localPeerId: peerId,
    store,
    ...(seed ? { initialChunks: Bitfield.full(chunkCount(file.manifest)) } : {}),
    clock: systemClock,
    random: seededRandom(randomSeed),
    sha256: webCryptoSha256,
    config: { blockBytes: 16 * 1024, tickMs: 200 },
  });
  engines.push(engine);
  const completed = new Promise<void>((resolve) => {
    if (engine.isComplete) resolve();
    engine.events.on('complete', () => resolve());
  });
  return { engine, store, completed };
}

async function fileHashOf(peer: RunPeer, file: TestFile): Promise<string> {
  const bytes = assembleFile(peer.store, chunkCount(file.manifest), file.manifest.sizeBytes);
  return bytes ? sha256Hex(bytes) : 'incomplete';
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), timeoutMs)),
  ]);
}

describe('RunLinks under real engines', () => {
  it('two runs over one transport pair: a fresh leecher gets the whole file each time', async () => {
    const file = await testFile();
    const [seederTransport, leecherTransport] = createMemoryLinkPair('seeder', 'leecher', {
      clock: systemClock,
      bytesPerSec: 20_000_000,
    });
    const seederRuns = new RunLinks(seederTransport);
    const leecherRuns = new RunLinks(leecherTransport);

    for (const runNumber of [1, 2]) {
      const seeder = runPeer(file, 'seeder', true, runNumber * 10);
      const leecher = runPeer(file, 'leecher', false, runNumber * 10 + 1);
      // A message leaking from one run into the next would be a protocol violation here.
      const dropped: string[] = [];
      for (const { engine } of [seeder, leecher])
        engine.events.on('peer-dropped', ({ detail }) => dropped.push(`${engine.localPeerId}: ${detail}`));
      seeder.engine.addLink(seederRuns.open(runNumber));
      // The leecher joins each run a little later: the seeder's first messages wait for it.
      await new Promise((resolve) => setTimeout(resolve, 30));
      leecher.engine.addLink(leecherRuns.open(runNumber));

      await withTimeout(leecher.completed, 10_000, `leecher completes run ${runNumber}`);
      expect(await fileHashOf(leecher, file)).toBe(file.sha256);
      expect(leecher.engine.snapshot().downloadedBytes).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
      expect(dropped).toEqual([]);
      seeder.engine.destroy();
      leecher.engine.destroy();
    }
    expect(seederRuns.closed || leecherRuns.closed).toBe(false);
  });
});
