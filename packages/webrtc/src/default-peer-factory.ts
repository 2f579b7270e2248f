// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the bundle's ambient type must travel with this file into every consumer's type check
/// <reference path="./simple-peer-module.d.ts" />
import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { PeerFactory } from './swarm-connector';

/** simple-peer from its prebuilt browser bundle. */
export const browserPeerFactory: PeerFactory = (options) => new SimplePeer(options);

/**
 * Whether this page can make WebRTC connections: some browsers turn it off (Firefox's
 * `media.peerconnection.enabled`, Tor Browser, locked-down webviews), and simple-peer then throws as a peer is made.
 */
export function pageHasWebRtc(): boolean {
  return typeof globalThis.RTCPeerConnection === 'function';
}
