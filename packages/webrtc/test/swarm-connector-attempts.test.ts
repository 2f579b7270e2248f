import type { SignalData, SignalSendRequest } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONNECT_RETRY_DELAY_MS, CONNECT_TIMEOUT_MS, SwarmConnector, type PeerFactory } from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

const ANSWER = (sdp: string): SignalData => ({ type: 'answer', sdp });
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 192.168.1.7 9 typ host' },
};

/** A connector whose peers record the signals given them; an initiator's offers as a browser's (one per peer). */
function connector(localPeerId = 'a') {
  const peers: (EventEmitter & { destroyed: boolean; received: SignalData[] })[] = [];
  const sent: SignalSendRequest[] = [];
  const { signalling, relay } = handSignalling(async (request) => {
    sent.push(request);
    return { ok: true };
  });
  const createPeer: PeerFactory = (options) => {
    const peer = Object.assign(new EventEmitter(), {
      destroyed: false,
      received: [] as SignalData[],
      destroy() {
        this.destroyed = true;
      },
      signal(signal: SignalData) {
        peer.received.push(signal);
        if (signal.type === 'offer') queueMicrotask(() => peer.emit('signal', ANSWER(`answer ${peers.indexOf(peer)}`)));
      },
    });
    if (options.initiator) queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: `offer ${peers.length}` }));
    peers.push(peer);
    return peer as unknown as ReturnType<PeerFactory>;
  };
  const swarm = new SwarmConnector({
    signalling,
    localPeerId,
    iceServers: [],
    createPeer,
    onLink: () => {},
  });
  return { swarm, peers, sent, relay };
}

afterEach(() => void vi.useRealTimers());

describe('each try of a connection has an id its signals carry', () => {
  it('drops a busy peer’s late answer to a try it gave up: the next try connects on its own answer', async () => {
    vi.useFakeTimers();
    const { swarm, peers, sent, relay } = connector();
    swarm.connectTo(['b']);
    await vi.advanceTimersByTimeAsync(0);
    const first = sent[0]!.attempt;
    expect(first).toBeTypeOf('number');
    // b is busy: the first try times out, and the next opens within the retry delay.
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + CONNECT_RETRY_DELAY_MS * 1.5);
    expect(peers).toHaveLength(2);
    const second = sent[1]!.attempt;
    expect(second).toBeTypeOf('number');
    expect(second).not.toBe(first);
    // b's answer to the first offer and its candidate come now; then its answer to the second.
    relay('b', ANSWER('late answer to offer 1'), first);
    relay('b', CANDIDATE, first);
    relay('b', ANSWER('answer to offer 2'), second);
    relay('b', CANDIDATE, second);
    // Before, the try took the late answer and failed on its own ("Called in wrong state: stable").
    expect(peers[1]!.received).toEqual([ANSWER('answer to offer 2'), CANDIDATE]);
    swarm.destroy();
  });

  it('answers with the offer’s id, and drops the candidates of an offer its peer replaced', async () => {
    const { swarm, peers, sent, relay } = connector();
    relay('b', { type: 'offer', sdp: 'offer 1' }, 7);
    await Promise.resolve();
    expect(sent).toEqual([{ to: 'b', signal: ANSWER('answer 0'), attempt: 7 }]);
    relay('b', { type: 'offer', sdp: 'offer 2' }, 8);
    relay('b', CANDIDATE, 7);
    relay('b', CANDIDATE, 8);
    expect(peers[0]!.destroyed).toBe(true);
    expect(peers[1]!.received).toEqual([{ type: 'offer', sdp: 'offer 2' }, CANDIDATE]);
    await Promise.resolve();
    expect(sent.at(-1)).toEqual({ to: 'b', signal: ANSWER('answer 1'), attempt: 8 });
    swarm.destroy();
  });

  it('takes the signals of a peer that gives no id, as before', async () => {
    const { swarm, peers, sent, relay } = connector();
    relay('b', { type: 'offer', sdp: 'offer 1' });
    relay('b', CANDIDATE);
    await Promise.resolve();
    expect(peers[0]!.received).toEqual([{ type: 'offer', sdp: 'offer 1' }, CANDIDATE]);
    expect(sent).toEqual([{ to: 'b', signal: ANSWER('answer 0') }]);
    swarm.destroy();
  });
});

describe('a server from before try ids', () => {
  it('refusing the field, has the signals sent without it from then on: no connection ever opened through it', async () => {
    const peers: (EventEmitter & { destroyed: boolean })[] = [];
    const relayed: SignalSendRequest[] = [];
    const createPeer: PeerFactory = (options) => {
      const peer = Object.assign(new EventEmitter(), {
        destroyed: false,
        destroy() {
          this.destroyed = true;
        },
        signal() {},
      });
      if (options.initiator) queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: 'offer' }));
      peers.push(peer);
      return peer as unknown as ReturnType<PeerFactory>;
    };
    const swarm = new SwarmConnector({
      signalling: {
        on: (() => () => {}) as never,
        // Its schema is strict, and knows no `attempt`.
        sendSignal: async (request) => {
          if (request.attempt !== undefined)
            return { ok: false, error: { code: 'invalid-payload', message: 'unrecognized key: "attempt"' } };
          relayed.push(request);
          return { ok: true };
        },
      },
      localPeerId: 'a',
      iceServers: [],
      createPeer,
      onLink: () => {},
    });
    swarm.connectTo(['b', 'c']);
    await vi.waitFor(() => expect(relayed).toHaveLength(2));
    expect(relayed.map((request) => request.to).sort()).toEqual(['b', 'c']);
    expect(peers.every((peer) => !peer.destroyed)).toBe(true);
    swarm.destroy();
  });
});
