import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { Instance as SimplePeerInstance, Options as SimplePeerOptions } from 'simple-peer';
import { describe, expect, it } from 'vitest';
import { CollectionHint } from '../src/collection-hint';
import { DRAIN_THRESHOLD_BYTES, simplePeerLink } from '../src/simple-peer-link';

/**
 * The data channel simple-peer opens, as far as it and the link touch it: simple-peer sets its handlers
 * (`onmessage` among them), the link adds a `bufferedamountlow` listener. `deliver` is a message arriving.
 */
class StubChannel {
  readyState: RTCDataChannelState = 'connecting';
  bufferedAmount = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  bufferedAmountLowThreshold = 0;
  /** What the next `send` throws (Chromium's, past its 16 MiB queue, or a channel closing), if anything. */
  sendFails: Error | undefined;
  readonly listeners = new Map<string, () => void>();
  close(): void {}
  send(): void {
    if (this.sendFails) throw this.sendFails;
  }
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, listener);
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }
}

/**
 * The real simple-peer (the browser bundle the web app loads: its stream, its handlers, its destroy) over a
 * stub WebRTC stack whose negotiation never finishes: what the channel receives is up to the test.
 */
function realSimplePeer(): { peer: SimplePeerInstance; channel: StubChannel; streamed: () => number } {
  const channel = new StubChannel();
  class StubPeerConnection {
    createDataChannel(): StubChannel {
      return channel;
    }
    createOffer(): Promise<never> {
      return new Promise(() => {});
    }
    close(): void {}
    addEventListener(): void {}
    removeEventListener(): void {}
  }
  const wrtc = { RTCPeerConnection: StubPeerConnection };
  const peer = new SimplePeer({ initiator: true, wrtc } as unknown as SimplePeerOptions);
  // Counts the messages simple-peer's own handler takes (into its stream). Nothing else may listen to the
  // stream: a 'data' listener would set it flowing before the link exists.
  let streamed = 0;
  const simplePeerHandler = channel.onmessage;
  channel.onmessage = (event) => {
    streamed++;
    simplePeerHandler?.(event);
  };
  return { peer, channel, streamed: () => streamed };
}

function linkOf(peer: SimplePeerInstance) {
  const received: number[][] = [];
  const closes: string[] = [];
  const link = simplePeerLink(peer, 'remote', { collectionHint: new CollectionHint() });
  const attach = (): void =>
    link.attach({
      message: (message) => received.push([...message]),
      decoded: () => {},
      drain: () => {},
      close: (reason) => closes.push(reason),
    });
  return { link, received, closes, attach };
}

const bytes = (...values: number[]): ArrayBuffer => Uint8Array.from(values).buffer;

/** Lets simple-peer's scheduled work run (its bundle's `process.nextTick` is a timer). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

describe('simplePeerLink receiving, over the real simple-peer', () => {
  it('hands binary messages to the engine at once, in order, past simple-peer’s stream', async () => {
    const { peer, channel, streamed } = realSimplePeer();
    const { received, attach } = linkOf(peer);
    attach();
    await settle(); // the stream flowing, as it is long before a transfer
    channel.deliver(bytes(1, 2));
    channel.deliver(bytes(3));
    channel.deliver(bytes(4, 5, 6));
    expect(received).toEqual([[1, 2], [3], [4, 5, 6]]);
    await settle();
    expect(received).toHaveLength(3);
    expect(streamed()).toBe(0);
  });

  it('delivers messages still waiting in the stream before later ones', async () => {
    const { peer, channel, streamed } = realSimplePeer();
    // Received before the link existed (simple-peer had not yet said it was connected): they wait in its stream.
    channel.deliver(bytes(1));
    channel.deliver(bytes(2));
    const { received, attach } = linkOf(peer);
    attach();
    // Arrives while those two still wait: it must not overtake them.
    channel.deliver(bytes(3));
    await settle();
    expect(received).toEqual([[1], [2], [3]]);
    expect(streamed()).toBe(3);
    // The backlog gone, the next message goes straight.
    channel.deliver(bytes(4));
    expect(received).toEqual([[1], [2], [3], [4]]);
    expect(streamed()).toBe(3);
  });

  it('holds messages received before the engine attaches, then hands them over in order', async () => {
    const { peer, channel } = realSimplePeer();
    const { received, attach } = linkOf(peer);
    await settle();
    channel.deliver(bytes(7));
    channel.deliver(bytes(8));
    expect(received).toEqual([]);
    attach();
    channel.deliver(bytes(9));
    expect(received).toEqual([[7], [8], [9]]);
  });

  it('hands a text message on as its UTF-8 bytes, in order, for the wire decoder to refuse', async () => {
    const { peer, channel } = realSimplePeer();
    const { received, attach } = linkOf(peer);
    attach();
    await settle();
    channel.deliver(bytes(1));
    channel.deliver('hi');
    channel.deliver(bytes(2));
    await settle();
    expect(received).toEqual([[1], [...new TextEncoder().encode('hi')], [2]]);
  });

  it('drops an empty message, as simple-peer’s stream always did, and keeps the link', async () => {
    const { peer, channel } = realSimplePeer();
    const { received, closes, attach } = linkOf(peer);
    attach();
    await settle();
    channel.deliver(bytes(1));
    channel.deliver(new ArrayBuffer(0));
    channel.deliver(bytes(2));
    await settle();
    expect(received).toEqual([[1], [2]]);
    expect(closes).toEqual([]);
  });

  it('hands nothing on once the connection is destroyed, not even a backlog', async () => {
    const { peer, channel } = realSimplePeer();
    channel.deliver(bytes(1));
    channel.deliver(bytes(2));
    const { received, closes, attach } = linkOf(peer);
    attach();
    peer.destroy();
    channel.deliver(bytes(3));
    await settle();
    channel.deliver(bytes(4));
    await settle();
    expect(received).toEqual([]);
    expect(closes).toEqual(['connection closed']);
  });

  it('keeps the order of every message whatever the timing (random interleavings)', async () => {
    let seed = 9;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 60; trial++) {
      const { peer, channel } = realSimplePeer();
      let link: ReturnType<typeof linkOf> | undefined;
      let attached = false;
      const sent: number[][] = [];
      for (let step = 0; step < 30; step++) {
        const roll = random();
        if (roll < 0.1 && !link) link = linkOf(peer);
        else if (roll < 0.2 && link && !attached) {
          link.attach();
          attached = true;
        } else if (roll < 0.35) await settle();
        else {
          const message = [trial, step];
          sent.push(message);
          channel.deliver(bytes(...message));
        }
      }
      link ??= linkOf(peer);
      if (!attached) link.attach();
      await settle();
      expect(link.received).toEqual(sent);
      peer.destroy();
    }
  });

  it('leaves the channel to simple-peer when the stream’s backlog cannot be read', async () => {
    const { peer, channel, streamed } = realSimplePeer();
    Object.defineProperty(peer, 'readableLength', { value: undefined });
    const handler = channel.onmessage;
    const { received, attach } = linkOf(peer);
    attach();
    expect(channel.onmessage).toBe(handler);
    channel.deliver(bytes(5));
    await settle();
    expect(received).toEqual([[5]]);
    expect(streamed()).toBe(1);
  });
});

describe('simplePeerLink sending, over the real simple-peer', () => {
  it('tells the engine of the channel’s queue, and of its draining below 256 KiB, once per event', () => {
    const { peer, channel } = realSimplePeer();
    const drains: number[] = [];
    const link = simplePeerLink(peer, 'remote', { collectionHint: new CollectionHint() });
    link.attach({ message: () => {}, decoded: () => {}, drain: () => void drains.push(1), close: () => {} });
    // The engine stops sending at 1 MiB queued, and goes on at the drain: without either it waited for ever, or
    // went past Chromium's 16 MiB queue, where `send` throws.
    channel.bufferedAmount = 1_500_000;
    expect(link.bufferedBytes).toBe(1_500_000);
    expect(channel.bufferedAmountLowThreshold).toBe(DRAIN_THRESHOLD_BYTES);
    channel.listeners.get('bufferedamountlow')?.();
    expect(drains).toHaveLength(1);
  });

  it('closes, saying why, and destroys the connection when a send fails', async () => {
    const { peer, channel } = realSimplePeer();
    const { link, closes, attach } = linkOf(peer);
    attach();
    await settle();
    channel.sendFails = new Error('RTCDataChannel send queue is full');
    // simple-peer's own send is refused before the channel is open: as if it were open.
    channel.readyState = 'open';
    link.send(Uint8Array.of(1, 2, 3));
    expect(closes).toEqual(['send failed: RTCDataChannel send queue is full']);
    await settle(); // simple-peer's destroy ends in a scheduled task
    expect(peer.destroyed).toBe(true);
    // Nothing more is tried on it.
    link.send(Uint8Array.of(4));
    expect(closes).toHaveLength(1);
  });

  it('sends nothing on a channel that closed before its close event came, and closes (@roamhq/wrtc crashed there)', async () => {
    const { peer, channel } = realSimplePeer();
    const { link, closes, attach } = linkOf(peer);
    attach();
    await settle();
    let sent = 0;
    channel.send = () => void sent++;
    channel.readyState = 'open';
    link.send(Uint8Array.of(1));
    expect(sent).toBe(1);
    for (const state of ['closing', 'closed'] as const) {
      channel.readyState = state;
      link.send(Uint8Array.of(2));
    }
    expect(sent).toBe(1);
    expect(closes).toEqual(['connection closed']);
    await settle();
    expect(peer.destroyed).toBe(true);
  });
});
