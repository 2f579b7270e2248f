import {
  Bitfield,
  decodeWireMessage,
  encodeWireMessage,
  MANIFEST_FORMAT_VERSION,
  PROTOCOL_VERSION,
  type Manifest,
  type WireMessage,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { seededRandom, SwarmEngine, type PeerLink, type PeerLinkHandlers } from '../src/index';

const CHUNKS = 64;
const CHUNK_BYTES = 16 * 1024;
const CONTENT_ID = 'a'.repeat(64);

describe('a super-seeder’s reveal', () => {
  it('announces each peer only the chunks it did not announce: 16,384 chunks to 63 peers were a million haves', () => {
    const manifest: Manifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      name: 'f',
      sizeBytes: CHUNKS * CHUNK_BYTES,
      chunkBytes: CHUNK_BYTES,
      chunkSha256: Array.from({ length: CHUNKS }, () => '0'.repeat(64)),
    };
    const seeder = new SwarmEngine({
      manifest,
      contentId: CONTENT_ID,
      localPeerId: 'seeder',
      store: { get: () => new Uint8Array(CHUNK_BYTES), put: () => {} },
      initialChunks: Bitfield.full(CHUNKS),
      seeds: true,
      // No timer ever fires: nothing but the messages below moves the seeder.
      clock: { nowMs: () => 0, setTimer: () => () => {} },
      random: seededRandom(1),
      sha256: () => new Uint8Array(32),
    });
    /** The `have`s the seeder sent each peer once it had revealed (no longer super-seeding), by peer. */
    const revealed = new Map<string, number[]>();
    const peer = (peerId: string): ((message: WireMessage) => void) => {
      let handlers: PeerLinkHandlers | undefined;
      revealed.set(peerId, []);
      const link: PeerLink = {
        remotePeerId: peerId,
        bufferedBytes: 0,
        copiesOnSend: true,
        send: (bytes) => {
          const decoded = decodeWireMessage(bytes);
          if (decoded.ok && decoded.message.type === 'have' && !seeder.isSuperSeeding)
            revealed.get(peerId)!.push(decoded.message.chunkIndex);
        },
        attach: (attached) => (handlers = attached),
        close: () => {},
      };
      seeder.addLink(link);
      const say = (message: WireMessage): void => handlers!.message(encodeWireMessage(message));
      say({ type: 'handshake', protocolVersion: PROTOCOL_VERSION, contentId: CONTENT_ID, peerId });
      return say;
    };
    const announcing = peer('announcing');
    peer('silent');
    const completing = peer('completing');
    expect(seeder.isSuperSeeding).toBe(true);
    // One peer announces k = 40 chunks, one none; the last's bitfield of the other 24 puts every chunk in the swarm.
    const k = 40;
    for (let chunkIndex = 0; chunkIndex < k; chunkIndex++) announcing({ type: 'have', chunkIndex });
    const rest = new Bitfield(CHUNKS);
    for (let chunkIndex = k; chunkIndex < CHUNKS; chunkIndex++) rest.set(chunkIndex);
    expect(seeder.isSuperSeeding).toBe(true);
    completing({ type: 'bitfield', bits: rest.toBytes() });
    expect(seeder.isSuperSeeding).toBe(false);
    // Before, every chunk to every peer: 64 each.
    const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    expect(revealed.get('announcing')).toEqual(range(k, CHUNKS));
    expect(revealed.get('silent')).toEqual(range(0, CHUNKS));
    expect(revealed.get('completing')).toEqual(range(0, k));
  });
});
