import { encodeWireMessage, PROTOCOL_VERSION } from '@swarmlab/protocol';
import { fileHashOf, testFile, TestSwarm } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';

const CHUNK_BYTES = 16 * 1024;
const CHUNK_COUNT = 10;
/** The file's last chunk is short: 1,000 bytes less than the others. */
const FILE_BYTES = CHUNK_COUNT * CHUNK_BYTES - 1000;
const encode = encodeWireMessage;

/**
 * PROTOCOL §3.10's rules, each sent by a raw peer to a seeder with an honest leecher beside it: the messages that are
 * violations drop the sender, those that are not are ignored, and the honest leecher completes either way. Most of
 * these rules had no test of their own (found by review).
 */
const RULES: readonly (readonly [name: string, messages: readonly Uint8Array[], dropped: boolean])[] = [
  [
    'a second handshake',
    [encode({ type: 'handshake', protocolVersion: PROTOCOL_VERSION, contentId: 'a'.repeat(64), peerId: 'rogue' })],
    true,
  ],
  ['a bitfield of the wrong length', [encode({ type: 'bitfield', bits: new Uint8Array(3) })], true],
  // Type 1 (bitfield), bytes 0x00 0x01: the 16th bit, past the file's 10 chunks.
  ['a bitfield with a spare bit set', [Uint8Array.of(1, 0, 1)], true],
  [
    'a second bitfield',
    [encode({ type: 'bitfield', bits: new Uint8Array(2) }), encode({ type: 'bitfield', bits: new Uint8Array(2) })],
    true,
  ],
  [
    'a bitfield after a have',
    [encode({ type: 'have', chunkIndex: 1 }), encode({ type: 'bitfield', bits: new Uint8Array(2) })],
    true,
  ],
  [
    'a bitfield after a have-all',
    [encode({ type: 'have-all' }), encode({ type: 'bitfield', bits: new Uint8Array(2) })],
    true,
  ],
  [
    'a have-all repeated, and a have after it',
    [encode({ type: 'have-all' }), encode({ type: 'have-all' }), encode({ type: 'have', chunkIndex: 3 })],
    false,
  ],
  ['a have of the chunk count', [encode({ type: 'have', chunkIndex: CHUNK_COUNT })], true],
  ['a have of 2³² − 1', [encode({ type: 'have', chunkIndex: 0xffffffff })], true],
  [
    'a request past the short last chunk',
    [encode({ type: 'request', chunkIndex: CHUNK_COUNT - 1, offsetBytes: 0, lengthBytes: CHUNK_BYTES })],
    true,
  ],
  [
    'a request at offset 2³² − 1',
    [encode({ type: 'request', chunkIndex: 0, offsetBytes: 0xffffffff, lengthBytes: 1 })],
    true,
  ],
  [
    'a block never asked for, at the largest index',
    [encode({ type: 'block', chunkIndex: 0xffffffff, offsetBytes: 0xffffffff, bytes: new Uint8Array(1) })],
    true,
  ],
  [
    'a reject of a request never made',
    [encode({ type: 'reject', chunkIndex: 0xffffffff, offsetBytes: 0, lengthBytes: 1 })],
    false,
  ],
  [
    'a cancel of a request never made',
    [encode({ type: 'cancel', chunkIndex: 0xffffffff, offsetBytes: 0, lengthBytes: 1 })],
    false,
  ],
  [
    'repeated interest and choking',
    [
      encode({ type: 'interested' }),
      encode({ type: 'interested' }),
      encode({ type: 'not-interested' }),
      encode({ type: 'not-interested' }),
      encode({ type: 'choke' }),
      encode({ type: 'choke' }),
    ],
    false,
  ],
];

describe('what a peer sends that breaks the protocol, and what it sends that does not (PROTOCOL §3.10)', () => {
  it.each(RULES)('%s: dropped %s, and an honest leecher completes beside it', async (_name, messages, dropped) => {
    const file = await testFile(FILE_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const drops: string[] = [];
    seeder.engine.events.on('peer-dropped', ({ peerId, reason }) => drops.push(`${peerId}: ${reason}`));
    const rogue = swarm.rawPeer(seeder, file.contentId, 'rogue', { latencyMs: 1 });
    await swarm.runFor(5);
    for (const message of messages) rogue.link.send(message);
    await swarm.runFor(50);
    expect(drops).toEqual(dropped ? ['rogue: protocol-violation'] : []);
    expect(rogue.closed()).toBe(dropped);

    const leecher = swarm.peer('leecher');
    swarm.connect(seeder, leecher, { latencyMs: 5 });
    // The rogue, answering nothing, holds the one chunk it was offered before the leecher came until that offer goes
    // stale (3.4 s here), and is offered nothing more while the leecher is there (PROTOCOL §3.6, quiet peers). Before,
    // it was offered that chunk again and again, and the leecher waited 30.6 s for it.
    await swarm.runUntil(() => leecher.engine.isComplete, 5000, 'the honest leecher to complete');
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
  });
});
