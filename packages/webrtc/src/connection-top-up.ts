import type { PeerId, PeerProgress } from '@swarmlab/protocol';

/**
 * Least time between two top-ups of a member's connections (`connectionTopUp`). Each makes one try to each member it
 * has no connection with, up to its cap (`SwarmConnector.topUp`), none tried again but a leecher's to the seeder: on
 * a network that keeps every pair apart, a tab makes some 24 offers a minute (`DEFAULT_MAX_INITIATED_CONNECTIONS`),
 * against 96 in its first 95 s; a seeder (no cap) one a minute to each member it has no connection or try with.
 */
export const CONNECTION_TOP_UP_INTERVAL_MS = 60_000;

/** What a top-up reads of a table (`SwarmProgress`): its members in joining order, and which are away. */
export interface TableMembers {
  readonly peers: readonly Pick<PeerProgress, 'peerId' | 'away'>[];
}

export interface ConnectionTopUpDeps {
  /** This member's own peer id: the tables list it too. */
  readonly localPeerId: PeerId;
  readonly nowMs: () => number;
  /** One more try to each member named, up to the cap (`SwarmConnector.topUp`). */
  readonly topUp: (peerIds: readonly PeerId[]) => void;
}

/**
 * What a member does with each table the server sends (`swarm:progress`), once `CONNECTION_TOP_UP_INTERVAL_MS` has
 * passed since it entered or last did: it tops its connections back up from the members the table lists, in joining
 * order, but itself and those away (whose signals the server refuses). A tab and a headless peer both call it, so
 * the two cannot diverge. A connector gives a peer up after `MAX_CONNECT_ATTEMPTS` failed tries, and otherwise
 * connects only as it enters and takes its place back: a pair that failed four times in the first 95 s of a
 * congested lesson stayed apart to its end, and nothing brought a tab back up to its cap (found by review).
 */
export function connectionTopUp(deps: ConnectionTopUpDeps): (progress: TableMembers) => void {
  let lastMs = deps.nowMs();
  return (progress) => {
    const nowMs = deps.nowMs();
    if (nowMs - lastMs < CONNECTION_TOP_UP_INTERVAL_MS) return;
    lastMs = nowMs;
    deps.topUp(
      progress.peers.filter(({ peerId, away }) => !away && peerId !== deps.localPeerId).map(({ peerId }) => peerId),
    );
  };
}
