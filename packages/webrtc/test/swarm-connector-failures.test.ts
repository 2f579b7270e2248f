import type { SignalData } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import SimplePeer from 'simple-peer/simplepeer.min.js';
import { describe, expect, it, vi } from 'vitest';
import { ConnectTrouble } from '../src/connect-trouble';
import { browserPeerFactory } from '../src/default-peer-factory';
import {
  CONNECT_TIMEOUT_MS,
  failureCauseOf,
  SwarmConnector,
  type ConnectFailureCause,
  type PeerFactory,
} from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

/** A connector over `createPeer`, its relayed signals delivered by hand, its failures recorded. */
function connector(createPeer: PeerFactory) {
  const { signalling, relay } = handSignalling();
  const failures: { peerId: string; message: string; cause: ConnectFailureCause }[] = [];
  const trouble = new ConnectTrouble({ nowMs: () => 0 });
  const swarm = new SwarmConnector({
    signalling,
    localPeerId: 'newcomer',
    iceServers: [],
    createPeer,
    onLink: () => {},
    onConnectError: (peerId, message, cause) => {
      failures.push({ peerId, message, cause });
      trouble.failed(peerId, message, cause);
    },
  });
  return { swarm, relay, failures, trouble };
}

describe('a page without WebRTC (turned off, or missing)', () => {
  it('throws out of no listener, connects to nobody and says why, as `unsupported`', () => {
    // Node has no RTCPeerConnection, as Firefox with `media.peerconnection.enabled` off: simple-peer throws as it is made.
    expect(typeof globalThis.RTCPeerConnection).toBe('undefined');
    const { swarm, relay, failures, trouble } = connector(browserPeerFactory);
    // Before: thrown out of the socket's listener (no answer ever went) and out of `connectTo`.
    expect(() => relay('seeder', { type: 'offer', sdp: 'v=0' })).not.toThrow();
    expect(() => swarm.connectTo(['b', 'c'])).not.toThrow();
    expect(failures.map(({ peerId, cause }) => `${peerId}: ${cause}`)).toEqual([
      'seeder: unsupported',
      'b: unsupported',
      'c: unsupported',
    ]);
    expect(failures[0]!.message).toMatch(/WebRTC/);
    // Not said to be the network's doing.
    expect(trouble.notice).toBeUndefined();
    swarm.destroy();
  });
});

describe('an unusable offer from another member', () => {
  /** RTCPeerConnection as a browser's, refusing any remote description: it cannot parse it. */
  class RefusingConnection {
    createDataChannel() {
      return { addEventListener() {}, close() {} };
    }
    createOffer() {
      return new Promise(() => {});
    }
    setRemoteDescription() {
      return Promise.reject(new Error('Failed to parse SessionDescription'));
    }
    close() {}
    addEventListener() {}
    removeEventListener() {}
  }
  /** RTCSessionDescription as simple-peer makes one: the init object's fields. */
  function Description(this: object, init: object): void {
    Object.assign(this, init);
  }
  const refusingPeers: PeerFactory = (options) =>
    new SimplePeer({
      ...options,
      wrtc: { RTCPeerConnection: RefusingConnection, RTCSessionDescription: Description },
    } as never) as ReturnType<PeerFactory>;

  it.each(['', 'not sdp at all'])('(%j) is the member’s doing, not the network’s', async (sdp) => {
    const { swarm, relay, failures, trouble } = connector(refusingPeers);
    relay('mallory', { type: 'offer', sdp });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures.map(({ peerId, cause }) => `${peerId}: ${cause}`)).toEqual(['mallory: peer']);
    // Before: "your network may keep peers apart", on a newcomer's page, from one member's garbage.
    expect(trouble.notice).toBeUndefined();
    swarm.destroy();
  });

  it('tells simple-peer’s errors apart by their codes', () => {
    const coded = (code: string): Error => Object.assign(new Error(code), { code });
    expect(failureCauseOf(coded('ERR_SIGNALING'))).toBe('peer');
    expect(failureCauseOf(coded('ERR_SET_REMOTE_DESCRIPTION'))).toBe('peer');
    expect(failureCauseOf(coded('ERR_ADD_ICE_CANDIDATE'))).toBe('peer');
    expect(failureCauseOf(coded('ERR_WEBRTC_SUPPORT'))).toBe('unsupported');
    // A connection the browser refused to make (too many of them): shown, as the network's trouble is.
    expect(failureCauseOf(coded('ERR_PC_CONSTRUCTOR'))).toBe('network');
    expect(failureCauseOf(coded('ERR_ICE_CONNECTION_FAILURE'))).toBe('network');
    expect(failureCauseOf(coded('ERR_CONNECTION_FAILURE'))).toBe('network');
    expect(failureCauseOf(new Error('no code'))).toBe('network');
  });
});

describe('the connections a connector makes', () => {
  it('contact no STUN or TURN server unless given one: every RTCPeerConnection has no ICE servers', () => {
    const configs: unknown[] = [];
    class RecordingConnection {
      constructor(config: unknown) {
        configs.push(config);
      }
      createDataChannel() {
        return { binaryType: '', addEventListener() {}, close() {} };
      }
      createOffer() {
        return new Promise(() => {});
      }
      close() {}
      addEventListener() {}
      removeEventListener() {}
    }
    // simple-peer's own default is two public STUN servers: the connector's config must always replace it.
    const { swarm, relay } = connector(
      (options) =>
        new SimplePeer({
          ...options,
          wrtc: { RTCPeerConnection: RecordingConnection },
        } as never) as ReturnType<PeerFactory>,
    );
    swarm.connectTo(['b']);
    relay('c', { type: 'offer', sdp: 'v=0' });
    expect(configs).toHaveLength(2);
    for (const config of configs) expect(config).toMatchObject({ iceServers: [] });
    swarm.destroy();
  });

  it('always include one to the first member given (the seeder), whatever the others drawn', async () => {
    const members = Array.from({ length: 39 }, (_, i) => `peer-${i}`);
    for (let draw = 0; draw < 20; draw++) {
      const offeredTo = new Set<string>();
      const swarm = new SwarmConnector({
        signalling: { on: () => () => {}, sendSignal: async ({ to }) => (offeredTo.add(to), { ok: true }) },
        localPeerId: 'me',
        iceServers: [],
        onLink: () => {},
        createPeer: () => {
          const peer = Object.assign(new EventEmitter(), { destroyed: false, destroy() {}, signal() {} });
          queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: 'v=0' }));
          return peer as unknown as ReturnType<PeerFactory>;
        },
      });
      swarm.connectTo(members);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(offeredTo.size).toBeLessThan(members.length);
      expect(offeredTo.has('peer-0')).toBe(true);
      swarm.destroy();
    }
  });
});

describe('a try that timed out', () => {
  /** Peers that never connect: an initiator's offer is made at once, as simple-peer's would be. */
  const stalledPeers: PeerFactory = (options) => {
    const peer = Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy(): void {
        peer.destroyed = true;
      },
      signal(): void {},
    });
    if (options.initiator)
      queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: 'v=0' } satisfies SignalData));
    return peer as never;
  };

  it('is the signalling’s doing when its offer was never answered, and the network’s once it was', async () => {
    vi.useFakeTimers();
    try {
      const { swarm, relay, failures, trouble } = connector(stalledPeers);
      trouble.seederPeerId = 'seeder';
      swarm.seederPeerId = 'seeder';
      // The seeder's socket dropped as it answered: no answer ever comes. Before, the page said that tries to reach the
      // seeder fail and the network may keep laptops apart.
      swarm.connectTo(['seeder']);
      await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + 1);
      expect(failures.map(({ peerId, cause }) => `${peerId}: ${cause}`)).toEqual(['seeder: signalling']);
      expect(trouble.notice).toBeUndefined();
      // Answered, and still not connected: the network's.
      swarm.connectTo(['b']);
      await vi.advanceTimersByTimeAsync(0);
      relay('b', { type: 'answer', sdp: 'v=0' });
      await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS + 1);
      expect(failures.at(-1)).toMatchObject({ peerId: 'b', message: 'timed out connecting', cause: 'network' });
      swarm.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
