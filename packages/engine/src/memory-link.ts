import type { Clock } from './clock';
import type { PeerLink, PeerLinkHandlers } from './peer-link';

export interface MemoryLinkOptions {
  readonly clock: Clock;
  /** One-way delay added to every message. */
  readonly latencyMs?: number;
  /** Serialisation rate of each direction; unlimited when absent. */
  readonly bytesPerSec?: number;
  /** `drain` fires when the send buffer falls to this many bytes. */
  readonly lowWaterBytes?: number;
}

interface End {
  handlers: PeerLinkHandlers | undefined;
  pending: Array<(handlers: PeerLinkHandlers) => void>;
  bufferedBytes: number;
  departureMs: number;
  closed: boolean;
}

/**
 * Two connected in-memory `PeerLink`s, with optional latency and rate per direction: what the engine's
 * tests (and anything else without a network) run swarms over. Bytes are copied on send, as a real
 * transport would.
 */
export function createMemoryLinkPair(
  aPeerId: string,
  bPeerId: string,
  options: MemoryLinkOptions,
): [PeerLink, PeerLink] {
  const { clock, latencyMs = 0, bytesPerSec, lowWaterBytes = 256 * 1024 } = options;
  const newEnd = (): End => ({ handlers: undefined, pending: [], bufferedBytes: 0, departureMs: 0, closed: false });
  const a = newEnd();
  const b = newEnd();

  const deliver = (to: End, event: (handlers: PeerLinkHandlers) => void): void => {
    if (to.handlers) event(to.handlers);
    else to.pending.push(event);
  };

  const closeBoth = (reason: string): void => {
    for (const end of [a, b]) {
      if (end.closed) continue;
      end.closed = true;
      clock.setTimer(0, () => deliver(end, (handlers) => handlers.close(reason)));
    }
  };

  const makeLink = (self: End, other: End, remotePeerId: string): PeerLink => ({
    remotePeerId,
    copiesOnSend: true,
    get bufferedBytes() {
      return self.bufferedBytes;
    },
    send(bytes) {
      if (self.closed) return;
      const copy = bytes.slice();
      const nowMs = clock.nowMs();
      const serialisationMs = bytesPerSec ? (copy.length / bytesPerSec) * 1000 : 0;
      self.departureMs = Math.max(self.departureMs, nowMs) + serialisationMs;
      self.bufferedBytes += copy.length;
      clock.setTimer(self.departureMs - nowMs, () => {
        const wasAbove = self.bufferedBytes > lowWaterBytes;
        self.bufferedBytes -= copy.length;
        if (wasAbove && self.bufferedBytes <= lowWaterBytes && !self.closed)
          deliver(self, (handlers) => handlers.drain());
        const arrive = () => {
          if (!other.closed) deliver(other, (handlers) => handlers.message(copy));
        };
        if (latencyMs > 0) clock.setTimer(latencyMs, arrive);
        else arrive();
      });
    },
    attach(handlers) {
      self.handlers = handlers;
      for (const event of self.pending.splice(0)) event(handlers);
    },
    close() {
      closeBoth('closed by peer');
    },
  });

  return [makeLink(a, b, bPeerId), makeLink(b, a, aPeerId)];
}
