import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import type { OwnRun } from '../src/lib/state/engine-run.svelte';
import { statusAnnouncement, type AnnouncedTab } from '../src/lib/status-announcement';

const settings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
const ownRun = (runNumber: number, leftOnCompletion = false): OwnRun => ({
  started: { runNumber, config: DEFAULT_RUN_CONFIG, settings: {} },
  settings,
  leftOnCompletion,
});
const leecher: AnnouncedTab = {
  role: 'leecher',
  phase: 'waiting',
  swarmHasRun: false,
  checkingStoredChunks: false,
  keptRunNumber: undefined,
  ownRun: undefined,
  complete: false,
};

describe('statusAnnouncement', () => {
  it('says a leecher waits, downloads, completes, or left selfish', () => {
    expect(statusAnnouncement(leecher)).toBe('Waiting for a run to start');
    const running = { ...leecher, phase: 'running', swarmHasRun: true, ownRun: ownRun(1) } as const;
    expect(statusAnnouncement(running)).toBe('Downloading in run 1');
    expect(statusAnnouncement({ ...running, complete: true })).toBe('Complete in run 1');
    expect(statusAnnouncement({ ...running, complete: true, ownRun: ownRun(1, true) })).toBe(
      'Complete: left run 1 (selfish)',
    );
  });

  it('leaves how a run ended before the tab completed to the run’s own region, whatever the table shows yet', () => {
    // Stopped (its `run:stopped` heard before the table), interrupted, or the next run's store still opening: the
    // session waits with its old run, incomplete. It said "Run 1 stopped", heard twice, or read again.
    expect(statusAnnouncement({ ...leecher, phase: 'waiting', swarmHasRun: true, ownRun: ownRun(1) })).toBe('');
  });

  it('says a seeder seeds, and a reloaded tab what it kept or checks', () => {
    expect(statusAnnouncement({ ...leecher, role: 'seeder' })).toBe('Seeding; waiting for a run to start');
    expect(statusAnnouncement({ ...leecher, role: 'seeder', phase: 'running', swarmHasRun: true })).toBe('Seeding');
    expect(statusAnnouncement({ ...leecher, checkingStoredChunks: true })).toBe(
      'Checking the chunks this tab kept before the reload',
    );
    expect(statusAnnouncement({ ...leecher, keptRunNumber: 2 })).toBe(
      'Complete in run 2 (kept from before the reload); waiting for a run to start',
    );
  });
});
