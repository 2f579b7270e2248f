import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { Instance as SimplePeerInstance } from 'simple-peer';
import { PAGE_COLLECTION_HINT, type CollectionHint } from './collection-hint';

/**
 * `drain` fires when the data channel's send queue falls to this many bytes. A quarter of the engine's
 * 1 MiB high-water mark: enough still queued to keep the channel busy while the engine refills it.
 */
export const DRAIN_THRESHOLD_BYTES = 256 * 1024;

/** The part of simple-peer's internals this adapter reads: the open RTCDataChannel. */
interface WithDataChannel {
  readonly _channel?: RTCDataChannel;
}

/**
 * A connected simple-peer as an engine `PeerLink`. Sends go straight to the data channel with
 * `send()` (faster than simple-peer's stream `write()`), so backpressure is the engine's job: it reads
 * `bufferedBytes` and waits for `drain`, which comes from the channel's `bufferedamountlow` event.
 * Chromium's send queue holds 16 MiB and `send()` throws past it; the engine stays far below. Every
 * message received or sent counts towards the page's `CollectionHint`: a received message's buffer is
 * garbage once read, and sending leaves garbage of its own (a seeder, which receives almost nothing, grew
 * by 60 MiB of it over a 2 GiB run).
 */
export function simplePeerLink(
  peer: SimplePeerInstance,
  remotePeerId: string,
  collectionHint: CollectionHint = PAGE_COLLECTION_HINT,
): PeerLink {
  let handlers: PeerLinkHandlers | undefined;
  const early: Uint8Array[] = [];
  let closedReason: string | undefined;

  const close = (reason: string): void => {
    if (closedReason !== undefined) return;
    closedReason = reason;
    handlers?.close(reason);
  };

  peer.on('data', (data: Uint8Array) => {
    collectionHint.passed(data.byteLength);
    if (handlers) handlers.message(data);
    else early.push(data);
  });
  peer.on('close', () => close('connection closed'));
  peer.on('error', (error: Error) => close(`connection error: ${error.message}`));

  const channel = (peer as unknown as WithDataChannel)._channel;
  if (channel) {
    channel.bufferedAmountLowThreshold = DRAIN_THRESHOLD_BYTES;
    channel.addEventListener('bufferedamountlow', () => handlers?.drain());
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
      close('closed locally');
      peer.destroy();
    },
  };
}
