import type { DropReason } from '@swarmlab/engine';

/** What a peer did to be disconnected, in the words of the line that says so. */
const DEEDS: Readonly<Record<DropReason, string>> = {
  'bad-blocks': 'sent bad data',
  'protocol-violation': 'broke the protocol',
  'request-flood': 'flooded this tab with requests',
  'handshake-mismatch': 'offered another file',
  'protocol-version': 'runs another version of swarmlab (reload its page, or this one)',
};

/** The line a tab shows for a peer its engine disconnected: "peer Quiet Otter sent bad data: disconnected". */
export function droppedPeerMessage(peerName: string, reason: DropReason): string {
  return `peer ${peerName} ${DEEDS[reason]}: disconnected`;
}
