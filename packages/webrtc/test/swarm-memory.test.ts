import { DEFAULT_RUN_CONFIG, type SwarmProgress } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { swarmMemoryOf } from '../src/swarm-rejoin';

const progress = (runNumber: number | null): SwarmProgress =>
  ({
    swarmId: 'swarm',
    peers: [
      {
        peerId: 'me',
        role: 'leecher',
        report: null,
        joinedAfterMs: 0,
        override: { uploadBytesPerSec: 5e5 },
        flagged: null,
        away: false,
      },
      { peerId: 'other', role: 'leecher', report: null, joinedAfterMs: 0, override: {}, flagged: null, away: false },
    ],
    config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server' },
    run: runNumber === null ? null : { runNumber },
    flows: [],
  }) as unknown as SwarmProgress;

describe('what a member remembers of its swarm between runs', () => {
  it('is the latest run number it saw, its own settings and the swarm’s', () => {
    expect(swarmMemoryOf(progress(3), 'me', 2)).toEqual({
      latestRunNumber: 3,
      override: { uploadBytesPerSec: 5e5 },
      config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server' },
    });
    // Its own run may be newer than the broadcast it last got; a member without settings of its own has none.
    expect(swarmMemoryOf(progress(3), 'other', 4)).toEqual({
      latestRunNumber: 4,
      config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server' },
    });
    expect(swarmMemoryOf(progress(null), 'other', undefined)).toEqual({
      config: { ...DEFAULT_RUN_CONFIG, mode: 'client-server' },
    });
    expect(swarmMemoryOf(undefined, 'me', undefined)).toEqual({});
  });

  it('lists, for a member in control, the links a screen in control set for members (none for a student)', () => {
    const table = progress(3);
    const set = { uploadBytesPerSec: 1e6, downloadBytesPerSec: 2e6 };
    const peers = [
      { ...table.peers[0]!, overrideByControl: true, override: set },
      // Cleared by the controller: the member's own again.
      { ...table.peers[1]!, overrideByControl: false },
    ];
    const withLinks = { ...table, peers };
    expect(swarmMemoryOf(withLinks, 'other', 3, true).controlLinks).toEqual([{ peerId: 'me', override: set }]);
    expect(swarmMemoryOf(withLinks, 'other', 3).controlLinks).toBeUndefined();
    expect(swarmMemoryOf(table, 'other', 3, true).controlLinks).toBeUndefined();
  });
});
