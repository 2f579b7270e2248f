import { describe, expect, it } from 'vitest';
import {
  BLOCK_HEADER_BYTES,
  decodeWireMessage,
  encodeBlockInto,
  encodeWireMessage,
  MAX_BLOCK_BYTES,
  WIRE_TAG,
  type WireMessage,
} from '../src/index';

const CONTENT_ID = 'ab'.repeat(32);

const EVERY_MESSAGE: WireMessage[] = [
  { type: 'handshake', protocolVersion: 1, contentId: CONTENT_ID, peerId: 'peer-Ab_9' },
  { type: 'bitfield', bits: Uint8Array.of(0xff, 0x80) },
  { type: 'have', chunkIndex: 4_000_000_000 },
  { type: 'interested' },
  { type: 'not-interested' },
  { type: 'choke' },
  { type: 'unchoke' },
  { type: 'request', chunkIndex: 7, offsetBytes: 65_536, lengthBytes: 32_768 },
  { type: 'cancel', chunkIndex: 7, offsetBytes: 65_536, lengthBytes: 32_768 },
  { type: 'reject', chunkIndex: 7, offsetBytes: 0, lengthBytes: 1 },
  { type: 'have-all' },
  { type: 'block', chunkIndex: 3, offsetBytes: 16_384, bytes: Uint8Array.from({ length: 1000 }, (_, i) => i % 256) },
];

describe('wire codec', () => {
  it('covers every message type', () => {
    expect(new Set(EVERY_MESSAGE.map((m) => m.type))).toEqual(new Set(Object.keys(WIRE_TAG)));
  });

  it('encodes a block into a reused buffer as it encodes it into a fresh one', () => {
    const target = new Uint8Array(BLOCK_HEADER_BYTES + MAX_BLOCK_BYTES).fill(0xee);
    const first = { chunkIndex: 9, offsetBytes: 32_768, bytes: Uint8Array.from({ length: 3000 }, (_, i) => i % 251) };
    const second = { chunkIndex: 2, offsetBytes: 0, bytes: Uint8Array.of(1, 2, 3) };
    expect(encodeBlockInto(target, first)).toEqual(encodeWireMessage({ type: 'block', ...first }));
    const encoded = encodeBlockInto(target, second);
    expect(encoded.buffer).toBe(target.buffer);
    expect(encoded).toEqual(encodeWireMessage({ type: 'block', ...second }));
    expect(decodeWireMessage(encoded)).toEqual({ ok: true, message: { type: 'block', ...second } });
  });

  it('refuses a block that does not fit the buffer', () => {
    const block = { chunkIndex: 0, offsetBytes: 0, bytes: new Uint8Array(100) };
    expect(() => encodeBlockInto(new Uint8Array(BLOCK_HEADER_BYTES + 99), block)).toThrow(RangeError);
  });

  it.each(EVERY_MESSAGE)('round-trips $type', (message) => {
    const encoded = encodeWireMessage(message);
    expect(encoded[0]).toBe(WIRE_TAG[message.type]);
    expect(decodeWireMessage(encoded)).toEqual({ ok: true, message });
  });

  it('decodes a message that sits inside a larger buffer', () => {
    const encoded = encodeWireMessage({ type: 'have', chunkIndex: 42 });
    const padded = new Uint8Array(encoded.length + 10);
    padded.set(encoded, 5);
    expect(decodeWireMessage(padded.subarray(5, 5 + encoded.length))).toEqual({
      ok: true,
      message: { type: 'have', chunkIndex: 42 },
    });
  });

  it.each([
    ['empty', new Uint8Array(0), 'empty'],
    ['unknown tag', Uint8Array.of(200), 'unknown-tag'],
    ['truncated have', Uint8Array.of(WIRE_TAG.have, 0, 0), 'bad-length'],
    ['choke with a body', Uint8Array.of(WIRE_TAG.choke, 1), 'bad-length'],
    ['have-all with a body', Uint8Array.of(WIRE_TAG['have-all'], 0), 'bad-length'],
    [
      'request of zero bytes',
      encodeWireMessage({ type: 'request', chunkIndex: 0, offsetBytes: 0, lengthBytes: 1 }).fill(0, 9),
      'bad-field',
    ],
    ['truncated block header', Uint8Array.of(WIRE_TAG.block, 0, 0, 0), 'bad-length'],
    ['empty block', Uint8Array.of(WIRE_TAG.block, 0, 0, 0, 0, 0, 0, 0, 0), 'bad-field'],
    ['handshake without peer id', Uint8Array.of(WIRE_TAG.handshake, 1, ...new Uint8Array(32), 0), 'bad-field'],
    ['handshake with invalid UTF-8', Uint8Array.of(WIRE_TAG.handshake, 1, ...new Uint8Array(32), 1, 0xff), 'bad-field'],
  ] as const)('rejects %s with a typed error', (_name, bytes, code) => {
    const result = decodeWireMessage(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.name).toBe('WireDecodeError');
      expect(result.error.code).toBe(code);
    }
  });

  it('keeps a byte order mark that starts a peer id: the id is what was sent, never an empty or aliased one', () => {
    const bomOnly = decodeWireMessage(Uint8Array.of(WIRE_TAG.handshake, 1, ...new Uint8Array(32), 3, 0xef, 0xbb, 0xbf));
    expect(bomOnly.ok && bomOnly.message.type === 'handshake' && bomOnly.message.peerId).toBe('\uFEFF');
    const handshake = {
      type: 'handshake',
      protocolVersion: 1,
      contentId: '0'.repeat(64),
      peerId: '\uFEFFabc',
    } as const;
    const decoded = decodeWireMessage(encodeWireMessage(handshake));
    expect(decoded).toEqual({ ok: true, message: handshake });
  });

  it('rejects requests and blocks larger than the block limit', () => {
    // Written by hand: the encoder refuses to write them (wire-codec-ranges.test.ts).
    const request = encodeWireMessage({ type: 'request', chunkIndex: 0, offsetBytes: 0, lengthBytes: MAX_BLOCK_BYTES });
    new DataView(request.buffer).setUint32(9, MAX_BLOCK_BYTES + 1);
    expect(decodeWireMessage(request)).toMatchObject({ ok: false, error: { code: 'bad-field' } });
    const block = new Uint8Array(BLOCK_HEADER_BYTES + MAX_BLOCK_BYTES + 1);
    block[0] = WIRE_TAG.block;
    expect(decodeWireMessage(block)).toMatchObject({ ok: false, error: { code: 'bad-field' } });
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let round = 0; round < 5000; round++) {
      const bytes = Uint8Array.from({ length: next() % 64 }, next);
      if (round % 2 === 0 && bytes.length > 0) bytes[0] = round % 12;
      expect(() => decodeWireMessage(bytes)).not.toThrow();
    }
  });
});
