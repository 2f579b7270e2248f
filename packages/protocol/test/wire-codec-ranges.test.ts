import { describe, expect, it } from 'vitest';
import {
  BLOCK_HEADER_BYTES,
  decodeWireMessage,
  encodeBlockInto,
  encodeWireMessage,
  MAX_BLOCK_BYTES,
  WIRE_TAG,
  type WireMessage,
  type WireMessageType,
} from '../src/index';

const CONTENT_ID = 'cd'.repeat(32);
const MAX_UINT32 = 2 ** 32 - 1;

/** Numbers at and past the edges of every field: a byte's, four bytes', a block's length, and no whole number. */
const EDGE_NUMBERS = [
  -1,
  0,
  0.5,
  1,
  255,
  256,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_BYTES + 1,
  MAX_UINT32,
  2 ** 32,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

const isUint = (value: number, max: number): boolean => Number.isInteger(value) && value >= 0 && value <= max;
const isBlockLength = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= MAX_BLOCK_BYTES;

interface Case {
  readonly label: string;
  readonly message: WireMessage;
  /** Whether the decoder takes the encoding back: else the encoder must throw a `RangeError`. */
  readonly valid: boolean;
}

/** Each message type with each of its fields at each edge, the others valid. */
function everyEdge(): Case[] {
  const cases: Case[] = [];
  const add = (label: string, message: WireMessage, valid: boolean) => cases.push({ label, message, valid });
  const range = { chunkIndex: 7, offsetBytes: 0, lengthBytes: 1 };
  for (const value of EDGE_NUMBERS) {
    add(
      `handshake protocolVersion ${value}`,
      { type: 'handshake', protocolVersion: value, contentId: CONTENT_ID, peerId: 'p' },
      isUint(value, 255),
    );
    add(`have ${value}`, { type: 'have', chunkIndex: value }, isUint(value, MAX_UINT32));
    for (const type of ['request', 'cancel', 'reject'] as const) {
      add(`${type} chunkIndex ${value}`, { type, ...range, chunkIndex: value }, isUint(value, MAX_UINT32));
      add(`${type} offsetBytes ${value}`, { type, ...range, offsetBytes: value }, isUint(value, MAX_UINT32));
      add(`${type} lengthBytes ${value}`, { type, ...range, lengthBytes: value }, isBlockLength(value));
    }
    const bytes = Uint8Array.of(1, 2, 3);
    add(
      `block chunkIndex ${value}`,
      { type: 'block', chunkIndex: value, offsetBytes: 0, bytes },
      isUint(value, MAX_UINT32),
    );
    add(
      `block offsetBytes ${value}`,
      { type: 'block', chunkIndex: 0, offsetBytes: value, bytes },
      isUint(value, MAX_UINT32),
    );
  }
  for (const length of [0, 1, MAX_BLOCK_BYTES, MAX_BLOCK_BYTES + 1])
    add(
      `block of ${length} bytes`,
      { type: 'block', chunkIndex: 0, offsetBytes: 0, bytes: new Uint8Array(length).fill(7) },
      isBlockLength(length),
    );
  for (const peerId of ['', 'p', 'x'.repeat(64), 'x'.repeat(65), 'é'.repeat(32), 'é'.repeat(33)])
    add(
      `handshake peer id of ${new TextEncoder().encode(peerId).length} bytes`,
      { type: 'handshake', protocolVersion: 2, contentId: CONTENT_ID, peerId },
      peerId.length > 0 && new TextEncoder().encode(peerId).length <= 64,
    );
  for (const contentId of [CONTENT_ID.slice(2), `${CONTENT_ID}ab`, 'zz'.repeat(32)])
    add(`handshake content id ${contentId}`, { type: 'handshake', protocolVersion: 2, contentId, peerId: 'p' }, false);
  for (const length of [0, 1, 2048])
    add(`bitfield of ${length} bytes`, { type: 'bitfield', bits: new Uint8Array(length) }, true);
  for (const type of ['have-all', 'interested', 'not-interested', 'choke', 'unchoke'] as const)
    add(type, { type }, true);
  return cases;
}

describe('the wire encoder at the edges of every field (found by review)', () => {
  const cases = everyEdge();

  it('tries every message type', () => {
    expect(new Set(cases.map((c) => c.message.type))).toEqual(new Set(Object.keys(WIRE_TAG) as WireMessageType[]));
  });

  it('encodes what the decoder reads back as the same message, and throws a RangeError on anything else', () => {
    for (const { label, message, valid } of cases) {
      if (valid) expect(decodeWireMessage(encodeWireMessage(message)), label).toEqual({ ok: true, message });
      else expect(() => encodeWireMessage(message), label).toThrow(RangeError);
    }
  });

  it('writes no block into a reused buffer that the decoder would refuse or misread', () => {
    const target = new Uint8Array(BLOCK_HEADER_BYTES + MAX_BLOCK_BYTES + 1);
    for (const { label, message, valid } of cases) {
      if (message.type !== 'block') continue;
      if (valid) expect(decodeWireMessage(encodeBlockInto(target, message)), label).toEqual({ ok: true, message });
      else expect(() => encodeBlockInto(target, message), label).toThrow(RangeError);
    }
  });
});
