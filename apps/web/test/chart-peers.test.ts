import { describe, expect, it } from 'vitest';
import { chartPeersOf } from '../src/lib/chart-peers';
import { defaultPeerName } from '../src/lib/peer-name';

const point = (atSec: number, rates: Record<string, number>) => ({
  atSec,
  downloadBytesPerSec: rates,
  uploadBytesPerSec: {},
});

describe('the every-peer throughput chart’s lines', () => {
  it('keeps the line of a peer that left the swarm during the run, after the members’', () => {
    const peers = [
      { peerId: 'seedpeer0001', name: null, role: 'seeder' as const },
      { peerId: 'leechpeer001', name: 'Ada', role: 'leecher' as const },
    ];
    const points = [
      point(1, { seedpeer0001: 0, leechpeer001: 1e6, gonepeer0001: 2e6 }),
      point(2, { seedpeer0001: 0, leechpeer001: 1e6 }),
    ];
    // Before: the chart had a line per row of the table only, and a completer that closed its tab lost its line.
    expect(chartPeersOf(points, peers, 'leechpeer001')).toEqual([
      { peerId: 'seedpeer0001', label: `${defaultPeerName('seedpeer0001')} (seeder)` },
      { peerId: 'leechpeer001', label: 'Ada (you)' },
      { peerId: 'gonepeer0001', label: `${defaultPeerName('gonepeer0001')} (left)` },
    ]);
  });

  it('has a line per member, once, when nobody left', () => {
    const peers = [{ peerId: 'leechpeer001', name: null, role: 'leecher' as const }];
    expect(chartPeersOf([point(1, { leechpeer001: 5 }), point(2, { leechpeer001: 6 })], peers)).toHaveLength(1);
  });
});
