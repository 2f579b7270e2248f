import type { SignallingError } from '@swarmlab/protocol';
import type { MalformedServerMessage, RejoinStatus } from '@swarmlab/webrtc';
import { userMessageOf } from './user-message';

/** What a peer's page says of its signalling connection, once it was lost; nothing while it never was. */
export interface SignallingNotice {
  /** `lost` and `rejoining` are passing states; `back` is good news; `failed` needs the user's attention. */
  readonly tone: 'pending' | 'good' | 'error';
  /** What it says, and what a screen reader announces: the same sentence through a whole outage. */
  readonly text: string;
  /**
   * The reconnection's attempt, shown after the text but not announced: in the text, a blind student heard the
   * notice again at every attempt, some thirty times in a two-minute restart (found by review).
   */
  readonly attempt?: number;
}

/** How long "Reconnected" stays up: it says the screen is current again, then leaves the page (or projector) its room. */
export const RECONNECTED_NOTICE_MS = 5000;

/** Shown while a tab or screen opening a swarm's link waits for a server that has just restarted to know it again. */
export const WAITING_FOR_SWARM_MESSAGE =
  'The signalling server has just restarted and does not know this swarm yet: waiting for its members to register it again (a few seconds)…';

/** The sentence for a member's signalling story (`SwarmRejoin`): transfers go on over WebRTC throughout. */
export function signallingNotice(status: RejoinStatus | undefined): SignallingNotice | undefined {
  switch (status?.state) {
    case undefined:
      return undefined;
    case 'lost':
      return {
        tone: 'pending',
        text: 'Signalling server lost: transfers go on; reconnecting…',
        ...(status.attempt > 0 && { attempt: status.attempt }),
      };
    case 'rejoining':
      return {
        tone: 'pending',
        text: status.retrying
          ? `Signalling server back, but ${retryReasonOf(status.retrying.code)}: trying again to take this tab’s place back…`
          : 'Signalling server back: taking this tab’s place in the swarm again…',
      };
    case 'back':
      return {
        tone: 'good',
        text: status.resumed.registeredAgain
          ? 'Reconnected: the signalling server had restarted, and this swarm is registered again under the same link.'
          : status.resumed.placeKept
            ? 'Reconnected to the signalling server: nothing was lost.'
            : 'Reconnected: the signalling server had forgotten this tab (it restarted, or the tab was away too long); it took its place in the swarm again.',
      };
    case 'failed':
      return {
        tone: 'error',
        text: `This tab could not take its place in the swarm back. ${userMessageOf(status.error)} Transfers with the peers already connected go on.`,
      };
  }
}

/**
 * Why the page asks again, in its own words: the user messages of these codes tell the user to act ("slow down and
 * retry", "check that it is running"), while the page is already acting (found by review).
 */
function retryReasonOf(code: SignallingError['code']): string {
  switch (code) {
    case 'timeout':
      return 'it is slow to answer';
    case 'rate-limited':
      return 'it is busy (many tabs coming back at once)';
    case 'internal-error':
      return 'it failed for a moment';
    default:
      return 'it refused for a moment';
  }
}

/**
 * Says in the console that a message from the signalling server was ignored (another version of the
 * server, or not swarmlab's): the page goes on as if it had not come, and a developer can see why.
 */
export function warnIgnored(message: MalformedServerMessage): void {
  console.warn(
    `swarmlab: ignored a ${message.name} from the signalling server that this page cannot read: ${message.problem}`,
  );
}
