import type { SignalData } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SwarmConnector, type ConnectFailureCause, type PeerFactory } from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0 answer' };
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.2 9 typ host' },
};

/** A stand-in for simple-peer: records the signals it is given; an initiator makes its offer at once. */
interface FakePeer extends EventEmitter {
  destroyed: boolean;
  readonly initiator: boolean;
  readonly received: SignalData[];
}

/** A connector as `localPeerId`, its peers stand-ins, its relayed signals and departures delivered by hand. */
function connectorAs(localPeerId = 'm') {
  const peers: FakePeer[] = [];
  const { signalling, relay, left } = handSignalling();
  const failures: string[] = [];
  const createPeer: PeerFactory = (options) => {
    const peer: FakePeer = Object.assign(new EventEmitter(), {
      destroyed: false,
      initiator: options.initiator === true,
      received: [] as SignalData[],
    });
    Object.assign(peer, {
      destroy: () => void (peer.destroyed = true),
      signal: (signal: SignalData) => void peer.received.push(signal),
    });
    if (peer.initiator) queueMicrotask(() => peer.emit('signal', OFFER));
    peers.push(peer);
    return peer as never;
  };
  const connector = new SwarmConnector({
    signalling,
    localPeerId,
    iceServers: [],
    createPeer,
    onLink: () => {},
    onConnectError: (peerId, _message, cause: ConnectFailureCause) => void failures.push(`${peerId}: ${cause}`),
  });
  return { connector, peers, failures, relay, left };
}

afterEach(() => void vi.useRealTimers());

describe('SwarmConnector: connections through their life', () => {
  it('destroys every connection still being set up when it is destroyed (each an RTCPeerConnection)', () => {
    const { connector, peers, relay } = connectorAs();
    connector.connectTo(['b']);
    relay('c', OFFER);
    connector.destroy();
    expect(peers.map((peer) => peer.destroyed)).toEqual([true, true]);
  });

  it('offers no more to a member that left while its next try waited', async () => {
    vi.useFakeTimers();
    const { connector, peers, left } = connectorAs();
    connector.connectTo(['b']);
    peers[0]!.emit('error', Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }));
    left('b');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(peers).toHaveLength(1);
    connector.destroy();
  });

  it('takes an offer over an open connection as a new one, the old one dead (the other side lost it first)', () => {
    const { connector, peers, relay } = connectorAs();
    relay('b', OFFER);
    peers[0]!.emit('connect');
    relay('b', OFFER);
    expect(peers).toHaveLength(2);
    expect(peers[0]!.destroyed).toBe(true);
    expect(peers[1]!.received).toEqual([OFFER]);
    connector.destroy();
  });

  it('in glare, the side keeping its offer drops the crossing offer and its candidates until its answer', async () => {
    const { connector, peers, relay } = connectorAs('z'); // 'z' sorts after 'a': its offer stands
    connector.connectTo(['a']);
    await Promise.resolve();
    relay('a', OFFER);
    relay('a', CANDIDATE); // of a's own, crossing connection
    relay('a', ANSWER);
    relay('a', CANDIDATE);
    expect(peers).toHaveLength(1);
    expect(peers[0]!.received).toEqual([ANSWER, CANDIDATE]);
    connector.destroy();
  });

  it('reports an open connection it made that closed by itself, and offers again', async () => {
    vi.useFakeTimers();
    const { connector, peers, failures } = connectorAs();
    connector.connectTo(['b']);
    peers[0]!.emit('connect');
    peers[0]!.emit('close');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(failures).toEqual(['b: lost']);
    expect(peers).toHaveLength(2);
    expect(peers[1]!.initiator).toBe(true);
    connector.destroy();
  });

  it('neither reports nor offers again a connection closed because its member left', async () => {
    vi.useFakeTimers();
    const { connector, peers, failures, left } = connectorAs();
    connector.connectTo(['b']); // made here: a loss would be offered again
    peers[0]!.emit('connect');
    left('b');
    peers[0]!.emit('close');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(failures).toEqual([]);
    expect(peers).toHaveLength(1);
    connector.destroy();
  });
});
