import type { PeerProgress, RunParticipant, RunState } from '@swarmlab/protocol';
import { formatSeconds } from '../format';

/**
 * The few words a projector card says of its peer, readable from the back of a room: how far it is
 * ("37 of 64"), when it completed ("done 4.2 s"), or why it shows nothing ("waiting", "not in this run").
 */
export function cardStatus(
  peer: Pick<PeerProgress, 'flagged'>,
  run: RunState | null,
  participant: RunParticipant | undefined,
  heldChunks: number,
  chunkCount: number,
): string {
  if (peer.flagged) return 'reports refused';
  // Flagged in this run only (its completion unconfirmed, or withheld by others' accounts): not counted in it.
  if (participant?.flagged) return 'not counted in this run';
  if (!run || !participant) return run?.phase === 'running' ? 'not in this run' : 'waiting';
  if (participant.role === 'seeder') return run.phase === 'running' ? 'seeding' : 'seeded';
  if (participant.completedAfterMs !== null) return `done ${formatSeconds(participant.completedAfterMs / 1000)}`;
  return run.phase === 'running' ? `${heldChunks} of ${chunkCount}` : run.phase;
}
