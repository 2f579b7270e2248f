import { encodeWireMessage, type WireMessage } from '@swarmlab/protocol';
import { fileHashOf, testFile, TestSwarm } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';

const CHUNK_BYTES = 16 * 1024;
const CHUNK_COUNT = 12;

const requestedChunks = (received: readonly WireMessage[]): Set<number> =>
  new Set(received.flatMap((message) => (message.type === 'request' ? [message.chunkIndex] : [])));

/**
 * `have-all` (PROTOCOL §3.4): a super-seeder's reveal in one message a peer, where a `have` for every chunk went to
 * every peer (16,384 chunks × 63 peers was a million messages in one call of the seeder's page).
 */
describe('have-all', () => {
  it('counts every chunk of the sender at once: a leecher asks it for any chunk, rarest first', async () => {
    const file = await testFile(CHUNK_COUNT * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const leecher = swarm.peer('leecher');
    const source = swarm.rawPeer(leecher, file.contentId, 'source', { latencyMs: 1 });
    await swarm.runFor(5);
    expect(requestedChunks(source.received).size).toBe(0);
    source.link.send(encodeWireMessage({ type: 'have-all' }));
    source.link.send(encodeWireMessage({ type: 'unchoke' }));
    await swarm.runFor(20);
    expect(source.received.filter((message) => message.type === 'interested')).toHaveLength(1);
    // Its pipeline filled from chunks all over the file (the raw peer answers nothing: they stay asked).
    expect(requestedChunks(source.received).size).toBeGreaterThan(1);
    expect(source.closed()).toBe(false);
  });

  it('is what a super-seeder reveals with, once to each peer, and its leechers complete with the file', async () => {
    const file = await testFile(CHUNK_COUNT * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const leechers = ['a', 'b', 'c'].map((peerId) => swarm.peer(peerId));
    for (const leecher of leechers) swarm.connect(seeder, leecher, { latencyMs: 5 });
    for (const [i, leecher] of leechers.entries())
      for (const other of leechers.slice(i + 1)) swarm.connect(leecher, other, { latencyMs: 5 });
    // A raw peer beside them, to see what the seeder sends: its offers, then one reveal.
    const watcher = swarm.rawPeer(seeder, file.contentId, 'watcher', { latencyMs: 1 });
    expect(seeder.engine.isSuperSeeding).toBe(true);
    await swarm.runUntil(() => leechers.every((l) => l.engine.isComplete), 20_000, 'every leecher to complete');
    for (const leecher of leechers) expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    expect(seeder.engine.isSuperSeeding).toBe(false);
    expect(watcher.received.filter((message) => message.type === 'have-all')).toHaveLength(1);
    // Offers only: fewer `have`s than chunks (the reveal sent one for each chunk to each peer before).
    expect(watcher.received.filter((message) => message.type === 'have').length).toBeLessThan(CHUNK_COUNT);
  });
});
