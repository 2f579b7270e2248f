import type { DisplayName, PeerId, SwarmId, SwarmProgress } from '@swarmlab/protocol';

/**
 * The display names members chose (`peer:name`), kept beside the registry rather than in it: a name is
 * only shown, never decides anything. A member's name goes when it leaves; a swarm's, with its last
 * member.
 */
export interface PeerNames {
  /** Sets (or, with null, clears) `peerId`'s name in `swarmId`. */
  set(swarmId: SwarmId, peerId: PeerId, name: DisplayName | null): void;
  /** The member left: its name goes. */
  forget(swarmId: SwarmId, peerId: PeerId): void;
  /** The progress table with each named member's name on its row. */
  label(progress: SwarmProgress): SwarmProgress;
  /** The names in `swarmId`, by peer id (what a shared store keeps with the swarm). */
  namesOf(swarmId: SwarmId): Record<PeerId, DisplayName>;
  /** Names held, over every swarm. */
  readonly size: number;
}

export function createPeerNames(): PeerNames {
  const namesBySwarm = new Map<SwarmId, Map<PeerId, DisplayName>>();
  let size = 0;

  const forget = (swarmId: SwarmId, peerId: PeerId): void => {
    const names = namesBySwarm.get(swarmId);
    if (!names?.delete(peerId)) return;
    size--;
    if (names.size === 0) namesBySwarm.delete(swarmId);
  };

  return {
    set(swarmId, peerId, name) {
      if (name === null) return forget(swarmId, peerId);
      const names = namesBySwarm.get(swarmId) ?? new Map<PeerId, DisplayName>();
      namesBySwarm.set(swarmId, names);
      if (!names.has(peerId)) size++;
      names.set(peerId, name);
    },

    forget,

    label(progress) {
      const names = namesBySwarm.get(progress.swarmId);
      if (!names) return progress;
      return { ...progress, peers: progress.peers.map((peer) => ({ ...peer, name: names.get(peer.peerId) ?? null })) };
    },

    namesOf: (swarmId) => Object.fromEntries(namesBySwarm.get(swarmId) ?? []),

    get size() {
      return size;
    },
  };
}
