import type { Clock } from '@swarmlab/engine';
import type { SwarmProgress } from '@swarmlab/protocol';

/**
 * The longest a completed leecher puts off hashing its whole file while its run goes on. The hash reads the
 * stored file back and digests it: on one machine of tabs (2 cores, 8 leechers) a tab doing so as it completes
 * took CPU from the tabs still downloading, and the run ended about 3 % later (`bench swarm --peers 8`). Waiting
 * for the run's end costs nothing in a room of laptops, where a tab's CPU is its own; the limit keeps a run that
 * goes on for long (a slow peer, a tab that never completes) from holding the hash back for as long.
 */
export const WHOLE_FILE_HASH_MAX_WAIT_MS = 15_000;

/**
 * Whether run `runNumber` is over as far as `progress` (the swarm's latest broadcast) says: it shows that run
 * finished or stopped, or a newer one. A broadcast from before the run (no run yet, an older one) says nothing
 * of it: a tab can complete a small file before the first broadcast of its run arrives.
 */
export function runIsOver(progress: SwarmProgress | undefined, runNumber: number): boolean {
  const run = progress?.run;
  if (!run) return false;
  return run.runNumber > runNumber || (run.runNumber === runNumber && run.phase !== 'running');
}

interface Wait {
  readonly runNumber: number;
  readonly resolve: () => void;
  readonly cancelTimer: () => void;
}

/**
 * Waits for runs to end: `until(runNumber)` resolves once a broadcast `seen` says that run is over (it
 * finished, was stopped, or a newer one began), after `maxWaitMs` (a server that restarted may never say),
 * or when `releaseAll` is called (the tab left). Broadcasts come from the server; the clock is injected (the
 * browser's, or a test's).
 */
export class RunOverWaits {
  readonly #clock: Clock;
  readonly #waits = new Set<Wait>();
  #latest: SwarmProgress | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves once run `runNumber` is over, or `maxWaitMs` after the call, whichever comes first. */
  until(runNumber: number, maxWaitMs = WHOLE_FILE_HASH_MAX_WAIT_MS): Promise<void> {
    if (runIsOver(this.#latest, runNumber)) return Promise.resolve();
    return new Promise((resolve) => {
      const wait: Wait = {
        runNumber,
        resolve: () => {
          this.#waits.delete(wait);
          wait.cancelTimer();
          resolve();
        },
        cancelTimer: this.#clock.setTimer(maxWaitMs, () => wait.resolve()),
      };
      this.#waits.add(wait);
    });
  }

  /** The swarm's latest broadcast: every wait for a run it shows over ends. */
  seen(progress: SwarmProgress | undefined): void {
    this.#latest = progress;
    for (const wait of [...this.#waits]) if (runIsOver(progress, wait.runNumber)) wait.resolve();
  }

  /** Ends every wait at once (the tab leaves: nothing is left to wait for). */
  releaseAll(): void {
    for (const wait of [...this.#waits]) wait.resolve();
  }
}
