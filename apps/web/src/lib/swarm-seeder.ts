import type { SwarmProgress } from '@swarmlab/protocol';

/** Whether a member of the swarm seeds it: without one nobody holds the whole file, and no run can start. */
export function hasSeeder(progress: SwarmProgress): boolean {
  return progress.peers.some((peer) => peer.role === 'seeder');
}
