import { Bitfield, encodeWireMessage, MIN_CAP_BYTES_PER_SEC } from '@swarmlab/protocol';
import { fileHashOf, testFile, TestSwarm, type TestPeer } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../src/index';

// Peers at the lowest upload cap a run allows (a student the teacher slowed down) beside fast ones: what they are
// asked for must not hold the others back. Every swarm runs on its own virtual clock (`TestSwarm`), with the
// browser's configuration (32 KiB blocks).

const CHUNK_BYTES = 256 * 1024;

describe('peers at the lowest upload cap beside fast ones', () => {
  it('a block two slow peers trickle is asked of a fast peer that comes, at once', async () => {
    // One chunk: the leecher asks each slow peer for half its blocks, then (the endgame) each for the other's half.
    const file = await testFile(CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file, { config: DEFAULT_ENGINE_CONFIG });
    const leecher = swarm.peer('leecher');
    const slowCaps = { uploadBytesPerSec: MIN_CAP_BYTES_PER_SEC };
    for (const peerId of ['slow-1', 'slow-2'])
      swarm.connect(leecher, swarm.peer(peerId, { completeLeecher: true, linkCaps: slowCaps }), { latencyMs: 20 });
    await swarm.runFor(1000);
    const fast = swarm.peer('fast', { completeLeecher: true, linkCaps: { uploadBytesPerSec: 1e6 } });
    swarm.connect(leecher, fast, { latencyMs: 20 });
    // Every block was asked of two slow peers, the endgame's limit: the fast peer was asked for none, and the chunk
    // came at 10 kB/s (13 s; no request timed out, as each slow peer kept sending).
    await swarm.runUntil(() => leecher.engine.isComplete, 2000, 'the chunk, from the fast peer');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });

  it('a peer that comes to hold the chunk (a have) in the endgame is asked at once, not at the next tick', async () => {
    const file = await testFile(CHUNK_BYTES, CHUNK_BYTES);
    for (const haveAtMs of [1000, 1500, 1900]) {
      const swarm = new TestSwarm(file, { config: DEFAULT_ENGINE_CONFIG });
      const leecher = swarm.peer('leecher');
      const slowCaps = { uploadBytesPerSec: MIN_CAP_BYTES_PER_SEC };
      for (const peerId of ['slow-1', 'slow-2'])
        swarm.connect(leecher, swarm.peer(peerId, { completeLeecher: true, linkCaps: slowCaps }), { latencyMs: 20 });
      const fast = swarm.rawPeer(leecher, file.contentId, 'fast', { latencyMs: 20 });
      fast.link.send(encodeWireMessage({ type: 'bitfield', bits: new Bitfield(1).toBytes() }));
      fast.link.send(encodeWireMessage({ type: 'unchoke' }));
      await swarm.runFor(haveAtMs);
      fast.link.send(encodeWireMessage({ type: 'have', chunkIndex: 0 }));
      const sentAtMs = swarm.clock.nowMs();
      await swarm.runUntil(() => fast.received.some((m) => m.type === 'request'), 5000, 'a request to it');
      // 20 ms each way; before, up to a second more (1020, 520, 120 ms).
      expect(swarm.clock.nowMs() - sentAtMs, `have at ${haveAtMs} ms`).toBeLessThan(100);
    }
  });

  it('a small swarm with two of its four leechers at the lowest cap ends near D_p2p, far from D_cs', async () => {
    // Measured before on this swarm: 8.7–13.1 s against D_p2p = 5.56 s (the simulator: up to 29 s, D_cs being 16.8 s).
    const file = await testFile(16 * CHUNK_BYTES, CHUNK_BYTES);
    const serverUpBytesPerSec = 1e6;
    const peerUpBytesPerSec = [1e6, MIN_CAP_BYTES_PER_SEC, 1e6, MIN_CAP_BYTES_PER_SEC];
    const boundSec = Math.max(
      file.bytes.length / serverUpBytesPerSec,
      (peerUpBytesPerSec.length * file.bytes.length) /
        (serverUpBytesPerSec + peerUpBytesPerSec.reduce((sum, rate) => sum + rate)),
    );
    for (const firstRandomSeed of [1, 2]) {
      const swarm = new TestSwarm(file, { config: DEFAULT_ENGINE_CONFIG, firstRandomSeed });
      const seeder = swarm.peer('seeder', { seed: true, linkCaps: { uploadBytesPerSec: serverUpBytesPerSec } });
      const leechers = peerUpBytesPerSec.map((rate, i) =>
        swarm.peer(`peer-${i}`, { linkCaps: { uploadBytesPerSec: rate } }),
      );
      const everyone: TestPeer[] = [seeder, ...leechers];
      for (const [i, a] of everyone.entries())
        for (const b of everyone.slice(i + 1)) swarm.connect(a, b, { latencyMs: 20 });
      await swarm.runUntil(() => leechers.every((l) => l.engine.isComplete), 60_000, 'every leecher');
      const tookSec = Math.max(...leechers.map((l) => l.engine.snapshot().completedAtMs!)) / 1000;
      expect(tookSec / boundSec).toBeLessThan(1.35);
      for (const leecher of leechers) expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    }
  });
});
