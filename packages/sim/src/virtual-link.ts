import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { WireMessage } from '@swarmlab/protocol';
import type { VirtualClock } from './virtual-clock';

/** Bytes, or (between two engines) a decoded message. */
type Payload = Uint8Array | WireMessage;

/**
 * One end of a simulated link. Its state sits in its own fields (no closures between a send and the
 * clock): in a swarm of a thousand engines, each pointer followed per message is a likely cache miss.
 */
class VirtualLinkEnd implements PeerLink {
  readonly remotePeerId: string;
  readonly bufferedBytes = 0;
  handlers: PeerLinkHandlers | undefined = undefined;
  closed = false;
  /** The other end, where this end's messages arrive; set once both exist. */
  other!: VirtualLinkEnd;
  readonly #clock: VirtualClock;
  readonly #latencyMs: number;

  constructor(clock: VirtualClock, remotePeerId: string, latencyMs: number) {
    this.#clock = clock;
    this.remotePeerId = remotePeerId;
    this.#latencyMs = latencyMs;
  }

  send(bytes: Uint8Array): void {
    if (!this.closed) this.#clock.after(this.#latencyMs, deliver, this.other, bytes);
  }

  sendMessage(message: WireMessage): void {
    if (!this.closed) this.#clock.after(this.#latencyMs, deliver, this.other, message);
  }

  attach(handlers: PeerLinkHandlers): void {
    this.handlers = handlers;
  }

  /** Closes both ends; each learns of it one latency later. */
  close(): void {
    for (const end of [this, this.other]) {
      if (end.closed) continue;
      end.closed = true;
      this.#clock.after(this.#latencyMs, closeEnd, end, undefined);
    }
  }
}

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
  const a = new VirtualLinkEnd(clock, bPeerId, latencyMs);
  const b = new VirtualLinkEnd(clock, aPeerId, latencyMs);
  a.other = b;
  b.other = a;
  return [a, b];
}

function deliver(to: VirtualLinkEnd, payload: Payload): void {
  if (to.closed || !to.handlers) return;
  if (payload instanceof Uint8Array) to.handlers.message(payload);
  else to.handlers.decoded(payload);
}

function closeEnd(end: VirtualLinkEnd): void {
  end.handlers?.close('peer left');
}
