import type { PeerRole } from '@swarmlab/protocol';
import type { OwnRun } from './state/engine-run.svelte';
import type { SessionPhase } from './state/swarm-session.svelte';

/** What a peer's page announces of its own state comes from. */
export interface AnnouncedTab {
  readonly role: PeerRole | undefined;
  readonly phase: SessionPhase;
  /** The swarm's table shows a run (any phase). */
  readonly swarmHasRun: boolean;
  readonly checkingStoredChunks: boolean;
  /** The run whose whole file this tab kept from before a reload, if any. */
  readonly keptRunNumber: number | undefined;
  readonly ownRun: OwnRun | undefined;
  /** This tab holds its run's whole file. */
  readonly complete: boolean;
}

/**
 * A peer's state in words that change only with it (a few times a run, never with its figures), for its status
 * line's live region. How a run ended (stopped, interrupted, finished) is the run's own region's to say
 * (`run-announcement.ts`): said here as well, from the session's state, which the swarm's table lags or leads by a
 * broadcast, a stop was heard twice, an interruption was called a stop, and the old stop was read again as the next
 * run's store opened (found by review).
 */
export function statusAnnouncement(tab: AnnouncedTab): string {
  // The seeder's own state is the run's: it holds the file throughout.
  if (tab.role === 'seeder') return tab.swarmHasRun ? 'Seeding' : 'Seeding; waiting for a run to start';
  if (tab.checkingStoredChunks) return 'Checking the chunks this tab kept before the reload';
  const { ownRun } = tab;
  if (!ownRun && tab.keptRunNumber !== undefined)
    return `Complete in run ${tab.keptRunNumber} (kept from before the reload); waiting for a run to start`;
  if (!ownRun) return tab.phase === 'waiting' ? 'Waiting for a run to start' : '';
  const run = `run ${ownRun.started.runNumber}`;
  if (ownRun.leftOnCompletion) return `Complete: left ${run} (selfish)`;
  if (tab.complete) return `Complete in ${run}`;
  return tab.phase === 'running' ? `Downloading in ${run}` : '';
}
