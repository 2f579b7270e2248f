import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { WireMessage } from '@swarmlab/protocol';
import type { VirtualClock } from './virtual-clock';

/** One end of a simulated link: where the other end's messages are delivered. */
interface End {
  handlers: PeerLinkHandlers | undefined;
  closed: boolean;
}

/** Bytes, or (between two engines) a decoded message. */
type Payload = Uint8Array | WireMessage;

/**
 * Two connected links over simulated time, each message arriving `latencyMs` after it was sent, in
 * order. Capacity is not modelled here: each engine's token buckets emulate its access link, exactly
 * as in browser runs, so the simulator exercises the same shaping code. Engines exchange decoded
 * messages (`sendMessage`), skipping the binary codec, which is tested on its own. Each message is one
 * event of the clock, scheduled without a closure; with one latency for every link, the clock keeps
 * them first-in first-out, at O(1) each.
 */
export function createVirtualLinkPair(
  clock: VirtualClock,
  aPeerId: string,
  bPeerId: string,
  latencyMs: number,
): [PeerLink, PeerLink] {
  const a: End = { handlers: undefined, closed: false };
  const b: End = { handlers: undefined, closed: false };

  const closeBoth = (): void => {
    for (const end of [a, b]) {
      if (end.closed) continue;
      end.closed = true;
      clock.after(latencyMs, closeEnd, end, undefined);
    }
  };

  const makeLink = (self: End, other: End, remotePeerId: string): PeerLink => ({
    remotePeerId,
    bufferedBytes: 0,
    send(bytes) {
      if (!self.closed) clock.after(latencyMs, deliver, other, bytes);
    },
    sendMessage(message) {
      if (!self.closed) clock.after(latencyMs, deliver, other, message);
    },
    attach(handlers) {
      self.handlers = handlers;
    },
    close: closeBoth,
  });

  return [makeLink(a, b, bPeerId), makeLink(b, a, aPeerId)];
}

function deliver(to: End, payload: Payload): void {
  if (to.closed || !to.handlers) return;
  if (payload instanceof Uint8Array) to.handlers.message(payload);
  else to.handlers.decoded(payload);
}

function closeEnd(end: End): void {
  end.handlers?.close('peer left');
}
