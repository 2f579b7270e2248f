import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Groups } from './ipv6-groups';

/**
 * The one STUN exchange the LAN STUN responder (`lan-stun.ts`) takes part in (RFC 8489): a Binding request, answered
 * with a Binding success response whose XOR-MAPPED-ADDRESS is the address and port the request came from. A browser
 * asks it to learn the address other laptops reach it at, which it then offers as a server-reflexive candidate.
 */

/** The fixed value every STUN message carries in bytes 4–7, telling it from other traffic on the port. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;
const FAMILY_IPV4 = 0x01;
const FAMILY_IPV6 = 0x02;
/** What no Binding request needs: a datagram longer than this is not one (browsers send about 100 bytes). */
export const MAX_STUN_REQUEST_BYTES = 548;

/** Why a datagram is not a Binding request this responder answers; it is then dropped without an answer. */
export type StunRefusal = 'short' | 'not-stun' | 'not-binding-request' | 'bad-length' | 'too-long';

export type BindingRequestReading =
  { readonly ok: true; readonly transactionId: Uint8Array } | { readonly ok: false; readonly refusal: StunRefusal };

/**
 * Reads a datagram as a STUN Binding request: its header (type, length, magic cookie, transaction id) checked, its
 * attributes (a browser's USERNAME-less request carries only SOFTWARE or none; FINGERPRINT at most) not needed for the
 * answer and not read.
 */
export function readBindingRequest(datagram: Uint8Array): BindingRequestReading {
  if (datagram.length > MAX_STUN_REQUEST_BYTES) return { ok: false, refusal: 'too-long' };
  if (datagram.length < HEADER_BYTES) return { ok: false, refusal: 'short' };
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const type = view.getUint16(0);
  // The two top bits of every STUN message are zero; with the cookie, that tells it from DTLS or anything else.
  if ((type & 0xc000) !== 0 || view.getUint32(4) !== STUN_MAGIC_COOKIE) return { ok: false, refusal: 'not-stun' };
  if (type !== BINDING_REQUEST) return { ok: false, refusal: 'not-binding-request' };
  const attributesBytes = view.getUint16(2);
  if (attributesBytes % 4 !== 0 || HEADER_BYTES + attributesBytes !== datagram.length)
    return { ok: false, refusal: 'bad-length' };
  return { ok: true, transactionId: datagram.slice(8, HEADER_BYTES) };
}

/**
 * The Binding success response to the request of `transactionId` that came from `address`:`port` (IPv4, or IPv6 as
 * Node writes it; an IPv4-mapped IPv6 address, as a dual-stack socket reports an IPv4 client, is answered as IPv4).
 */
export function bindingSuccess(transactionId: Uint8Array, address: string, port: number): Uint8Array {
  if (transactionId.length !== 12)
    throw new RangeError(`a STUN transaction id is 12 bytes, got ${transactionId.length}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be 0–65535, got ${port}`);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
  const addressBytes = isIPv4(mapped) ? ipv4Bytes(mapped) : isIPv6(mapped) ? ipv6Bytes(mapped) : undefined;
  if (!addressBytes) throw new RangeError(`not an IP address: ${JSON.stringify(address)}`);
  const valueBytes = 4 + addressBytes.length;
  const message = new Uint8Array(HEADER_BYTES + 4 + valueBytes);
  const view = new DataView(message.buffer);
  view.setUint16(0, BINDING_SUCCESS);
  view.setUint16(2, 4 + valueBytes);
  view.setUint32(4, STUN_MAGIC_COOKIE);
  message.set(transactionId, 8);
  view.setUint16(HEADER_BYTES, XOR_MAPPED_ADDRESS);
  view.setUint16(HEADER_BYTES + 2, valueBytes);
  view.setUint8(HEADER_BYTES + 5, addressBytes.length === 4 ? FAMILY_IPV4 : FAMILY_IPV6);
  view.setUint16(HEADER_BYTES + 6, port ^ (STUN_MAGIC_COOKIE >>> 16));
  // The address XORed with the cookie, then (IPv6) with the transaction id: the header's bytes 4–19.
  for (let index = 0; index < addressBytes.length; index++)
    message[HEADER_BYTES + 8 + index] = addressBytes[index]! ^ message[4 + index]!;
  return message;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Uint8Array {
  return Uint8Array.from(ipv6Groups(address).flatMap((group) => [group >> 8, group & 0xff]));
}
