import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { PeerLink } from '@swarmlab/engine';
import type { SignalData } from '@swarmlab/protocol';
import type { Instance as SimplePeerInstance, Options as SimplePeerOptions } from 'simple-peer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXTRA_DATA_CHANNEL_MESSAGE } from '../src/first-data-channel';
import { SwarmConnector, type ConnectFailureCause, type PeerFactory } from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };

/** A data channel the other side opened, as far as simple-peer and the link touch it. */
class StubChannel {
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  sent = 0;
  closed = 0;
  readonly listeners = new Map<string, () => void>();
  close(): void {
    this.closed++;
  }
  send(): void {
    this.sent++;
  }
  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, listener);
  }
}

/**
 * A connector that answers with the real simple-peer (the browser bundle the web app loads) over a stub WebRTC stack
 * whose negotiation never finishes: the channels the other side opens are delivered by hand (`openChannel`), and
 * the connection opening is simple-peer's `connect` said by hand (`opened`).
 */
function answeringConnector() {
  const connections: Array<{ ondatachannel: ((event: { channel: StubChannel }) => void) | null }> = [];
  class StubPeerConnection {
    ondatachannel: ((event: { channel: StubChannel }) => void) | null = null;
    constructor() {
      connections.push(this);
    }
    setRemoteDescription(): Promise<never> {
      return new Promise(() => {});
    }
    close(): void {}
    addEventListener(): void {}
    removeEventListener(): void {}
  }
  /** What simple-peer hands `setRemoteDescription`: the offer as it came. */
  class StubSessionDescription {
    constructor(readonly init: unknown) {}
  }
  const peers: SimplePeerInstance[] = [];
  const createPeer: PeerFactory = (options) => {
    const wrtc = { RTCPeerConnection: StubPeerConnection, RTCSessionDescription: StubSessionDescription };
    const peer = new SimplePeer({ ...options, wrtc } as unknown as SimplePeerOptions);
    peers.push(peer);
    return peer;
  };
  const { signalling, relay } = handSignalling();
  const links: PeerLink[] = [];
  const failures: string[] = [];
  const connector = new SwarmConnector({
    signalling,
    localPeerId: 'seeder',
    iceServers: [],
    createPeer,
    onLink: (link) => void links.push(link),
    onConnectError: (peerId, message, cause: ConnectFailureCause) =>
      void failures.push(`${peerId} ${cause}: ${message}`),
  });
  return {
    connector,
    links,
    failures,
    offer: (from: string) => relay(from, OFFER),
    openChannel: (channel: StubChannel) => connections.at(-1)!.ondatachannel?.({ channel }),
    opened: () => peers.at(-1)!.emit('connect'),
  };
}

/** Lets simple-peer's scheduled work run (its bundle's `process.nextTick` is a timer). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

afterEach(() => void vi.restoreAllMocks());

describe('SwarmConnector: a member it answers that opens more data channels', () => {
  it('keeps the first channel for the link, closes the others, says so once, and leaves no timer behind', async () => {
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const clearInterval = vi.spyOn(globalThis, 'clearInterval');
    const { connector, links, failures, offer, openChannel, opened } = answeringConnector();
    offer('hostile');
    const first = new StubChannel();
    openChannel(first);
    opened();
    expect(links).toHaveLength(1);
    const link = links[0]!;
    link.attach({ message: () => {}, decoded: () => {}, drain: () => {}, close: () => {} });

    // Once connected, no renegotiation needed: simple-peer took each as its channel, and started a timer for each.
    const extras = [new StubChannel(), new StubChannel(), new StubChannel()];
    for (const extra of extras) openChannel(extra);
    expect(extras.map((extra) => extra.closed)).toEqual([1, 1, 1]);
    expect(failures).toEqual([`hostile peer: ${EXTRA_DATA_CHANNEL_MESSAGE}`]);

    // The link sends on, and reads the queue of, the channel it waits on for `drain`.
    link.send(Uint8Array.of(1));
    expect(first.sent).toBe(1);
    expect(extras.map((extra) => extra.sent)).toEqual([0, 0, 0]);
    first.bufferedAmount = 2_000_000;
    expect(link.bufferedBytes).toBe(2_000_000);
    expect(first.listeners.has('bufferedamountlow')).toBe(true);

    link.close();
    await settle();
    const cleared = new Set(clearInterval.mock.calls.map(([id]) => id));
    const made = setInterval.mock.results.map(({ value }) => value as ReturnType<typeof globalThis.setInterval>);
    const running = made.filter((id) => !cleared.has(id));
    // Each one left running kept its closed peer alive for the page's life.
    for (const id of running) globalThis.clearInterval(id);
    expect(running).toEqual([]);
    connector.destroy();
  });

  it('hands simple-peer the first channel even when another follows it at once', () => {
    const { connector, failures, offer, openChannel } = answeringConnector();
    offer('hostile');
    const [first, second] = [new StubChannel(), new StubChannel()];
    openChannel(first);
    openChannel(second);
    expect([first.closed, second.closed]).toEqual([0, 1]);
    expect(failures).toHaveLength(1);
    connector.destroy();
  });
});
