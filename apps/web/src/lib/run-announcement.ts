import type { RunState, SwarmProgress } from '@swarmlab/protocol';
import { formatSeconds } from './format';
import { boundsOfRun } from './run-record';

/**
 * A run's phase in words for a screen reader: said as the run starts and as it ends, never as its figures move.
 * Undefined without a run. A finished run's ratio is computed from the bound as it stands: a screen words each phase
 * once (`RunAnnouncements`), so a bound that moves after the end is not read out again.
 */
export function runAnnouncement(
  run: RunState | null | undefined,
  fileBytes: number,
  progress: SwarmProgress | undefined,
): string | undefined {
  if (!run) return undefined;
  const mode = run.config.mode === 'p2p' ? 'peer-to-peer' : 'client-server';
  const name = `Run ${run.runNumber} (${mode})`;
  switch (run.phase) {
    case 'running':
      return `${name} started`;
    case 'stopped':
      return `${name} stopped`;
    case 'interrupted':
      return `${name} interrupted${run.interruption === null ? '' : `: ${run.interruption}`}`;
    case 'finished': {
      if (run.distributionMs === null) return `${name} finished`;
      const measuredSec = run.distributionMs / 1000;
      const bounds = boundsOfRun(run, fileBytes, progress);
      const p2p = run.config.mode === 'p2p';
      const boundSec = p2p ? bounds.p2pSec : bounds.clientServerSec;
      // In words: a screen reader read "D_P2P" letter by letter. Estimated where a link has no cap (its measured peak
      // stands in for it), as the race clock and the summary say: it was read out as if exact (found by review).
      const bound = `the ${mode} bound${(p2p ? bounds.p2pEstimated : bounds.clientServerEstimated) ? ' (estimate)' : ''}`;
      const against =
        boundSec !== null && boundSec > 0 ? `, ${(measuredSec / boundSec).toFixed(2)} times ${bound}` : '';
      return `${name} finished in ${formatSeconds(measuredSec)}${against}`;
    }
  }
}

/**
 * The announcements of one screen: each run's phase is worded once, as it is first seen. A finished run's ratio rests
 * on its peers' peak rates where links have no cap, and moves a little after the end (a peer's row goes as its tab
 * closes): worded again, it was read out again on every screen (found by review).
 */
export class RunAnnouncements {
  #key: string | undefined;
  #text: string | undefined;

  of(run: RunState | null | undefined, fileBytes: number, progress: SwarmProgress | undefined): string | undefined {
    const key = run ? `${run.runNumber}:${run.phase}` : undefined;
    if (key !== this.#key) {
      this.#key = key;
      this.#text = runAnnouncement(run, fileBytes, progress);
    }
    return this.#text;
  }
}
