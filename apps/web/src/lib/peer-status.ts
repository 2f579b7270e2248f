import type { PeerProgress, RunState } from '@swarmlab/protocol';
import { formatSeconds } from './format';

/**
 * A member's part in the latest run, in words, for its row of the swarm table. A verdict of that run only (a
 * completion not confirmed by its senders, or withholding) gives its reason here; a member's own flag has a line
 * of its own in the row.
 */
export function peerStatusText(peer: PeerProgress, run: RunState | null): string {
  const part = run?.participants.find((other) => other.peerId === peer.peerId);
  if (!run || !part) return run?.phase === 'running' ? 'not in this run' : 'waiting for a run';
  if (part.role === 'seeder') return run.phase === 'running' ? 'seeding' : 'seeded';
  if (part.completedAfterMs !== null) {
    const counted = part.flagged
      ? `, not counted${peer.flagged ? '' : ` (${part.flagged.reason})`}`
      : part.corroborated
        ? ''
        : ', until its senders confirm it';
    return `complete after ${formatSeconds(part.completedAfterMs / 1000)}${part.leftRun ? ', left (selfish)' : ', stays'}${counted}`;
  }
  return run.phase === 'running' ? 'downloading' : run.phase;
}
