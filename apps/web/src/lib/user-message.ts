import type { SignallingError } from '@swarmlab/protocol';

/** The sentence shown to the user for a refusal from the signalling server: plain words, no codes or stacks. */
export function userMessageOf(error: SignallingError): string {
  switch (error.code) {
    case 'swarm-not-found':
      return 'This swarm link is unknown or has ended: every peer has left, or the server was restarted. Ask for a new link.';
    case 'swarm-not-registered-yet':
      return 'The signalling server has just restarted and none of this swarm’s members registered it again: it has ended, or its tabs cannot reach the server. Ask for a new link if it does not come back.';
    case 'swarm-full':
      return 'This swarm is full: it has as many peers as the server allows.';
    case 'timeout':
      return 'The signalling server did not answer. Check that it is running and reachable.';
    default:
      return error.message;
  }
}

/** What a page without WebRTC says instead of joining or seeding (`pageHasWebRtc`). */
export const NO_WEBRTC_MESSAGE =
  'This browser cannot make WebRTC connections (turned off, or missing), and the swarm’s tabs exchange the file over WebRTC: open the link in another browser, or turn WebRTC on.';
