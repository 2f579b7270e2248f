import type { SignallingError, SignallingErrorCode } from '@swarmlab/protocol';

/**
 * The codes this server answers with (`timeout`, `signalling-lost`, `signalling-closed` and `malformed-answer` are the
 * client's own).
 */
export type RefusalCode = Exclude<
  SignallingErrorCode,
  'timeout' | 'signalling-lost' | 'signalling-closed' | 'malformed-answer'
>;

/** What each refusal tells the user, unless the server has something more specific to say. */
export const REFUSAL_MESSAGES: Readonly<Record<RefusalCode, string>> = {
  'invalid-payload': 'The request does not follow the signalling protocol.',
  'payload-too-large': 'The request is larger than this server accepts.',
  'payload-too-deep': 'The request nests deeper than any request of the signalling protocol.',
  'rate-limited': 'Too many requests in a short time: slow down and retry in a moment.',
  'swarm-not-found': 'This swarm link is unknown or has ended: every peer left.',
  'swarm-not-registered-yet':
    'The signalling server has just started and does not know this swarm yet: its members register it again within seconds.',
  'swarm-full': 'This swarm is full: it already has as many peers as this server allows.',
  'swarm-full-for-address':
    'This swarm already has as many tabs from your network address as this server allows: close one first.',
  'too-many-swarms': 'This server is hosting as many swarms as it allows: try again later.',
  'too-many-swarms-from-address':
    'Your network address already has as many swarms going on as this server allows: end one first.',
  'too-many-connections':
    'Your network address already has as many connections to this server as it allows: close a tab first.',
  'already-in-swarm': 'This tab is already in a swarm: leave it first.',
  'not-in-swarm': 'This tab is not in a swarm: create or join one first.',
  'peer-not-found': 'That peer is not in your swarm (it may have left).',
  'content-mismatch': 'The content id is not the SHA-256 of the manifest.',
  'run-in-progress': 'A run is going on: stop it before starting another.',
  'no-run-number-left': 'This swarm has used every run number: share the file again to start a new swarm.',
  'no-run': 'There is no run going on to stop.',
  'too-many-watchers': 'This swarm has as many overview screens as this server allows: close one first.',
  'too-many-watchers-from-address':
    'Your network address already has as many overview screens of this swarm as this server allows: close one first, or open the teacher’s control link.',
  'no-seeder': 'The tab that shared the file has left, so nobody has the whole file: no run can start.',
  'no-leecher':
    'Nobody is here to download the file yet: open the share link in another tab or on another laptop first.',
  'not-in-control':
    'Only the swarm’s creator, or a screen opened from its control link, can start or stop runs and set other peers’ links.',
  'links-set-by-control':
    'The swarm’s creator set this peer’s links for the experiment: only a screen in control of the swarm can change them.',
  'implausible-report': 'This progress report is not physically possible for this file and run.',
  'seal-mismatch':
    'This swarm link was made for another file or another control secret: it cannot be registered with this one.',
  'peer-id-taken': 'Another member of this swarm holds that peer id.',
  'seeder-present':
    'Another member of this swarm holds its seeder’s place (another tab seeding it, or this tab’s own earlier place, kept a moment after its connection dropped): this tab can take part as a peer.',
  'code-not-found': 'No swarm has this code: check it on the screen (a code ends with its swarm).',
  'too-many-code-lookups':
    'Too many codes from your network address named no swarm: wait a minute, or open the link or its QR code instead.',
  'internal-error': 'The server failed while handling this request (it logged why): try again.',
};

/** An expected refusal, as the protocol error code the server answers with (and its usual message). */
export type Refusal<Code extends RefusalCode> = { readonly ok: false; readonly code: Code };

/** A failed `SignallingResult`, with the code's usual message unless `message` is given. */
export function refuse(
  code: RefusalCode,
  message: string = REFUSAL_MESSAGES[code],
): { readonly ok: false; readonly error: SignallingError } {
  return { ok: false, error: { code, message } };
}
