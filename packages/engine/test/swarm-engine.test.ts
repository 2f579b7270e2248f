import { encodeWireMessage } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChunkStore, type DropReason, type PeerLink } from '../src/index';
import { connect, fileHashOf, rawPeer, testFile, testPeer, until, withTimeout, type TestPeer } from './swarm-harness';

const CHUNK_BYTES = 64 * 1024;
const peers: TestPeer[] = [];

function track(peer: TestPeer): TestPeer {
  peers.push(peer);
  return peer;
}

afterEach(() => {
  for (const peer of peers.splice(0)) peer.engine.destroy();
});

describe('SwarmEngine over in-memory links', () => {
  it('a seeder and four leechers all end with the seeder’s bytes, trading among themselves', async () => {
    const file = await testFile(40 * CHUNK_BYTES + 1234, CHUNK_BYTES);
    const seeder = track(testPeer(file, 'seeder', { seed: true }));
    const leechers = ['a', 'b', 'c', 'd'].map((id) => track(testPeer(file, id)));
    // The seeder's links are slow, the leechers' fast: the leechers must get most chunks from each other.
    for (const leecher of leechers) connect(seeder, leecher, { bytesPerSec: 500_000 });
    for (let i = 0; i < leechers.length; i++)
      for (let j = i + 1; j < leechers.length; j++) connect(leechers[i]!, leechers[j]!, { bytesPerSec: 20_000_000 });

    await withTimeout(Promise.all(leechers.map((l) => l.completed)), 20_000, 'leechers complete');

    for (const leecher of leechers) expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    const uploadedByLeechers = leechers.reduce((sum, l) => sum + l.engine.snapshot().uploadedBytes, 0);
    const uploadedBySeeder = seeder.engine.snapshot().uploadedBytes;
    // The leechers served at least a whole copy among themselves; the seeder sent every chunk at least once.
    expect(uploadedByLeechers).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
    expect(uploadedBySeeder).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
  });

  it('a late joiner completes from the leechers after the seeder has left', async () => {
    const file = await testFile(12 * CHUNK_BYTES, CHUNK_BYTES);
    const seeder = track(testPeer(file, 'seeder', { seed: true }));
    const [a, b] = ['a', 'b'].map((id) => track(testPeer(file, id))) as [TestPeer, TestPeer];
    connect(seeder, a);
    connect(seeder, b);
    connect(a, b);
    await withTimeout(Promise.all([a.completed, b.completed]), 10_000, 'first leechers');
    seeder.engine.destroy();

    const late = track(testPeer(file, 'late'));
    connect(a, late);
    connect(b, late);
    await withTimeout(late.completed, 10_000, 'late joiner');
    expect(await fileHashOf(late, file)).toBe(file.sha256);
  });

  it('a peer that vanishes mid-transfer costs only its outstanding requests', async () => {
    const file = await testFile(30 * CHUNK_BYTES, CHUNK_BYTES);
    const steady = track(testPeer(file, 'steady', { seed: true }));
    const vanishing = track(testPeer(file, 'vanishing', { seed: true }));
    const leecher = track(testPeer(file, 'leecher'));
    connect(steady, leecher, { bytesPerSec: 4_000_000 });
    connect(vanishing, leecher, { bytesPerSec: 4_000_000 });
    leecher.engine.events.on('chunk-verified', () => {
      if (leecher.engine.snapshot().chunksHeld === 5) vanishing.engine.destroy();
    });
    await withTimeout(leecher.completed, 10_000, 'leecher after a peer vanished');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('discards chunks that fail their hash, drops the peer that sent them, and completes from honest peers', async () => {
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const corrupted = file.bytes.slice();
    for (let offset = 100; offset < corrupted.length; offset += CHUNK_BYTES) corrupted[offset]! ^= 0xff;
    const liar = track(
      testPeer(file, 'liar', { seed: true, store: MemoryChunkStore.fromFile(corrupted, CHUNK_BYTES) }),
    );
    const honest = track(testPeer(file, 'honest', { seed: true }));
    const leecher = track(testPeer(file, 'leecher'));
    const rejected: number[] = [];
    const dropped: DropReason[] = [];
    leecher.engine.events.on('chunk-rejected', ({ chunkIndex }) => rejected.push(chunkIndex));
    leecher.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
    connect(liar, leecher);
    connect(honest, leecher, { bytesPerSec: 2_000_000 });

    await withTimeout(leecher.completed, 10_000, 'leecher despite a liar');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    expect(rejected.length).toBeGreaterThan(0);
    expect(dropped).toEqual(['bad-blocks']);
  });

  describe('a peer speaking garbage is dropped and nobody else notices', () => {
    async function misbehave(messages: (raw: PeerLink) => void): Promise<DropReason[]> {
      const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
      const seeder = track(testPeer(file, 'seeder', { seed: true }));
      const leecher = track(testPeer(file, 'leecher'));
      const dropped: DropReason[] = [];
      seeder.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
      messages(rawPeer(seeder, file.contentId).link);
      connect(seeder, leecher);
      await withTimeout(leecher.completed, 10_000, 'honest leecher');
      expect(await fileHashOf(leecher, file)).toBe(file.sha256);
      return dropped;
    }

    it('undecodable bytes', async () => {
      expect(await misbehave((rogue) => rogue.send(Uint8Array.of(250, 1, 2, 3)))).toEqual(['protocol-violation']);
    });

    it('a request for a chunk index out of range', async () => {
      const dropped = await misbehave((rogue) =>
        rogue.send(encodeWireMessage({ type: 'request', chunkIndex: 999, offsetBytes: 0, lengthBytes: 1024 })),
      );
      expect(dropped).toEqual(['protocol-violation']);
    });

    it('a block that was never requested', async () => {
      const dropped = await misbehave((rogue) =>
        rogue.send(encodeWireMessage({ type: 'block', chunkIndex: 0, offsetBytes: 0, bytes: new Uint8Array(16) })),
      );
      expect(dropped).toEqual(['protocol-violation']);
    });

    it('a flood of requests', async () => {
      const dropped = await misbehave((rogue) => {
        rogue.send(encodeWireMessage({ type: 'interested' }));
        for (let i = 0; i < 2000; i++)
          rogue.send(encodeWireMessage({ type: 'request', chunkIndex: 0, offsetBytes: 0, lengthBytes: 16 * 1024 }));
      });
      expect(dropped).toEqual(['request-flood']);
    });

    it('a request to a super-seeder for a chunk it did not offer is answered with a reject for that block', async () => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const seeder = track(testPeer(file, 'seeder', { seed: true }));
      const rogue = rawPeer(seeder, file.contentId);
      // A super-seeder offers one chunk at a time; a request for another one is refused.
      await until(() => rogue.received.some((m) => m.type === 'have'), 2000, 'an offer');
      const offer = rogue.received.find((m) => m.type === 'have');
      const notOffered = {
        chunkIndex: ((offer?.type === 'have' ? offer.chunkIndex : 0) + 1) % 4,
        offsetBytes: 16 * 1024,
        lengthBytes: 16 * 1024,
      };
      rogue.link.send(encodeWireMessage({ type: 'request', ...notOffered }));
      await until(() => rogue.received.some((m) => m.type === 'reject'), 2000, 'a reject');
      expect(rogue.received.filter((m) => m.type === 'reject')).toEqual([{ type: 'reject', ...notOffered }]);
      expect(rogue.received.some((m) => m.type === 'request')).toBe(false);
    });

    it('a handshake for another file', async () => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const seeder = track(testPeer(file, 'seeder', { seed: true }));
      const dropped: DropReason[] = [];
      seeder.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
      const rogue = rawPeer(seeder, '0'.repeat(64));
      await until(rogue.closed, 2000, 'rogue link closed');
      expect(dropped).toEqual(['handshake-mismatch']);
    });
  });
});
