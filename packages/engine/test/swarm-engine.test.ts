import {
  Bitfield,
  decodeWireMessage,
  encodeWireMessage,
  MIN_CAP_BYTES_PER_SEC,
  PROTOCOL_VERSION,
  type WireMessage,
} from '@swarmlab/protocol';
import { fileHashOf, TEST_ENGINE_CONFIG, testFile, TestSwarm, type TestPeer } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENGINE_CONFIG,
  MemoryChunkStore,
  type DropReason,
  type PeerLink,
  type PeerLinkHandlers,
} from '../src/index';

/**
 * The engine's end of `link`, whose sends close it once `failing()` holds, inside the send, as `simple-peer-link`
 * does for a data channel that is closing (Chromium may keep one "closing" for seconds).
 */
function closingOnSend(link: PeerLink, failing: () => boolean): PeerLink {
  let handlers: PeerLinkHandlers | undefined;
  return {
    remotePeerId: link.remotePeerId,
    copiesOnSend: true,
    get bufferedBytes() {
      return link.bufferedBytes;
    },
    send(bytes) {
      if (!failing()) return link.send(bytes);
      link.close();
      handlers?.close('send failed: the channel is closing');
    },
    attach(next) {
      handlers = next;
      link.attach(next);
    },
    close: () => link.close(),
  };
}

// Every swarm here runs on its own virtual clock (`TestSwarm`): it moves only while the test runs it,
// so the time limits below are test-clock time, and nothing waits on the wall clock.

const CHUNK_BYTES = 64 * 1024;

describe('SwarmEngine over in-memory links', () => {
  it('a seeder and four leechers all end with the seeder’s bytes, trading among themselves', async () => {
    const file = await testFile(40 * CHUNK_BYTES + 1234, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const leechers = ['a', 'b', 'c', 'd'].map((id) => swarm.peer(id));
    // The seeder's links are slow, the leechers' fast: the leechers must get most chunks from each other.
    for (const leecher of leechers) swarm.connect(seeder, leecher, { bytesPerSec: 500_000 });
    for (let i = 0; i < leechers.length; i++)
      for (let j = i + 1; j < leechers.length; j++)
        swarm.connect(leechers[i]!, leechers[j]!, { bytesPerSec: 20_000_000 });

    await swarm.runUntil(() => leechers.every((l) => l.engine.isComplete), 20_000, 'leechers complete');

    for (const leecher of leechers) expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    const uploadedByLeechers = leechers.reduce((sum, l) => sum + l.engine.snapshot().uploadedBytes, 0);
    const uploadedBySeeder = seeder.engine.snapshot().uploadedBytes;
    // The leechers served at least a whole copy among themselves; the seeder sent every chunk at least once.
    expect(uploadedByLeechers).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
    expect(uploadedBySeeder).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
  });

  it('counts the bytes sent to each peer, kept after it leaves, adding up to the upload', async () => {
    const file = await testFile(12 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const [a, b] = ['a', 'b'].map((id) => swarm.peer(id)) as [TestPeer, TestPeer];
    swarm.connect(seeder, a);
    swarm.connect(seeder, b);
    swarm.connect(a, b);
    await swarm.runUntil(() => a.engine.isComplete && b.engine.isComplete, 10_000, 'leechers complete');
    a.engine.destroy();
    await swarm.runUntil(() => seeder.engine.snapshot().peers.length === 1, 1_000, 'the seeder sees a leave');

    for (const peer of [seeder, b]) {
      const { sentBytesByPeer, uploadedBytes } = peer.engine.snapshot();
      expect([...sentBytesByPeer.values()].reduce((sum, bytes) => sum + bytes, 0)).toBe(uploadedBytes);
    }
    const fromSeeder = seeder.engine.snapshot().sentBytesByPeer;
    expect([...fromSeeder.keys()].sort()).toEqual(['a', 'b']); // a's count outlives its link
    // What a received, its senders say they sent: the file at least.
    const toA = (fromSeeder.get('a') ?? 0) + (b.engine.snapshot().sentBytesByPeer.get('a') ?? 0);
    expect(toA).toBeGreaterThanOrEqual(file.manifest.sizeBytes);
  });

  /** Seeds a leecher over a link whose seeder end keeps every block message it is given, uncopied. */
  async function blocksSentOver(copiesOnSend: boolean): Promise<{ blocks: Uint8Array[]; complete: boolean }> {
    const file = await testFile(6 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const leecher = swarm.peer('leecher');
    const [toLeecher, toSeeder] = swarm.linkPair('seeder', 'leecher');
    const blocks: Uint8Array[] = [];
    const keeping: PeerLink = {
      remotePeerId: toLeecher.remotePeerId,
      copiesOnSend,
      get bufferedBytes() {
        return toLeecher.bufferedBytes;
      },
      send(bytes) {
        const decoded = decodeWireMessage(bytes);
        if (decoded.ok && decoded.message.type === 'block') blocks.push(bytes);
        toLeecher.send(bytes);
      },
      attach: (handlers) => toLeecher.attach(handlers),
      close: () => toLeecher.close(),
    };
    seeder.engine.addLink(keeping);
    leecher.engine.addLink(toSeeder);
    await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'the leecher completes');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    // Each block as it is now: a reused buffer would hold the last block sent in every one of them.
    const payloadsNow = blocks.map((bytes) => {
      const decoded = decodeWireMessage(bytes);
      if (!decoded.ok || decoded.message.type !== 'block') throw new Error('not a block any more');
      const { chunkIndex, offsetBytes, bytes: payload } = decoded.message;
      const start = chunkIndex * CHUNK_BYTES + offsetBytes;
      return payload.every((byte, i) => byte === file.bytes[start + i]);
    });
    return { blocks, complete: payloadsNow.every(Boolean) };
  }

  it('encodes every block into one buffer over links that copy on send', async () => {
    const { blocks } = await blocksSentOver(true);
    expect(blocks.length).toBeGreaterThan(6);
    expect(new Set(blocks.map((bytes) => bytes.buffer)).size).toBe(1);
  });

  it('gives every block a buffer of its own over links that keep what they are sent', async () => {
    const { blocks, complete } = await blocksSentOver(false);
    expect(new Set(blocks.map((bytes) => bytes.buffer)).size).toBe(blocks.length);
    expect(complete).toBe(true); // no block was overwritten after it was sent
  });

  it('in client-server, a leecher that starts complete (its page reloaded) serves nobody: the seeder alone uploads', async () => {
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true, mode: 'client-server' });
    const reloaded = swarm.peer('reloaded', { completeLeecher: true, mode: 'client-server' });
    const newcomer = swarm.peer('newcomer', { mode: 'client-server' });
    // The seeder's link is slow, the reloaded leecher's fast: it would be the newcomer's first choice.
    swarm.connect(seeder, newcomer, { bytesPerSec: 1_000_000 });
    swarm.connect(reloaded, newcomer, { bytesPerSec: 50_000_000 });
    swarm.connect(seeder, reloaded);
    await swarm.runUntil(() => newcomer.engine.isComplete, 20_000, 'the newcomer completes');
    expect(await fileHashOf(newcomer, file)).toBe(file.sha256);
    expect(reloaded.engine.snapshot().uploadedBytes).toBe(0);
    expect(reloaded.engine.isComplete).toBe(true);
  });

  it('a late joiner completes from the leechers after the seeder has left', async () => {
    const file = await testFile(12 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const [a, b] = ['a', 'b'].map((id) => swarm.peer(id)) as [TestPeer, TestPeer];
    swarm.connect(seeder, a);
    swarm.connect(seeder, b);
    swarm.connect(a, b);
    await swarm.runUntil(() => a.engine.isComplete && b.engine.isComplete, 10_000, 'first leechers');
    seeder.engine.destroy();

    const late = swarm.peer('late');
    swarm.connect(a, late);
    swarm.connect(b, late);
    await swarm.runUntil(() => late.engine.isComplete, 10_000, 'late joiner');
    expect(await fileHashOf(late, file)).toBe(file.sha256);
  });

  /** Two seeders and a leecher; one seeder vanishes once the leecher holds 5 chunks. */
  async function seederVanishes(firstRandomSeed: number): Promise<void> {
    const file = await testFile(30 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file, { firstRandomSeed });
    const steady = swarm.peer('steady', { seed: true });
    const vanishing = swarm.peer('vanishing', { seed: true });
    const leecher = swarm.peer('leecher');
    swarm.connect(steady, leecher, { bytesPerSec: 4_000_000 });
    swarm.connect(vanishing, leecher, { bytesPerSec: 4_000_000 });
    leecher.engine.events.on('chunk-verified', () => {
      if (leecher.engine.snapshot().chunksHeld === 5) vanishing.engine.destroy();
    });
    await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'leecher after a peer vanished');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  }

  // Random seed 4: the vanishing seeder leaves with nothing of the leecher's half done.
  it('a peer that vanishes mid-transfer costs only its outstanding requests', () => seederVanishes(4));

  // Random seed 1 (most seeds do this): the leecher got part of a chunk from the vanishing seeder, then the
  // steady super-seeder offered it that chunk and sent only the rest. The leecher's `have` fulfils the offer,
  // so the next chunk is offered (once, this stalled the leecher: the offer waited for the whole chunk).
  it('a super-seeder whose offered chunk reached the peer partly from elsewhere moves on', () => seederVanishes(1));

  it('a super-seeder takes the peer’s have of the offered chunk as fulfilling the offer, and offers another at once', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const peer = swarm.rawPeer(seeder, file.contentId, 'elsewhere');
    const offers = () => peer.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
    await swarm.runUntil(() => offers().length > 0, 2000, 'an offer');
    // The peer got the chunk from someone else: it announces it without asking the seeder for a byte.
    peer.link.send(encodeWireMessage({ type: 'have', chunkIndex: offers()[0]! }));
    const withinMs = DEFAULT_ENGINE_CONFIG.superSeedOfferTimeoutMs / 2; // not a stale offer moving on
    await swarm.runUntil(() => offers().length > 1, withinMs, 'the next offer');
    expect(new Set(offers()).size).toBe(2);
  });

  it('a capped link charges a file smaller than a block its own time, not a whole block’s', async () => {
    const file = await testFile(1000, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    // 10 kB/s: the file's 1,000 bytes take 0.1 s; the 16 KiB block the link started in debt for took 1.6 s.
    const seeder = swarm.peer('seeder', { seed: true, linkCaps: { uploadBytesPerSec: MIN_CAP_BYTES_PER_SEC } });
    const leecher = swarm.peer('leecher');
    swarm.connect(seeder, leecher, { latencyMs: 5 });
    await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'the leecher');
    const tookMs = swarm.clock.nowMs();
    expect(tookMs).toBeGreaterThanOrEqual(100); // never under the bound
    expect(tookMs).toBeLessThan(600);
  });

  it('a super-seeder sends no more of an offer fulfilled elsewhere: the requests it queued for it are refused', async () => {
    const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES); // 4 blocks a chunk
    const swarm = new TestSwarm(file);
    // 10 kB/s: a 16 KiB block leaves every 1.6 s, so the offered chunk's requests wait in the seeder's queue.
    const seeder = swarm.peer('seeder', { seed: true, linkCaps: { uploadBytesPerSec: MIN_CAP_BYTES_PER_SEC } });
    const peer = swarm.rawPeer(seeder, file.contentId, 'elsewhere', { latencyMs: 5 });
    const offers = () => peer.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
    await swarm.runUntil(() => offers().length > 0, 2000, 'an offer');
    const offered = offers()[0]!;
    const { blockBytes } = TEST_ENGINE_CONFIG;
    for (let offsetBytes = 0; offsetBytes < CHUNK_BYTES; offsetBytes += blockBytes!)
      peer.link.send(
        encodeWireMessage({ type: 'request', chunkIndex: offered, offsetBytes, lengthBytes: blockBytes! }),
      );
    const blocks = () => peer.received.filter((m) => m.type === 'block' && m.chunkIndex === offered).length;
    await swarm.runUntil(() => blocks() >= 1, 5000, 'its first block');
    // It got the chunk from another peer, and says so: the offer is fulfilled, and the chunk in the swarm.
    peer.link.send(encodeWireMessage({ type: 'have', chunkIndex: offered }));
    const before = blocks();
    await swarm.runFor(10_000);
    // Before, the 3 other blocks queued went out all the same: the seeder's scarce upload spent on a chunk held.
    expect(blocks() - before).toBeLessThanOrEqual(1);
    expect(peer.received.filter((m) => m.type === 'reject' && m.chunkIndex === offered).length).toBeGreaterThan(0);
  });

  it('a super-seeder keeps its offers to leechers whose download is capped at the least a run allows', async () => {
    const file = await testFile(8 * 256 * 1024, 256 * 1024);
    // The engine's real block size: at 10 kB/s a capped leecher asks for a 32 KiB block every 3.3 s.
    const swarm = new TestSwarm(file, { config: { blockBytes: DEFAULT_ENGINE_CONFIG.blockBytes } });
    const seeder = swarm.peer('seeder', { seed: true });
    const leechers = ['a', 'b', 'c'].map((peerId) =>
      swarm.peer(peerId, { linkCaps: { downloadBytesPerSec: MIN_CAP_BYTES_PER_SEC } }),
    );
    for (const [i, leecher] of leechers.entries()) {
      swarm.connect(seeder, leecher, { latencyMs: 20 });
      for (const other of leechers.slice(i + 1)) swarm.connect(leecher, other, { latencyMs: 20 });
    }
    const uploaded = () => seeder.engine.snapshot().peers.reduce((sum, peer) => sum + peer.uploadedBytes, 0);
    await swarm.runUntil(() => !seeder.engine.isSuperSeeding, 600_000, 'every chunk in the swarm');
    // Each chunk once, as super-seeding promises. Before, a tick between two of a leecher's requests withdrew its
    // offer (3 s without a block) and offered the chunk to another from nothing: 1.83 × the file.
    expect(uploaded() / file.bytes.length).toBeLessThan(1.05);
    await swarm.runUntil(() => leechers.every((leecher) => leecher.engine.isComplete), 600_000, 'the leechers');
    for (const leecher of leechers) expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('a peer that closes while its bitfield is taken in leaves its holdings column clean for the next', async () => {
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    let failing = false;
    const closing = swarm.rawPeer(seeder, file.contentId, 'closing', {
      engineSide: (link) => closingOnSend(link, () => failing),
    });
    const offered = () => closing.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
    await swarm.runUntil(() => offered().length > 0, 2000, 'an offer');
    // Its bitfield holds the chunk offered to it, and most others: the offer is fulfilled, the next one's send
    // closes it, and the rest of its bitfield came after.
    const bits = Bitfield.full(16);
    bits.unset((offered()[0]! + 1) % 16);
    failing = true;
    closing.link.send(encodeWireMessage({ type: 'bitfield', bits: bits.toBytes() }));
    await swarm.runUntil(() => closing.closed(), 1000, 'its link closed');
    const dropped: string[] = [];
    seeder.engine.events.on('peer-dropped', ({ peerId, reason }) => dropped.push(`${peerId}: ${reason}`));
    const newcomer = swarm.rawPeer(seeder, file.contentId, 'newcomer');
    newcomer.link.send(encodeWireMessage({ type: 'bitfield', bits: new Bitfield(16).toBytes() }));
    await swarm.runFor(500);
    // Before, its column (given to the newcomer) still held its chunks: the newcomer's bitfield was "a second one".
    expect(dropped).toEqual([]);
    expect(newcomer.closed()).toBe(false);
  });

  it('a super-seeder whose offer to a peer fails as it is sent (its channel closing) offers on to the others, its tick alive', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const steady = swarm.rawPeer(seeder, file.contentId, 'steady');
    // The other peer's data channel is closing: a send throws, and the link closes inside it, as
    // `simple-peer-link` does (Chromium may keep a channel "closing" for seconds).
    let failing = false;
    const closing = swarm.rawPeer(seeder, file.contentId, 'closing', {
      engineSide: (link) => closingOnSend(link, () => failing),
    });
    const offersTo = (peer: typeof steady) => peer.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
    await swarm.runUntil(() => offersTo(steady).length > 0 && offersTo(closing).length > 0, 2000, 'offers to both');
    failing = true;
    // Neither asks for its chunk: the offers go stale, and the tick offers again, to both.
    const before = offersTo(steady).length;
    const staleMs = DEFAULT_ENGINE_CONFIG.superSeedOfferTimeoutMs;
    await swarm.runUntil(
      () => offersTo(steady).length >= before + 2,
      4 * staleMs,
      'offers going on to the steady peer',
    );
    expect(closing.closed()).toBe(true);
  });

  it.each([
    ['a super-seeder', { seed: true }],
    ['a complete leecher', { completeLeecher: true }],
  ] as const)('%s sends nothing as it is destroyed, however its links tell of their close', async (_name, role) => {
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const engine = swarm.peer('seeder', role).engine;
    let destroying = false;
    const sentWhileDestroyed: string[] = [];
    // Links that tell the engine of their own close at once, as `simple-peer-link` and `RunScopedLink` do.
    const links = ['a', 'b', 'c', 'd'].map((peerId) => {
      let handlers: PeerLinkHandlers | undefined;
      let closed = false;
      const link: PeerLink = {
        remotePeerId: peerId,
        bufferedBytes: 0,
        send(bytes) {
          const decoded = decodeWireMessage(bytes);
          if (destroying && !closed && decoded.ok) sentWhileDestroyed.push(`${peerId}: ${decoded.message.type}`);
        },
        attach: (next) => void (handlers = next),
        close() {
          if (closed) return;
          closed = true;
          handlers?.close('closed locally');
        },
      };
      return { link, deliver: (message: WireMessage) => handlers!.message(encodeWireMessage(message)) };
    });
    for (const { link, deliver } of links) {
      engine.addLink(link);
      const { contentId } = file;
      deliver({ type: 'handshake', protocolVersion: PROTOCOL_VERSION, contentId, peerId: link.remotePeerId });
      deliver({ type: 'bitfield', bits: new Bitfield(16).toBytes() });
      deliver({ type: 'interested' });
    }
    await swarm.runFor(50);
    destroying = true;
    engine.destroy();
    // Before: each close made the choke control unchoke the peers still open, or offer them chunks.
    expect(sentWhileDestroyed).toEqual([]);
  });

  it('a peer that refuses every request is asked each chunk once, not again and again (nor the file held for it)', async () => {
    const file = await testFile(64 * CHUNK_BYTES, CHUNK_BYTES);
    const maxIdleChunks = 8;
    const swarm = new TestSwarm(file, { config: { maxIdleChunks } });
    const leecher = swarm.peer('leecher');
    // It claims every chunk and unchokes us, then refuses each request (a seeder whose file changed on disk).
    const refuser = swarm.rawPeer(leecher, file.contentId, 'refuser');
    refuser.link.send(encodeWireMessage({ type: 'bitfield', bits: Bitfield.full(64).toBytes() }));
    refuser.link.send(encodeWireMessage({ type: 'unchoke' }));
    const begun = new Set<number>();
    let answered = 0;
    const refuseAll = (): void => {
      for (; answered < refuser.received.length; answered++) {
        const message = refuser.received[answered]!;
        if (message.type !== 'request') continue;
        begun.add(message.chunkIndex);
        const { chunkIndex, offsetBytes, lengthBytes } = message;
        refuser.link.send(encodeWireMessage({ type: 'reject', chunkIndex, offsetBytes, lengthBytes }));
      }
    };
    const endMs = swarm.clock.nowMs() + 10_000;
    swarm.clock.at(endMs, () => {});
    await swarm.runUntil(
      () => {
        refuseAll();
        return swarm.clock.nowMs() >= endMs;
      },
      10_000,
      'ten seconds of refusals',
    );
    // Refused, a chunk no longer counts as the peer's: past `maxIdleChunks` such begun chunks are forgotten (a begun
    // chunk makes its buffer only as its first block comes, so none holds memory), and each block asked once.
    const requests = refuser.received.filter((message) => message.type === 'request').length;
    expect(begun.size).toBe(64);
    expect(requests).toBeLessThanOrEqual(begun.size * Math.ceil(CHUNK_BYTES / DEFAULT_ENGINE_CONFIG.blockBytes));
    expect(refuser.closed()).toBe(false);
  });

  it('a peer that unchokes and chokes by turns, serving nothing, does not spend a capped leecher’s download budget', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const downloadBytesPerSec = 100_000;
    const leecher = swarm.peer('leecher', { linkCaps: { downloadBytesPerSec } });
    // Connected first, so each refill asks it first while it has just unchoked; it chokes 50 ms later.
    const flirt = swarm.rawPeer(leecher, file.contentId, 'flirt');
    flirt.link.send(encodeWireMessage({ type: 'bitfield', bits: Bitfield.full(8).toBytes() }));
    let unchoked = false;
    const toggle = (): void => {
      unchoked = !unchoked;
      flirt.link.send(encodeWireMessage({ type: unchoked ? 'unchoke' : 'choke' }));
      if (!leecher.engine.isComplete) swarm.clock.setTimer(50, toggle);
    };
    toggle();
    const seeder = swarm.peer('seeder', { seed: true });
    swarm.connect(seeder, leecher);
    const startMs = swarm.clock.nowMs();
    const boundMs = (file.bytes.length / downloadBytesPerSec) * 1000;
    await swarm.runUntil(() => leecher.engine.isComplete, 3 * boundMs, 'the leecher completes');
    expect(flirt.received.some((message) => message.type === 'request')).toBe(true);
    // Before, each request the flirt took and released by its choke kept its 32 KiB of tokens: about 2 × the bound.
    expect((swarm.clock.nowMs() - startMs) / boundMs).toBeLessThan(1.15);
    expect((swarm.clock.nowMs() - startMs) / boundMs).toBeGreaterThanOrEqual(1);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('takes a block that comes after its request was given up if it still lacks it, and drops a peer whose late block is not what was asked', async () => {
    const file = await testFile(2 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const leecher = swarm.peer('leecher');
    const dropped: string[] = [];
    leecher.engine.events.on('peer-dropped', ({ peerId, reason }) => dropped.push(`${peerId}: ${reason}`));
    const late = swarm.rawPeer(leecher, file.contentId, 'late');
    late.link.send(encodeWireMessage({ type: 'bitfield', bits: Bitfield.full(2).toBytes() }));
    late.link.send(encodeWireMessage({ type: 'unchoke' }));
    const requests = () => late.received.flatMap((m) => (m.type === 'request' ? [m] : []));
    await swarm.runUntil(() => requests().length > 0, 1000, 'a request');
    const [first] = requests();
    // It chokes (its requests are given up), then sends the first block all the same, crossed on the wire.
    late.link.send(encodeWireMessage({ type: 'choke' }));
    await swarm.runFor(10);
    const { chunkIndex, offsetBytes, lengthBytes } = first!;
    const bytes = file.bytes.subarray(
      chunkIndex * CHUNK_BYTES + offsetBytes,
      chunkIndex * CHUNK_BYTES + offsetBytes + lengthBytes,
    );
    late.link.send(encodeWireMessage({ type: 'block', chunkIndex, offsetBytes, bytes }));
    await swarm.runFor(10);
    expect(leecher.engine.snapshot().peers.find((peer) => peer.peerId === 'late')?.downloadedBytes).toBe(lengthBytes);
    expect(dropped).toEqual([]);
    // A second late block, twice the length asked for: a violation, as on time.
    const second = requests()[1]!;
    const long = file.bytes.subarray(0, 2 * second.lengthBytes);
    late.link.send(
      encodeWireMessage({ type: 'block', chunkIndex: second.chunkIndex, offsetBytes: second.offsetBytes, bytes: long }),
    );
    await swarm.runFor(10);
    expect(dropped).toEqual(['late: protocol-violation']);
  });

  it('asks a peer that announces a chunk begun and left unasked (its source refused it) at once, not at the next tick', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const leecher = swarm.peer('leecher');
    const only3 = new Bitfield(8);
    only3.set(3);
    const refuser = swarm.rawPeer(leecher, file.contentId, 'refuser');
    refuser.link.send(encodeWireMessage({ type: 'bitfield', bits: only3.toBytes() }));
    refuser.link.send(encodeWireMessage({ type: 'unchoke' }));
    const newcomer = swarm.rawPeer(leecher, file.contentId, 'newcomer');
    newcomer.link.send(encodeWireMessage({ type: 'bitfield', bits: new Bitfield(8).toBytes() }));
    newcomer.link.send(encodeWireMessage({ type: 'unchoke' }));
    await swarm.runUntil(() => refuser.received.some((m) => m.type === 'request'), 1000, 'chunk 3 begun');
    for (const message of refuser.received)
      if (message.type === 'request') {
        const { chunkIndex, offsetBytes, lengthBytes } = message;
        refuser.link.send(encodeWireMessage({ type: 'reject', chunkIndex, offsetBytes, lengthBytes }));
      }
    await swarm.runFor(50);
    const requestsTo = (peer: typeof newcomer) => peer.received.filter((m) => m.type === 'request');
    expect(requestsTo(newcomer)).toEqual([]);
    newcomer.link.send(encodeWireMessage({ type: 'have', chunkIndex: 3 }));
    // Well within a tick (200 ms here): before, the begun chunk waited for it.
    await swarm.runFor(10);
    expect(requestsTo(newcomer).map((m) => m.chunkIndex)).toContain(3);
  });

  it('times out the requests of a peer that sends nothing, however often it repeats its unchoke', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const leecher = swarm.peer('leecher');
    const withholder = swarm.rawPeer(leecher, file.contentId, 'withholder');
    withholder.link.send(encodeWireMessage({ type: 'bitfield', bits: Bitfield.full(8).toBytes() }));
    const unchoke = (): void => {
      withholder.link.send(encodeWireMessage({ type: 'unchoke' }));
      swarm.clock.setTimer(5000, unchoke);
    };
    unchoke();
    const cancels = () => withholder.received.filter((m) => m.type === 'cancel');
    const { requestTimeoutMs } = DEFAULT_ENGINE_CONFIG;
    await swarm.runUntil(() => cancels().length > 0, requestTimeoutMs + 5000, 'its requests timed out');
    expect(withholder.received.some((m) => m.type === 'request')).toBe(true);
  });

  it('a super-seeder offers a peer that took its offer fast a second one only under an upload cap to compare with', async () => {
    const blockBytes = TEST_ENGINE_CONFIG.blockBytes!;
    /** Offers the raw peer gets while it asks for the first one whole, and nothing else. */
    async function offersTo(uploadBytesPerSec: number | undefined): Promise<number[]> {
      const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const linkCaps = uploadBytesPerSec === undefined ? {} : { linkCaps: { uploadBytesPerSec } };
      const seeder = swarm.peer('seeder', { seed: true, ...linkCaps });
      const peer = swarm.rawPeer(seeder, file.contentId, 'fast', { latencyMs: 5 });
      const offers = () => peer.received.flatMap((m) => (m.type === 'have' ? [m.chunkIndex] : []));
      await swarm.runUntil(() => offers().length > 0, 2000, 'an offer');
      for (let offsetBytes = 0; offsetBytes < CHUNK_BYTES; offsetBytes += blockBytes)
        peer.link.send(
          encodeWireMessage({ type: 'request', chunkIndex: offers()[0]!, offsetBytes, lengthBytes: blockBytes }),
        );
      await swarm.runFor(1000);
      return offers();
    }
    // No cap (the app's default): no share is known, so one offer at a time, the next once the first is sent.
    expect(await offersTo(undefined)).toHaveLength(2);
    // At 10 MB/s the first came far above 0.75 × 10 MB/s / 2 slots: two more at once.
    expect(await offersTo(10_000_000)).toHaveLength(3);
  });

  it('a super-seeder’s offer held by a peer asking for one byte of it every 2 s moves on: the honest leecher completes', async () => {
    const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const honest = swarm.peer('honest');
    swarm.connect(seeder, honest, { bytesPerSec: 200_000 });
    const trickler = swarm.rawPeer(seeder, file.contentId, 'trickler');
    trickler.link.send(encodeWireMessage({ type: 'interested' }));
    // Every 2 s, one byte of each chunk offered to it: before, each byte was progress, the 3 s stale rule never
    // fired, the chunk was offered to nobody else, and the honest leecher stayed one chunk short for ever.
    for (let second = 0; second < 60 && !honest.engine.isComplete; second += 2) {
      for (const message of trickler.received)
        if (message.type === 'have')
          trickler.link.send(
            encodeWireMessage({ type: 'request', chunkIndex: message.chunkIndex, offsetBytes: second, lengthBytes: 1 }),
          );
      await swarm.runFor(2000);
    }
    expect(honest.engine.isComplete).toBe(true);
    expect(await fileHashOf(honest, file)).toBe(file.sha256);
  });

  it('discards chunks that fail their hash, drops the peer that sent them, and completes from honest peers', async () => {
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const corrupted = file.bytes.slice();
    for (let offset = 100; offset < corrupted.length; offset += CHUNK_BYTES) corrupted[offset]! ^= 0xff;
    const liar = swarm.peer('liar', { seed: true, store: MemoryChunkStore.fromFile(corrupted, CHUNK_BYTES) });
    const honest = swarm.peer('honest', { seed: true });
    const leecher = swarm.peer('leecher');
    const rejected: number[] = [];
    const dropped: DropReason[] = [];
    leecher.engine.events.on('chunk-rejected', ({ chunkIndex }) => rejected.push(chunkIndex));
    leecher.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
    swarm.connect(liar, leecher);
    swarm.connect(honest, leecher, { bytesPerSec: 2_000_000 });

    await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'leecher despite a liar');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    expect(rejected.length).toBeGreaterThan(0);
    expect(dropped).toEqual(['bad-blocks']);
  });

  describe('a peer speaking garbage is dropped and nobody else notices', () => {
    async function misbehave(messages: (raw: PeerLink) => void): Promise<DropReason[]> {
      const file = await testFile(8 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true });
      const leecher = swarm.peer('leecher');
      const dropped: DropReason[] = [];
      seeder.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
      messages(swarm.rawPeer(seeder).link);
      swarm.connect(seeder, leecher);
      await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'honest leecher');
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

    it('and kept out of the run when it connects again, its record not wiped by a fresh connection', async () => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true });
      const dropped: string[] = [];
      seeder.engine.events.on('peer-dropped', ({ peerId }) => dropped.push(peerId));
      const first = swarm.rawPeer(seeder, file.contentId, 'rogue');
      first.link.send(Uint8Array.of(250, 1, 2, 3));
      await swarm.runUntil(() => first.closed(), 2000, 'the rogue dropped');
      // A fresh offer gives it a new transport, and the run a new link: before, a new session, its record clean.
      const again = swarm.rawPeer(seeder, file.contentId, 'rogue');
      await swarm.runFor(10);
      expect(again.closed()).toBe(true);
      expect(again.received).toEqual([]);
      expect(dropped).toEqual(['rogue']);
      // Another peer is welcome.
      const other = swarm.rawPeer(seeder, file.contentId, 'other');
      await swarm.runFor(10);
      expect(other.closed()).toBe(false);
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
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true });
      const rogue = swarm.rawPeer(seeder);
      // A super-seeder offers one chunk at a time; a request for another one is refused.
      await swarm.runUntil(() => rogue.received.some((m) => m.type === 'have'), 2000, 'an offer');
      const offer = rogue.received.find((m) => m.type === 'have');
      const notOffered = {
        chunkIndex: ((offer?.type === 'have' ? offer.chunkIndex : 0) + 1) % 4,
        offsetBytes: 16 * 1024,
        lengthBytes: 16 * 1024,
      };
      rogue.link.send(encodeWireMessage({ type: 'request', ...notOffered }));
      await swarm.runUntil(() => rogue.received.some((m) => m.type === 'reject'), 2000, 'a reject');
      expect(rogue.received.filter((m) => m.type === 'reject')).toEqual([{ type: 'reject', ...notOffered }]);
      expect(rogue.received.some((m) => m.type === 'request')).toBe(false);
    });

    it('a handshake for another file', async () => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true });
      const dropped: DropReason[] = [];
      seeder.engine.events.on('peer-dropped', ({ reason }) => dropped.push(reason));
      const rogue = swarm.rawPeer(seeder, '0'.repeat(64));
      await swarm.runUntil(rogue.closed, 2000, 'rogue link closed');
      expect(dropped).toEqual(['handshake-mismatch']);
    });

    it('a handshake of another protocol version: a tab of another build, told apart from another file', async () => {
      const file = await testFile(4 * CHUNK_BYTES, CHUNK_BYTES);
      const swarm = new TestSwarm(file);
      const seeder = swarm.peer('seeder', { seed: true });
      const dropped: { reason: DropReason; detail: string }[] = [];
      seeder.engine.events.on('peer-dropped', ({ reason, detail }) => dropped.push({ reason, detail }));
      const [toOldTab, oldTab] = swarm.linkPair('seeder', 'old-tab', { latencyMs: 1 });
      let closed = false;
      oldTab.attach({ message: () => {}, decoded: () => {}, drain: () => {}, close: () => (closed = true) });
      seeder.engine.addLink(toOldTab);
      const oldVersion = PROTOCOL_VERSION - 1;
      oldTab.send(
        encodeWireMessage({
          type: 'handshake',
          protocolVersion: oldVersion,
          contentId: file.contentId,
          peerId: 'old-tab',
        }),
      );
      await swarm.runUntil(() => closed, 2000, 'the old tab’s link closed');
      expect(dropped).toEqual([
        { reason: 'protocol-version', detail: `protocol version ${oldVersion}, expected ${PROTOCOL_VERSION}` },
      ]);
    });
  });
});
