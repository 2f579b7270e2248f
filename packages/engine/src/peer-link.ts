import type { WireMessage } from '@swarmlab/protocol';

/** Callbacks a transport invokes on the engine. */
export interface PeerLinkHandlers {
  /** One whole message from the remote peer (message boundaries are preserved). */
  message(bytes: Uint8Array): void;
  /** One message already decoded: from a link that carries `sendMessage` objects (see `PeerLink`). */
  decoded(message: WireMessage): void;
  /** `bufferedBytes` fell to the transport's low-water mark: the engine may send again. */
  drain(): void;
  /** The link is gone, for whatever reason; nothing more will be delivered. */
  close(reason: string): void;
}

/**
 * One reliable, ordered, message-oriented connection to a remote peer: what the engine needs from a
 * transport (a WebRTC data channel, an in-memory pair, a simulated link).
 */
export interface PeerLink {
  /** The remote peer's id as the signalling layer knows it; its handshake must repeat it. */
  readonly remotePeerId: string;
  /** Bytes accepted by `send` but not yet handed to the network: the backpressure signal. */
  readonly bufferedBytes: number;
  /**
   * True when `send` copies `bytes` before it returns (a data channel's `send()` does): the engine may then
   * encode every block into one buffer it reuses. Unset on links that keep the bytes they are given.
   */
  readonly copiesOnSend?: boolean;
  /** Queues one message. The engine keeps `bufferedBytes` under its own high-water mark. */
  send(bytes: Uint8Array): void;
  /**
   * Optional: queues one message as an object, skipping the binary codec. Only for links between two
   * engines in one process (the simulator, where the codec would be most of the cost); real transports
   * carry bytes, and the codec is tested on its own.
   */
  sendMessage?(message: WireMessage): void;
  /** Starts delivery to `handlers`; messages that arrived earlier are delivered first. */
  attach(handlers: PeerLinkHandlers): void;
  close(): void;
}
