import type { Instance as SimplePeerInstance, SignalData } from 'simple-peer';
import { pollUntil } from '@swarmlab/test-kit';
import type { PeerLink } from '@swarmlab/engine';
import { CollectionHint, simplePeerLink } from '@swarmlab/webrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { nodePeerFactory } from '../src/node-peer-factory';

const WAIT_MS = 15_000;
const MESSAGES = 200;

const peers: SimplePeerInstance[] = [];
afterEach(() => {
  for (const peer of peers.splice(0)) peer.destroy();
});

/** The link a connected peer gets, once simple-peer says it is connected (as `SwarmConnector` makes it). */
interface Connected {
  readonly link: PeerLink;
  readonly received: Uint8Array[];
  /** Messages simple-peer's own channel handler took (into its stream) after the link existed. */
  readonly viaSimplePeer: () => number;
}

function connectedLink(peer: SimplePeerInstance, remotePeerId: string): Promise<Connected> {
  return new Promise((resolve, reject) => {
    peer.on('error', reject);
    peer.on('connect', () => {
      const channel = (peer as unknown as { _channel: RTCDataChannel })._channel;
      const simplePeerHandler = channel.onmessage;
      let viaSimplePeer = 0;
      channel.onmessage = function (this: RTCDataChannel, event: MessageEvent) {
        viaSimplePeer++;
        simplePeerHandler?.call(this, event);
      };
      const link = simplePeerLink(peer, remotePeerId, { collectionHint: new CollectionHint() });
      const received: Uint8Array[] = [];
      link.attach({
        message: (bytes) => received.push(bytes.slice()),
        decoded: () => {},
        drain: () => {},
        close: () => {},
      });
      resolve({ link, received, viaSimplePeer: () => viaSimplePeer });
    });
  });
}

describe('simplePeerLink over @roamhq/wrtc', () => {
  it('takes binary messages straight from the data channel, in order, none through simple-peer’s stream', async () => {
    const offerer = nodePeerFactory({ initiator: true, trickle: true, config: { iceServers: [] } });
    const answerer = nodePeerFactory({ initiator: false, trickle: true, config: { iceServers: [] } });
    peers.push(offerer, answerer);
    offerer.on('signal', (signal: SignalData) => answerer.signal(signal));
    answerer.on('signal', (signal: SignalData) => offerer.signal(signal));
    const [sending, receiving] = await Promise.all([connectedLink(offerer, 'b'), connectedLink(answerer, 'a')]);

    const sent: number[][] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const message = Uint8Array.from({ length: 1 + (i % 7) * 1000 }, (_, k) => (i + k) % 256);
      sent.push([...message]);
      sending.link.send(message);
    }
    await pollUntil(() => receiving.received.length >= MESSAGES, 'every message received', WAIT_MS);
    expect(receiving.received.map((bytes) => [...bytes])).toEqual(sent);
    expect(receiving.viaSimplePeer()).toBe(0);
  });
});
