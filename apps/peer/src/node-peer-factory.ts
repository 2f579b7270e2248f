import wrtc from '@roamhq/wrtc';
import SimplePeer from 'simple-peer';
import type { PeerFactory } from '@swarmlab/webrtc';

/**
 * simple-peer over `@roamhq/wrtc`, the WebRTC stack that installs from the npm registry alone (prebuilt
 * binaries in per-platform packages): a Node peer speaks to browser tabs over the same data channels.
 * simple-peer's Node module (not the browser bundle the web app loads) takes the stack as its `wrtc` option.
 */
export const nodePeerFactory: PeerFactory = (options) => new SimplePeer({ ...options, wrtc });
