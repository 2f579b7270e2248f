import type { RunState } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { RunAnnouncements, runAnnouncement } from '../src/lib/run-announcement';
import { FILE_BYTES, runState, swarmProgress } from './fakes';

/** `run` with no upload caps, each participant's peak upload `peakUploadBytesPerSec` (what the server kept). */
function uncappedRun(run: RunState, peakUploadBytesPerSec: number): RunState {
  return {
    ...run,
    participants: run.participants.map((peer) => ({
      ...peer,
      settings: { ...peer.settings, uploadBytesPerSec: null },
      peakUploadBytesPerSec,
    })),
  };
}

describe('runAnnouncement', () => {
  it('says nothing without a run', () => {
    expect(runAnnouncement(null, FILE_BYTES, undefined)).toBeUndefined();
  });

  it('says a run started, then the same words however far it got', () => {
    const early = runState(4, 'running', 100);
    const late = runState(4, 'running', 7_000);
    expect(runAnnouncement(early, FILE_BYTES, swarmProgress('s', early))).toBe('Run 4 (peer-to-peer) started');
    expect(runAnnouncement(late, FILE_BYTES, swarmProgress('s', late, 3e6))).toBe('Run 4 (peer-to-peer) started');
  });

  it('gives a finished run its time and its ratio to the bound of its mode', () => {
    const p2p = runState(2, 'finished');
    // Every link 1 MB/s (the seeder's included), 2 leechers: D_p2p = max(F/u_s, 2F/(u_s + Σu_i)) = F/1 MB/s.
    const p2pRatio = 8 / (FILE_BYTES / 1e6);
    expect(runAnnouncement(p2p, FILE_BYTES, swarmProgress('s', p2p))).toBe(
      `Run 2 (peer-to-peer) finished in 8.00 s, ${p2pRatio.toFixed(2)} times the peer-to-peer bound`,
    );
    const clientServer = { ...p2p, config: { ...p2p.config, mode: 'client-server' as const } };
    // D_cs = N·F/u_s.
    const csRatio = 8 / ((2 * FILE_BYTES) / 1e6);
    expect(runAnnouncement(clientServer, FILE_BYTES, swarmProgress('s', clientServer))).toBe(
      `Run 2 (client-server) finished in 8.00 s, ${csRatio.toFixed(2)} times the client-server bound`,
    );
  });

  it('says the bound is an estimate where a link has no cap (its measured peak stands in)', () => {
    const uncapped = uncappedRun(runState(2, 'finished'), 1e6);
    // Every peak 1 MB/s, as the caps of the run above: the same bound, estimated.
    expect(runAnnouncement(uncapped, FILE_BYTES, swarmProgress('s', uncapped))).toBe(
      `Run 2 (peer-to-peer) finished in 8.00 s, ${(8 / (FILE_BYTES / 1e6)).toFixed(2)} times the peer-to-peer bound (estimate)`,
    );
    const clientServer = { ...uncapped, config: { ...uncapped.config, mode: 'client-server' as const } };
    expect(runAnnouncement(clientServer, FILE_BYTES, swarmProgress('s', clientServer))).toMatch(
      / times the client-server bound \(estimate\)$/,
    );
  });

  it('leaves the ratio out where the bound is unknown', () => {
    const uncapped = uncappedRun(runState(2, 'finished'), 0);
    // No caps and no measured peaks: every rate reads 0, and no bound can be drawn.
    expect(runAnnouncement(uncapped, FILE_BYTES, swarmProgress('s', uncapped))).toBe(
      'Run 2 (peer-to-peer) finished in 8.00 s',
    );
  });

  it('says a run stopped, or why it was interrupted', () => {
    expect(runAnnouncement(runState(5, 'stopped'), FILE_BYTES, undefined)).toBe('Run 5 (peer-to-peer) stopped');
    const interrupted = { ...runState(5, 'interrupted'), interruption: 'the signalling server restarted' };
    expect(runAnnouncement(interrupted, FILE_BYTES, undefined)).toBe(
      'Run 5 (peer-to-peer) interrupted: the signalling server restarted',
    );
  });
});

describe('RunAnnouncements', () => {
  it('words each run’s phase once: a bound that moves after the end is not read out again', () => {
    // No caps: the bound rests on the peers' peaks, a row's among them while its tab is open.
    const uncapped = uncappedRun(runState(2, 'finished'), 500_000);
    const withRows = swarmProgress('s', uncapped);
    const rowPeak = {
      ...withRows,
      peers: withRows.peers.map((peer) => ({ ...peer, report: { ...peer.report!, peakUploadBytesPerSec: 560_000 } })),
    };
    const rowsGone = { ...withRows, peers: [] };
    // Worded afresh each time, the text moves as the rows go.
    expect(runAnnouncement(uncapped, FILE_BYTES, rowPeak)).not.toBe(runAnnouncement(uncapped, FILE_BYTES, rowsGone));
    const announcements = new RunAnnouncements();
    const first = announcements.of(uncapped, FILE_BYTES, rowPeak);
    expect(announcements.of(uncapped, FILE_BYTES, rowsGone)).toBe(first);
    // A new phase, or a new run, is worded as it comes.
    const next = runState(3, 'running');
    expect(announcements.of(next, FILE_BYTES, swarmProgress('s', next))).toBe('Run 3 (peer-to-peer) started');
    expect(announcements.of(null, FILE_BYTES, undefined)).toBeUndefined();
  });
});
