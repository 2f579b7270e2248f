import { Duplex } from 'node:stream';
import type { Instance as SimplePeerInstance } from 'simple-peer';
import { describe, expect, it } from 'vitest';
import { CollectionHint } from '../src/collection-hint';
import { simplePeerLink } from '../src/simple-peer-link';

/** The parts of an RTCDataChannel simple-peer and the link touch. */
class FakeChannel {
  onmessage: ((this: FakeChannel, event: { data: unknown }) => void) | null = null;
  bufferedAmountLowThreshold = 0;
  readonly listeners = new Map<string, () => void>();
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, listener);
  }
  /** A message arriving, as the browser dispatches it. */
  deliver(data: unknown): void {
    this.onmessage?.call(this, { data });
  }
}

/**
 * simple-peer as far as the link sees it: a Duplex whose channel handler pushes each message into the
 * stream as a Buffer (what simple-peer's `_onChannelMessage` does), counting what went that way.
 */
class FakePeer extends Duplex {
  readonly _channel = new FakeChannel();
  bufferSize = 0;
  streamed = 0;
  readonly sent: Uint8Array[] = [];

  constructor() {
    super({ allowHalfOpen: false });
    this._channel.onmessage = (event) => {
      this.streamed++;
      this.push(typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer));
    };
  }

  override _read(): void {}

  override _write(_chunk: unknown, _encoding: string, callback: () => void): void {
    callback();
  }

  send(bytes: Uint8Array): void {
    this.sent.push(bytes);
  }
}

const bytes = (...values: number[]): ArrayBuffer => Uint8Array.from(values).buffer;

function linkOf(peer: FakePeer) {
  const received: number[][] = [];
  const closes: string[] = [];
  const link = simplePeerLink(peer as unknown as SimplePeerInstance, 'remote', new CollectionHint());
  const attach = (): void =>
    link.attach({
      message: (message) => received.push([...message]),
      decoded: () => {},
      drain: () => {},
      close: (reason) => closes.push(reason),
    });
  return { link, received, closes, attach };
}

/** Lets the stream's scheduled work (its flowing, `process.nextTick`) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('simplePeerLink receiving', () => {
  it('hands binary messages to the engine in order without going through simple-peer’s stream', async () => {
    const peer = new FakePeer();
    const { received, attach } = linkOf(peer);
    attach();
    peer._channel.deliver(bytes(1, 2));
    peer._channel.deliver(bytes(3));
    peer._channel.deliver(bytes(4, 5, 6));
    expect(received).toEqual([[1, 2], [3], [4, 5, 6]]);
    await settle();
    expect(received).toHaveLength(3);
    expect(peer.streamed).toBe(0);
  });

  it('delivers messages still waiting in the stream before later ones', async () => {
    const peer = new FakePeer();
    // Received before the link existed: they wait in simple-peer's (paused) stream.
    peer._channel.deliver(bytes(1));
    peer._channel.deliver(bytes(2));
    const { received, attach } = linkOf(peer);
    attach();
    // Arrives while those two still wait: it must not overtake them.
    peer._channel.deliver(bytes(3));
    expect(received).toEqual([]);
    await settle();
    expect(received).toEqual([[1], [2], [3]]);
    expect(peer.streamed).toBe(3);
    // The backlog gone, the next message goes straight.
    peer._channel.deliver(bytes(4));
    expect(received).toEqual([[1], [2], [3], [4]]);
    expect(peer.streamed).toBe(3);
  });

  it('holds messages received before the engine attaches, then hands them over in order', () => {
    const peer = new FakePeer();
    const { received, attach } = linkOf(peer);
    peer._channel.deliver(bytes(7));
    peer._channel.deliver(bytes(8));
    expect(received).toEqual([]);
    attach();
    peer._channel.deliver(bytes(9));
    expect(received).toEqual([[7], [8], [9]]);
  });

  it('hands a text message on as its UTF-8 bytes, in order, for the wire decoder to refuse', async () => {
    const peer = new FakePeer();
    const { received, attach } = linkOf(peer);
    attach();
    await settle(); // the stream flowing, as it is long before a transfer
    peer._channel.deliver(bytes(1));
    peer._channel.deliver('hi');
    peer._channel.deliver(bytes(2));
    await settle();
    expect(received).toEqual([[1], [...new TextEncoder().encode('hi')], [2]]);
    expect(peer.streamed).toBe(1);
  });

  it('hands nothing on once the connection is destroyed', () => {
    const peer = new FakePeer();
    const { received, attach } = linkOf(peer);
    attach();
    peer._channel.deliver(bytes(1));
    peer.destroy();
    peer._channel.deliver(bytes(2));
    expect(received).toEqual([[1]]);
  });
});
