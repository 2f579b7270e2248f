import type { Manifest, SwarmProgress } from '@swarmlab/protocol';

/**
 * One progress broadcast of a swarm, with the swarm and file it is about: what the run history and the
 * swarm's rate chart are built from, on a peer's tab and an overview screen alike.
 */
export interface SwarmBroadcast {
  readonly swarmId: string;
  readonly manifest: Manifest;
  readonly progress: SwarmProgress;
}

/** Hears every broadcast once the manifest is known (one that came earlier is heard then). */
export type OnSwarmBroadcast = (broadcast: SwarmBroadcast) => void;
