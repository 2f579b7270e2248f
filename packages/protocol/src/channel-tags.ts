import type { WireMessageType } from './wire-message';

/** Every kind of message a peer data channel carries: the wire messages, and the transport's run control. */
export type ChannelMessageKind = WireMessageType | 'run-control';

/**
 * The first byte of every message on a peer data channel, for everything the channel carries, in one table so
 * that no two kinds can share a tag (a unit test checks): the wire messages (docs/PROTOCOL.md §3.2, read by
 * `decodeWireMessage`) and the transport's run-control messages (§3.12, read by `decodeRunControl`). A
 * receiver tells them apart by this byte alone. A retired tag keeps its number and is never reused.
 */
export const CHANNEL_TAG = {
  handshake: 0,
  bitfield: 1,
  have: 2,
  interested: 3,
  'not-interested': 4,
  choke: 5,
  unchoke: 6,
  request: 7,
  block: 8,
  cancel: 9,
  reject: 10,
  'have-all': 11,
  /** Far above the wire tags, so new wire messages never come near it. */
  'run-control': 0xf0,
} as const satisfies Record<ChannelMessageKind, number>;
