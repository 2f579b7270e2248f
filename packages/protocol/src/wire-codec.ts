import { MAX_BLOCK_BYTES, SHA256_BYTES } from './constants';
import { fromHex, toHex } from './hex';
import { CHANNEL_TAG } from './channel-tags';
import type { BlockRange, WireMessage, WireMessageType } from './wire-message';

const { 'run-control': _runControlTag, ...wireTags } = CHANNEL_TAG;

/**
 * One-byte tag at the start of every encoded wire message: the wire's rows of `CHANNEL_TAG`, the one table of
 * first bytes on a data channel. Never reuse a retired value.
 */
export const WIRE_TAG = wireTags satisfies Record<WireMessageType, number>;

const TYPE_BY_TAG = new Map<number, WireMessageType>(
  Object.entries(WIRE_TAG).map(([type, tag]) => [tag, type as WireMessageType]),
);

/** Longest peer id a handshake may carry, in UTF-8 bytes. */
export const MAX_PEER_ID_BYTES = 64;

/** Why bytes from a peer were not a message. */
export type WireDecodeErrorCode = 'empty' | 'unknown-tag' | 'bad-length' | 'bad-field';

export class WireDecodeError extends Error {
  override readonly name = 'WireDecodeError';
  constructor(
    readonly code: WireDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type WireDecodeResult =
  { readonly ok: true; readonly message: WireMessage } | { readonly ok: false; readonly error: WireDecodeError };

const RANGE_BYTES = 12;

const MAX_UINT8 = 0xff;
const MAX_UINT32 = 0xffff_ffff;

/**
 * Throws a `RangeError` unless `value` is a whole number a field of `max` fits (0 … `max`): a typed array or a
 * `DataView` writes any other number as another without a word (chunk 2^32 went out as chunk 0, −1 as 4,294,967,295,
 * protocol version 258 as 2; found by review).
 */
function checkUint(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${field} must be a whole number 0…${max}, got ${value}`);
}

/** Throws a `RangeError` unless `lengthBytes` is one the decoder takes for a block or a range: 1 … `MAX_BLOCK_BYTES`. */
function checkBlockLength(field: string, lengthBytes: number): void {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > MAX_BLOCK_BYTES)
    throw new RangeError(`${field} must be 1…${MAX_BLOCK_BYTES} bytes, got ${lengthBytes}`);
}

/**
 * Encodes a message into a fresh buffer (a block's payload is copied once, behind its header). Throws a `RangeError`
 * on a message the decoder would refuse or read as another (a local mistake, PROTOCOL.md §3.3).
 */
export function encodeWireMessage(message: WireMessage): Uint8Array {
  const tag = WIRE_TAG[message.type];
  switch (message.type) {
    case 'handshake': {
      const peerId = new TextEncoder().encode(message.peerId);
      const contentId = fromHex(message.contentId);
      if (!contentId || contentId.length !== SHA256_BYTES) throw new RangeError('contentId must be 64 hex digits');
      if (peerId.length === 0 || peerId.length > MAX_PEER_ID_BYTES) throw new RangeError('peerId length out of range');
      checkUint('protocolVersion', message.protocolVersion, MAX_UINT8);
      const out = new Uint8Array(2 + SHA256_BYTES + 1 + peerId.length);
      out[0] = tag;
      out[1] = message.protocolVersion;
      out.set(contentId, 2);
      out[2 + SHA256_BYTES] = peerId.length;
      out.set(peerId, 3 + SHA256_BYTES);
      return out;
    }
    case 'bitfield': {
      const out = new Uint8Array(1 + message.bits.length);
      out[0] = tag;
      out.set(message.bits, 1);
      return out;
    }
    case 'have': {
      checkUint('chunkIndex', message.chunkIndex, MAX_UINT32);
      const out = new Uint8Array(5);
      out[0] = tag;
      new DataView(out.buffer).setUint32(1, message.chunkIndex);
      return out;
    }
    case 'request':
    case 'cancel':
    case 'reject': {
      const out = new Uint8Array(1 + RANGE_BYTES);
      out[0] = tag;
      writeRange(new DataView(out.buffer), message);
      return out;
    }
    case 'block':
      return encodeBlockInto(new Uint8Array(BLOCK_HEADER_BYTES + message.bytes.length), message);
    case 'have-all':
    case 'interested':
    case 'not-interested':
    case 'choke':
    case 'unchoke':
      return Uint8Array.of(tag);
  }
}

/** Bytes a `block` message takes beyond its payload. */
export const BLOCK_HEADER_BYTES = 1 + 8;

/**
 * Encodes a block message into the start of `target` (at least `BLOCK_HEADER_BYTES` + the payload long)
 * and returns that part of it: a sender that reuses one buffer for every block, over a link that copies
 * on send, allocates nothing per block (#9, #12: a fresh message per block was the engine's largest
 * allocation, and garbage V8 collects late). Throws a `RangeError` on a payload of 0 or more than
 * `MAX_BLOCK_BYTES` bytes, or a chunk index or offset no 4-byte field holds, before writing anything.
 */
export function encodeBlockInto(
  target: Uint8Array,
  message: { readonly chunkIndex: number; readonly offsetBytes: number; readonly bytes: Uint8Array },
): Uint8Array {
  checkUint('chunkIndex', message.chunkIndex, MAX_UINT32);
  checkUint('offsetBytes', message.offsetBytes, MAX_UINT32);
  checkBlockLength('block payload', message.bytes.length);
  const lengthBytes = BLOCK_HEADER_BYTES + message.bytes.length;
  if (target.length < lengthBytes)
    throw new RangeError(`a block of ${lengthBytes} bytes does not fit ${target.length}`);
  const view = new DataView(target.buffer, target.byteOffset, lengthBytes);
  target[0] = WIRE_TAG.block;
  view.setUint32(1, message.chunkIndex);
  view.setUint32(5, message.offsetBytes);
  target.set(message.bytes, BLOCK_HEADER_BYTES);
  return target.subarray(0, lengthBytes);
}

/**
 * Decodes bytes from a peer. Never throws: malformed input yields `{ ok: false }` with a typed error.
 * A block's payload is a view into `bytes`, not a copy.
 */
export function decodeWireMessage(bytes: Uint8Array): WireDecodeResult {
  if (bytes.length === 0) return failure('empty', 'empty message');
  const type = TYPE_BY_TAG.get(bytes[0]!);
  if (type === undefined) return failure('unknown-tag', `unknown message tag ${bytes[0]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyBytes = bytes.length - 1;
  switch (type) {
    case 'handshake': {
      const fixedBytes = 2 + SHA256_BYTES + 1;
      if (bytes.length < fixedBytes) return failure('bad-length', 'handshake too short');
      const peerIdBytes = bytes[fixedBytes - 1]!;
      if (peerIdBytes === 0 || peerIdBytes > MAX_PEER_ID_BYTES)
        return failure('bad-field', 'handshake peer id length out of range');
      if (bytes.length !== fixedBytes + peerIdBytes)
        return failure('bad-length', 'handshake length does not match its peer id');
      let peerId: string;
      try {
        // A leading byte order mark is part of the id (the decoder's default drops it: three bytes decoded as "").
        peerId = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(fixedBytes));
      } catch {
        return failure('bad-field', 'handshake peer id is not UTF-8');
      }
      return success({
        type,
        protocolVersion: bytes[1]!,
        contentId: toHex(bytes.subarray(2, 2 + SHA256_BYTES)),
        peerId,
      });
    }
    case 'bitfield':
      return success({ type, bits: bytes.subarray(1) });
    case 'have':
      if (bodyBytes !== 4) return failure('bad-length', `have needs 4 body bytes, got ${bodyBytes}`);
      return success({ type, chunkIndex: view.getUint32(1) });
    case 'request':
    case 'cancel':
    case 'reject': {
      if (bodyBytes !== RANGE_BYTES)
        return failure('bad-length', `${type} needs ${RANGE_BYTES} body bytes, got ${bodyBytes}`);
      const range = readRange(view);
      if (range.lengthBytes === 0 || range.lengthBytes > MAX_BLOCK_BYTES)
        return failure('bad-field', `${type} length ${range.lengthBytes} outside 1..${MAX_BLOCK_BYTES}`);
      return success({ type, ...range });
    }
    case 'block': {
      if (bytes.length < BLOCK_HEADER_BYTES) return failure('bad-length', 'block header truncated');
      const payloadBytes = bytes.length - BLOCK_HEADER_BYTES;
      if (payloadBytes === 0 || payloadBytes > MAX_BLOCK_BYTES)
        return failure('bad-field', `block payload ${payloadBytes} outside 1..${MAX_BLOCK_BYTES}`);
      return success({
        type,
        chunkIndex: view.getUint32(1),
        offsetBytes: view.getUint32(5),
        bytes: bytes.subarray(BLOCK_HEADER_BYTES),
      });
    }
    case 'have-all':
    case 'interested':
    case 'not-interested':
    case 'choke':
    case 'unchoke':
      if (bodyBytes !== 0) return failure('bad-length', `${type} carries no body, got ${bodyBytes} bytes`);
      return success({ type });
  }
}

function writeRange(view: DataView, range: BlockRange): void {
  checkUint('chunkIndex', range.chunkIndex, MAX_UINT32);
  checkUint('offsetBytes', range.offsetBytes, MAX_UINT32);
  checkBlockLength('lengthBytes', range.lengthBytes);
  view.setUint32(1, range.chunkIndex);
  view.setUint32(5, range.offsetBytes);
  view.setUint32(9, range.lengthBytes);
}

function readRange(view: DataView): BlockRange {
  return { chunkIndex: view.getUint32(1), offsetBytes: view.getUint32(5), lengthBytes: view.getUint32(9) };
}

function success(message: WireMessage): WireDecodeResult {
  return { ok: true, message };
}

function failure(code: WireDecodeErrorCode, message: string): WireDecodeResult {
  return { ok: false, error: new WireDecodeError(code, message) };
}
