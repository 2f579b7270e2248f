import {
  Bitfield,
  buildManifest,
  decodeWireMessage,
  encodeWireMessage,
  PROTOCOL_VERSION,
  type WireMessage,
  chunkCount,
  contentIdOf,
  sha256Hex,
  webCryptoSha256,
  type Manifest,
} from '@swarmlab/protocol';
import {
  assembleFile,
  createMemoryLinkPair,
  MemoryChunkStore,
  seededRandom,
  SwarmEngine,
  systemClock,
  type ChunkStore,
  type EngineConfig,
  type MemoryLinkOptions,
  type PeerLink,
} from '../src/index';

export interface TestFile {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly manifest: Manifest;
  readonly contentId: string;
}

/** Deterministic pseudo-random file content. */
export function fileBytes(sizeBytes: number, seed = 1): Uint8Array {
  const random = seededRandom(seed);
  const bytes = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

export async function testFile(sizeBytes: number, chunkBytes: number): Promise<TestFile> {
  const bytes = fileBytes(sizeBytes);
  const manifest = await buildManifest({
    name: 'test.bin',
    sizeBytes,
    chunkBytes,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { bytes, sha256: await sha256Hex(bytes), manifest, contentId: await contentIdOf(manifest) };
}

export const TEST_ENGINE_CONFIG: Partial<EngineConfig> = { blockBytes: 16 * 1024, tickMs: 200 };

export interface TestPeer {
  readonly engine: SwarmEngine;
  readonly store: ChunkStore;
  readonly completed: Promise<void>;
}

let nextSeed = 1;

/** A peer on the system clock; a seeder when `seed` is given the file. */
export function testPeer(
  file: TestFile,
  peerId: string,
  options: { seed?: boolean; store?: ChunkStore } = {},
): TestPeer {
  const count = chunkCount(file.manifest);
  const store =
    options.store ??
    (options.seed ? MemoryChunkStore.fromFile(file.bytes, file.manifest.chunkBytes) : new MemoryChunkStore());
  const engine = new SwarmEngine({
    manifest: file.manifest,
    contentId: file.contentId,
    localPeerId: peerId,
    store,
    ...(options.seed ? { initialChunks: Bitfield.full(count) } : {}),
    clock: systemClock,
    random: seededRandom(nextSeed++),
    sha256: webCryptoSha256,
    config: TEST_ENGINE_CONFIG,
  });
  const completed = new Promise<void>((resolve) => {
    if (engine.isComplete) resolve();
    engine.events.on('complete', () => resolve());
  });
  return { engine, store, completed };
}

export function connect(a: TestPeer, b: TestPeer, options: Partial<MemoryLinkOptions> = {}): void {
  const [aToB, bToA] = createMemoryLinkPair(a.engine.localPeerId, b.engine.localPeerId, {
    clock: systemClock,
    ...options,
  });
  a.engine.addLink(aToB);
  b.engine.addLink(bToA);
}

/** SHA-256 (hex) of the file a peer holds, or 'incomplete'. Comparing hashes keeps failures readable. */
export async function fileHashOf(peer: TestPeer, file: TestFile): Promise<string> {
  const bytes = assembleFile(peer.store, chunkCount(file.manifest), file.manifest.sizeBytes);
  return bytes ? sha256Hex(bytes) : 'incomplete';
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), timeoutMs)),
  ]);
}

/** What a hand-driven raw peer ("rogue") has received, decoded. */
export interface RawPeer {
  readonly link: PeerLink;
  readonly received: WireMessage[];
  readonly closed: () => boolean;
}

/**
 * Connects a raw link driven by the test to `peer` and sends a valid handshake for `contentId` from it,
 * so the test can then send whatever it likes.
 */
export function rawPeer(peer: TestPeer, contentId: string, rawPeerId = 'rogue'): RawPeer {
  const [toRaw, raw] = createMemoryLinkPair(peer.engine.localPeerId, rawPeerId, { clock: systemClock });
  const received: WireMessage[] = [];
  let closed = false;
  raw.attach({
    message: (bytes) => {
      const decoded = decodeWireMessage(bytes);
      if (decoded.ok) received.push(decoded.message);
    },
    decoded: (message) => received.push(message),
    drain: () => {},
    close: () => (closed = true),
  });
  peer.engine.addLink(toRaw);
  raw.send(encodeWireMessage({ type: 'handshake', protocolVersion: PROTOCOL_VERSION, contentId, peerId: rawPeerId }));
  return { link: raw, received, closed: () => closed };
}

/** Resolves once `condition` holds, polling every few milliseconds; rejects after `timeoutMs`. */
export function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => {
      const poll = (): void => {
        if (condition()) resolve();
        else setTimeout(poll, 5);
      };
      poll();
    }),
    timeoutMs,
    what,
  );
}
