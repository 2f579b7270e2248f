import type { SwarmProgress } from '@swarmlab/protocol';

/** Whether a member of the swarm seeds it: without one nobody holds the whole file, and no run can start. */
export function hasSeeder(progress: SwarmProgress): boolean {
  return progress.peers.some((peer) => peer.role === 'seeder');
}

/** What a screen says while the seeder's tab may be on its way back (a restart, or this screen reconnected). */
export const SEEDER_AWAITED_TEXT =
  'The seeder is not back yet: the signalling server restarted, or this screen reconnected. Its tab has a moment to come back.';
