import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { Instance as SimplePeerInstance } from 'simple-peer';
import { PAGE_COLLECTION_HINT, type CollectionHint } from './collection-hint';

/**
 * `drain` fires when the data channel's send queue falls to this many bytes. A quarter of the engine's
 * 1 MiB high-water mark: enough still queued to keep the channel busy while the engine refills it.
 */
export const DRAIN_THRESHOLD_BYTES = 256 * 1024;

/**
 * The parts of simple-peer this adapter reaches past its API for: the open RTCDataChannel, and how many bytes
 * of received messages still wait in its stream.
 */
interface SimplePeerInternals {
  readonly _channel?: RTCDataChannel;
  readonly readableLength?: number;
}

export interface SimplePeerLinkOptions {
  /** The page's (`PAGE_COLLECTION_HINT` by default). */
  readonly collectionHint?: CollectionHint;
  /** Called when this side closes the link (`close()`), before the connection closes: a deliberate end. */
  readonly onClosedLocally?: () => void;
}

/**
 * A connected simple-peer as an engine `PeerLink`. Sends go straight to the data channel with
 * `send()` (faster than simple-peer's stream `write()`), so backpressure is the engine's job: it reads
 * `bufferedBytes` and waits for `drain`, which comes from the channel's `bufferedamountlow` event.
 * Chromium's send queue holds 16 MiB and `send()` throws past it; the engine stays far below. Received
 * messages skip simple-peer's stream too (`receiveStraight`). Every message received or sent counts
 * towards the page's `CollectionHint`: a received message's buffer is garbage once read, and sending
 * leaves garbage of its own (a seeder, which receives almost nothing, grew by 60 MiB of it over a 2 GiB
 * run).
 */
export function simplePeerLink(
  peer: SimplePeerInstance,
  remotePeerId: string,
  options: SimplePeerLinkOptions = {},
): PeerLink {
  const { collectionHint = PAGE_COLLECTION_HINT, onClosedLocally } = options;
  let handlers: PeerLinkHandlers | undefined;
  const early: Uint8Array[] = [];
  let closedReason: string | undefined;

  const close = (reason: string): void => {
    if (closedReason !== undefined) return;
    closedReason = reason;
    handlers?.close(reason);
  };

  const receive = (data: Uint8Array): void => {
    if (peer.destroyed) return; // as simple-peer's own handler does
    collectionHint.passed(data.byteLength);
    if (handlers) handlers.message(data);
    else early.push(data);
  };
  // What simple-peer's stream received before `receiveStraight` took the channel over, and what it is
  // still handed after (see there). The stream turns a text message into its UTF-8 bytes, which the wire
  // decoder then refuses like any other bytes that are no message.
  peer.on('data', receive);
  peer.on('close', () => close('connection closed'));
  peer.on('error', (error: Error) => close(`connection error: ${error.message}`));

  const internals = peer as unknown as SimplePeerInternals;
  const channel = internals._channel;
  if (channel) {
    channel.bufferedAmountLowThreshold = DRAIN_THRESHOLD_BYTES;
    channel.addEventListener('bufferedamountlow', () => handlers?.drain());
    receiveStraight(channel, peer, receive);
  }

  return {
    remotePeerId,
    // simple-peer's send() is the data channel's, which copies the bytes into its queue at once.
    copiesOnSend: true,
    get bufferedBytes() {
      return peer.bufferSize;
    },
    send(bytes) {
      if (closedReason !== undefined) return;
      // A channel that closed under us (the other side left, its close event not delivered yet): a browser's send
      // throws, @roamhq/wrtc's crashed the headless peer's process (SIGSEGV in RTCDataChannel::Send, seen under load).
      if (channel && (channel.readyState === 'closing' || channel.readyState === 'closed')) {
        close('connection closed');
        peer.destroy();
        return;
      }
      try {
        peer.send(bytes);
        collectionHint.passed(bytes.byteLength);
      } catch (error) {
        close(`send failed: ${error instanceof Error ? error.message : String(error)}`);
        peer.destroy();
      }
    },
    attach(next) {
      handlers = next;
      for (const bytes of early.splice(0)) next.message(bytes);
      if (closedReason !== undefined) next.close(closedReason);
    },
    close() {
      if (closedReason === undefined) onClosedLocally?.();
      close('closed locally');
      peer.destroy();
    },
  };
}

/**
 * Hands the channel's binary messages to `receive` as they arrive, instead of through simple-peer's stream:
 * there each one became a Buffer, was pushed through a Node-style readable stream and often scheduled a
 * timer task of its own (the bundle's `process.nextTick` runs on `setTimeout`), at every message of a
 * transfer. Order is kept: while messages received earlier still wait in the stream (its `readableLength`:
 * a backlog from before this link existed), a new one joins them there. Anything else goes through
 * simple-peer's own handler, as every message did before: a text message (which its stream turns into UTF-8
 * bytes) and an empty one (which its stream drops). Should simple-peer no longer have the handler or the
 * backlog's length where this expects them, the channel is left to it.
 */
function receiveStraight(
  channel: RTCDataChannel,
  peer: SimplePeerInternals,
  receive: (bytes: Uint8Array) => void,
): void {
  const viaStream = channel.onmessage;
  if (typeof viaStream !== 'function' || typeof peer.readableLength !== 'number') return;
  channel.onmessage = function (this: RTCDataChannel, event: MessageEvent<unknown>) {
    const data = event.data;
    if (data instanceof ArrayBuffer && data.byteLength > 0 && peer.readableLength === 0) receive(new Uint8Array(data));
    else viaStream.call(this, event);
  };
}
