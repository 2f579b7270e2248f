/// <reference path="./simple-peer-module.d.ts" />
import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { PeerFactory } from './swarm-connector';

/** simple-peer from its prebuilt browser bundle. */
export const browserPeerFactory: PeerFactory = (options) => new SimplePeer(options);
