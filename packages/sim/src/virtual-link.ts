import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { VirtualClock } from './virtual-clock';

/**
 * Two connected links over simulated time, each message arriving `latencyMs` after it was sent, in
 * order. Capacity is not modelled here: each engine's token buckets emulate its access link, exactly
 * as in browser runs, so the simulator exercises the same shaping code.
 */
export function createVirtualLinkPair(
  clock: VirtualClock,
  aPeerId: string,
  bPeerId: string,
  latencyMs: number,
): [PeerLink, PeerLink] {
  interface End {
    handlers: PeerLinkHandlers | undefined;
    closed: boolean;
  }
  const a: End = { handlers: undefined, closed: false };
  const b: End = { handlers: undefined, closed: false };

  const closeBoth = (): void => {
    for (const end of [a, b]) {
      if (end.closed) continue;
      end.closed = true;
      clock.setTimer(latencyMs, () => end.handlers?.close('peer left'));
    }
  };

  const makeLink = (self: End, other: End, remotePeerId: string): PeerLink => ({
    remotePeerId,
    bufferedBytes: 0,
    send(bytes) {
      if (self.closed) return;
      clock.setTimer(latencyMs, () => {
        if (!other.closed) other.handlers?.message(bytes);
      });
    },
    attach(handlers) {
      self.handlers = handlers;
    },
    close: closeBoth,
  });

  return [makeLink(a, b, bPeerId), makeLink(b, a, aPeerId)];
}
