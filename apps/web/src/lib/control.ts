/**
 * Who may run a swarm's experiment (issue #10 §3): the sockets that presented its control secret, the
 * creator's tab and screens opened from its control link. Everyone else sees the runs and, as a member,
 * sets only its own links. These are the decisions the run panels draw, as pure functions.
 */

/** Whether this screen may start and stop runs and set every peer's links; if not, why, for the user. */
export type RunControl = { readonly held: true } | { readonly held: false; readonly reason: string };

export const IN_CONTROL: RunControl = { held: true };

/** A peer's tab that joined with the share link. */
export const MEMBER_WITHOUT_CONTROL: RunControl = {
  held: false,
  reason:
    'Runs are started and stopped by the swarm’s creator or a screen opened from its control link; you can set your own links below, unless the creator set them for you.',
};

/** An overview screen opened from a plain watch link. */
export const WATCHER_WITHOUT_CONTROL: RunControl = {
  held: false,
  reason:
    'This screen only watches: runs are started and stopped from the swarm’s creator’s tab or a screen opened from its control link.',
};

/** An overview screen whose control link carried a secret that is not the swarm's. */
export const CONTROL_REFUSED: RunControl = {
  held: false,
  reason: 'This control link’s key is not this swarm’s, so this screen only watches: ask its creator for the link.',
};

/** Before the server has answered: nothing to run yet. */
export const CONTROL_UNKNOWN: RunControl = { held: false, reason: 'Connecting to the signalling server…' };

/**
 * What an overview screen whose swarm has lost its seeder offers (`SeederGone`): to seed the swarm from this tab,
 * as a peer of it, where it holds the control link and the page can make WebRTC connections; where it holds the
 * link but cannot, why not (the offer failed at once, and again); otherwise nothing of its own.
 */
export type SeedHereOffer = 'offered' | 'no-webrtc' | 'not-held';

export function seedHereOffer(control: RunControl, pageHasWebRtc: boolean): SeedHereOffer {
  if (!control.held) return 'not-held';
  return pageHasWebRtc ? 'offered' : 'no-webrtc';
}

/** Whether the run form (start, stop) is shown. */
export function runControlsShown(control: RunControl): boolean {
  return control.held;
}

/**
 * Whether `peerId`'s links can be set from here: anyone's in control, otherwise only this tab's own, unless the
 * controller set them (`setByControl`: the server refuses a member's own change of those).
 */
export function peerLinksEditable(
  control: RunControl,
  selfId: string | undefined,
  peerId: string,
  setByControl = false,
): boolean {
  return control.held || (selfId !== undefined && selfId === peerId && !setByControl);
}
