import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { WireMessage } from '@swarmlab/protocol';
import type { VirtualClock } from './virtual-clock';

/** One direction of a link: messages in send order (with one latency per link, also arrival order). */
interface Direction {
  readonly arrivals: number[];
  /** Bytes, or (between two engines) decoded messages. */
  readonly payloads: Array<Uint8Array | WireMessage>;
  head: number;
  scheduled: boolean;
  /** Delivers what is due; made once per direction so scheduling allocates nothing. */
  deliver: () => void;
}

interface End {
  handlers: PeerLinkHandlers | undefined;
  closed: boolean;
  /** Messages this end sends. */
  readonly out: Direction;
}

/**
 * Two connected links over simulated time, each message arriving `latencyMs` after it was sent, in
 * order. Capacity is not modelled here: each engine's token buckets emulate its access link, exactly
 * as in browser runs, so the simulator exercises the same shaping code. Engines exchange decoded
 * messages (`sendMessage`), skipping the binary codec, which is tested on its own; each direction keeps
 * at most one pending event, so the event queue stays small.
 */
export function createVirtualLinkPair(
  clock: VirtualClock,
  aPeerId: string,
  bPeerId: string,
  latencyMs: number,
): [PeerLink, PeerLink] {
  const newEnd = (): End => ({
    handlers: undefined,
    closed: false,
    out: { arrivals: [], payloads: [], head: 0, scheduled: false, deliver: () => {} },
  });
  const a = newEnd();
  const b = newEnd();

  const wire = (from: End, to: End): void => {
    const direction = from.out;
    direction.deliver = () => {
      direction.scheduled = false;
      const nowMs = clock.nowMs();
      while (direction.head < direction.arrivals.length && direction.arrivals[direction.head]! <= nowMs) {
        const payload = direction.payloads[direction.head]!;
        direction.head++;
        if (to.closed || !to.handlers) continue;
        if (payload instanceof Uint8Array) to.handlers.message(payload);
        else to.handlers.decoded(payload);
      }
      if (direction.head === direction.arrivals.length) {
        direction.arrivals.length = 0;
        direction.payloads.length = 0;
        direction.head = 0;
      } else {
        direction.scheduled = true;
        clock.at(direction.arrivals[direction.head]!, direction.deliver);
      }
    };
  };
  wire(a, b);
  wire(b, a);

  const enqueue = (from: End, payload: Uint8Array | WireMessage): void => {
    if (from.closed) return;
    const direction = from.out;
    const atMs = clock.nowMs() + latencyMs;
    direction.arrivals.push(atMs);
    direction.payloads.push(payload);
    if (!direction.scheduled) {
      direction.scheduled = true;
      clock.at(atMs, direction.deliver);
    }
  };

  const closeBoth = (): void => {
    for (const end of [a, b]) {
      if (end.closed) continue;
      end.closed = true;
      clock.at(clock.nowMs() + latencyMs, () => end.handlers?.close('peer left'));
    }
  };

  const makeLink = (self: End, remotePeerId: string): PeerLink => ({
    remotePeerId,
    bufferedBytes: 0,
    send: (bytes) => enqueue(self, bytes),
    sendMessage: (message) => enqueue(self, message),
    attach(handlers) {
      self.handlers = handlers;
    },
    close: closeBoth,
  });

  return [makeLink(a, bPeerId), makeLink(b, aPeerId)];
}
