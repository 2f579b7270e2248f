import { describe, expect, it } from 'vitest';
import { MAX_SWARM_RATE_POINTS, SwarmRates } from '../src/lib/state/swarm-rates.svelte';
import { runState, SWARM_A, swarmProgress } from './fakes';

describe('SwarmRates', () => {
  it("keeps each broadcast's rates of the peers reporting in the run", () => {
    const rates = new SwarmRates();
    rates.add(swarmProgress(SWARM_A, runState(1, 'running', 1_500), 2e6));
    expect(rates.points).toEqual([
      {
        atSec: 1.5,
        downloadBytesPerSec: { seed: 0, leech0: 2e6, leech1: 2e6 },
        uploadBytesPerSec: { seed: 0, leech0: 0, leech1: 0 },
      },
    ]);
  });

  it('adds no rate of a peer away (its row keeps its last report through its grace)', () => {
    const rates = new SwarmRates();
    const progress = swarmProgress(SWARM_A, runState(1, 'running', 9_000), 2e6);
    const oneAway = { ...progress, peers: progress.peers.map((peer) => ({ ...peer, away: peer.peerId === 'leech0' })) };
    rates.add(oneAway);
    // Before, its frozen 2 MB/s was drawn at every broadcast until it came back or its place went.
    expect(rates.points[0]!.downloadBytesPerSec).toEqual({ seed: 0, leech1: 2e6 });
    expect(rates.points[0]!.uploadBytesPerSec).toEqual({ seed: 0, leech1: 0 });
  });

  it('leaves out peers whose report is of another run', () => {
    const rates = new SwarmRates();
    const progress = swarmProgress(SWARM_A, runState(2, 'running', 1_000));
    const stale = {
      ...progress,
      peers: progress.peers.map((peer) => ({ ...peer, report: { ...peer.report!, runNumber: 1 } })),
    };
    rates.add(stale);
    expect(rates.points[0]!.downloadBytesPerSec).toEqual({});
  });

  it('starts again with each run, adds no instant of a stopped run or no run, and adds a finished run once', () => {
    const rates = new SwarmRates();
    rates.add(swarmProgress(SWARM_A, null));
    rates.add(swarmProgress(SWARM_A, runState(1, 'running', 1_000)));
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished')));
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished')));
    expect(rates.points.map((point) => point.atSec)).toEqual([1, 8]);
    rates.add(swarmProgress(SWARM_A, null));
    expect(rates.points).toHaveLength(2);
    rates.add(swarmProgress(SWARM_A, runState(2, 'running', 500)));
    expect(rates.points.map((point) => point.atSec)).toEqual([0.5]);
    // Stopped: its line ends where it was last seen.
    rates.add(swarmProgress(SWARM_A, runState(2, 'stopped', 3_000)));
    expect(rates.points.map((point) => point.atSec)).toEqual([0.5]);
  });

  it('draws none of the last run’s lines under a newer run first seen stopped (a screen back after it)', () => {
    const rates = new SwarmRates();
    rates.add(swarmProgress(SWARM_A, runState(1, 'running', 1_000)));
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished')));
    // The screen was away while run 2 started and stopped; before, run 1's lines stayed under "during run 2".
    rates.add(swarmProgress(SWARM_A, runState(2, 'stopped', 3_000)));
    expect(rates.points).toEqual([]);
  });

  it('never goes back in time within a run: a table older than the last point is not drawn', () => {
    const rates = new SwarmRates();
    // Two processes on Redis whose clocks differ by 300 ms, or tables crossing on the way.
    for (const elapsedMs of [10_000, 9_700, 10_250])
      rates.add(swarmProgress(SWARM_A, runState(3, 'running', elapsedMs)));
    expect(rates.points.map((point) => point.atSec)).toEqual([10, 10.25]);
  });

  it('keeps a run’s lines when a late table of the run before it comes (tables crossing at its start)', () => {
    const rates = new SwarmRates();
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished', 8_000)));
    rates.add(swarmProgress(SWARM_A, runState(2, 'running', 500)));
    rates.add(swarmProgress(SWARM_A, runState(2, 'running', 750)));
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished', 8_000)));
    rates.add(swarmProgress(SWARM_A, runState(2, 'running', 1_000)));
    expect(rates.points.map((point) => point.atSec)).toEqual([0.5, 0.75, 1]);
    // A swarm whose numbering began again (a run 1 going on) is drawn.
    rates.add(swarmProgress(SWARM_A, runState(1, 'running', 250)));
    expect(rates.points.map((point) => point.atSec)).toEqual([0.25]);
  });

  it('adds an interrupted run’s last instant once, however often it is broadcast', () => {
    const rates = new SwarmRates();
    rates.add(swarmProgress(SWARM_A, runState(1, 'running', 1_000)));
    for (let i = 0; i < 3; i++) rates.add(swarmProgress(SWARM_A, runState(1, 'interrupted', 2_000)));
    expect(rates.points.map((point) => point.atSec)).toEqual([1, 2]);
  });

  it(`keeps at most ${MAX_SWARM_RATE_POINTS} points of the whole run, its start and its end among them`, () => {
    const rates = new SwarmRates();
    const broadcasts = MAX_SWARM_RATE_POINTS * 3 + 1;
    for (let i = 1; i <= broadcasts; i++) rates.add(swarmProgress(SWARM_A, runState(1, 'running', i * 250)));
    expect(rates.points.length).toBeLessThanOrEqual(MAX_SWARM_RATE_POINTS);
    expect(rates.points[0]!.atSec).toBe(0.25);
    // The run's end is drawn, whatever the thinning dropped before it.
    rates.add(swarmProgress(SWARM_A, runState(1, 'finished', (broadcasts + 1) * 250)));
    expect(rates.points.at(-1)!.atSec).toBe(((broadcasts + 1) * 250) / 1000);
  });
});
