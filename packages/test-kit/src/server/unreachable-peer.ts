import { EventEmitter } from 'node:events';

/** A simple-peer stand-in: what a connector calls on it, and its events. */
export type FakePeer = EventEmitter & { destroyed: boolean; destroy(): void; signal(): void };

/**
 * A simple-peer whose ICE fails at once (an `error` 5 ms on), as on a network that keeps machines from reaching each
 * other: a `PeerFactory`'s answer (cast to its type where used, this kit not depending on `@swarmlab/webrtc`).
 */
export function unreachablePeer(): FakePeer {
  const peer: FakePeer = Object.assign(new EventEmitter(), {
    destroyed: false,
    destroy() {
      peer.destroyed = true;
    },
    signal() {},
  });
  setTimeout(() => !peer.destroyed && peer.emit('error', new Error('Ice connection failed.')), 5);
  return peer;
}
