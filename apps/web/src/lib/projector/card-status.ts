import type { PeerProgress, PeerReport, RunParticipant, RunState } from '@swarmlab/protocol';
import { formatSeconds } from '../format';

/**
 * Whether the screens say a peer cannot connect (its card's status and dotted border, its swarm table row): its latest
 * report says so (`ProgressReport.cannotConnect`), and nothing said of it comes first: a result (a completed leecher), a
 * dropped signalling connection ("reconnecting": its report is from before), refused reports, or being the seeder.
 * One rule for the three: the border and the row showed it beside "reconnecting" (found by review).
 */
export function cannotConnectShown(
  peer: Pick<PeerProgress, 'flagged' | 'away'> & {
    readonly role?: PeerProgress['role'];
    readonly report?: Pick<PeerReport, 'cannotConnect'> | null;
  },
  participant: RunParticipant | undefined,
): boolean {
  if (!peer.report?.cannotConnect || peer.away || peer.flagged || participant?.flagged) return false;
  if (peer.role === 'seeder' || participant?.role === 'seeder') return false;
  return participant?.completedAfterMs == null;
}

/**
 * The few words a projector card says of its peer, readable from the back of a room: how far it is
 * ("37 of 64"), when it completed ("done 4.2 s"), or why it shows nothing ("waiting", "not in this run", "cannot
 * connect": its latest report says its tries to connect fail, `ProgressReport.cannotConnect`).
 */
export function cardStatus(
  peer: Pick<PeerProgress, 'flagged' | 'away'> & {
    readonly role?: PeerProgress['role'];
    readonly report?: Pick<PeerReport, 'cannotConnect'> | null;
  },
  run: RunState | null,
  participant: RunParticipant | undefined,
  heldChunks: number,
  chunkCount: number,
): string {
  if (peer.flagged) return 'reports refused';
  // Flagged in this run only (its completion unconfirmed, or withheld by others' accounts): not counted in it.
  if (participant?.flagged) return 'not counted in this run';
  // Its result stands whatever became of its connection since: a completer whose laptop's Wi-Fi dropped showed
  // "reconnecting" instead of its time for the grace period (found by review).
  if (run && participant?.role === 'leecher' && participant.completedAfterMs !== null)
    return `done ${formatSeconds(participant.completedAfterMs / 1000)}`;
  // Its signalling dropped: what the server last heard of it stands still until it is back (or given up).
  if (peer.away) return 'reconnecting';
  // Before what it holds or waits for: a laptop no other reaches stays at 0 %, and looked like one waiting its turn.
  if (cannotConnectShown(peer, participant)) return 'cannot connect';
  if (!run || !participant) return run?.phase === 'running' ? 'not in this run' : 'waiting';
  if (participant.role === 'seeder') return run.phase === 'running' ? 'seeding' : 'seeded';
  return run.phase === 'running' ? `${heldChunks} of ${chunkCount}` : run.phase;
}

/**
 * The report whose bitmap a screen draws for a peer, or null for none (an empty bitmap). While a run goes on, a
 * leecher taking part in it whose latest report is of another run (its tab ended the last run's engine and is
 * opening this run's store) holds nothing of this run yet: its previous run's whole file showed, "1024 of 1024",
 * until its first report of the new run (found by review).
 */
export function reportShown(
  report: PeerReport | null,
  run: RunState | null,
  participant: RunParticipant | undefined,
): PeerReport | null {
  if (!report || !run || run.phase !== 'running' || participant?.role !== 'leecher') return report;
  return report.runNumber === run.runNumber ? report : null;
}

/**
 * The report whose rates a screen shows for a peer (its table row, its card), or null for none: one of the run shown,
 * from a peer not away. An away peer's last rates stood still in the swarm table, looking live (found by review).
 */
export function ratesShown(
  peer: Pick<PeerProgress, 'away'>,
  report: PeerReport | null,
  run: RunState | null,
): PeerReport | null {
  if (!report || !run || peer.away || report.runNumber !== run.runNumber) return null;
  return report;
}
