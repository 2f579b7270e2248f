/**
 * Every message two peers exchange over their data channel, declared once as a tagged union.
 * Layouts are in docs/PROTOCOL.md; `wire-codec.ts` writes and reads them.
 */
export type WireMessage =
  | HandshakeMessage
  | BitfieldMessage
  | HaveMessage
  | HaveAllMessage
  | { readonly type: 'interested' }
  | { readonly type: 'not-interested' }
  | { readonly type: 'choke' }
  | { readonly type: 'unchoke' }
  | RequestMessage
  | BlockMessage
  | CancelMessage
  | RejectMessage;

export type WireMessageType = WireMessage['type'];

/** First message on every link, both ways: which protocol, which file, which peer. */
export interface HandshakeMessage {
  readonly type: 'handshake';
  readonly protocolVersion: number;
  /** Hex SHA-256 of the manifest: the swarm's content id. */
  readonly contentId: string;
  readonly peerId: string;
}

/** Which chunks the sender holds, sent once right after the handshake. */
export interface BitfieldMessage {
  readonly type: 'bitfield';
  readonly bits: Uint8Array;
}

/** The sender has verified and now holds one more chunk. */
export interface HaveMessage {
  readonly type: 'have';
  readonly chunkIndex: number;
}

/**
 * The sender holds every chunk: a super-seeder's reveal (§3.6), one message where C `have`s went to every peer (16,384
 * chunks × 63 peers was a million messages in one call of the seeder's page).
 */
export interface HaveAllMessage {
  readonly type: 'have-all';
}

/** A byte range inside one chunk: what `request`, `cancel` and `reject` name. */
export interface BlockRange {
  readonly chunkIndex: number;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
}

export interface RequestMessage extends BlockRange {
  readonly type: 'request';
}

export interface CancelMessage extends BlockRange {
  readonly type: 'cancel';
}

/** The sender will not serve a request it received (choked, or it does not hold the chunk). */
export interface RejectMessage extends BlockRange {
  readonly type: 'reject';
}

/** Payload of a requested range. */
export interface BlockMessage {
  readonly type: 'block';
  readonly chunkIndex: number;
  readonly offsetBytes: number;
  readonly bytes: Uint8Array;
}
