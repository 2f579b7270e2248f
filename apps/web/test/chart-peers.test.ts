import { describe, expect, it } from 'vitest';
import { ChartLines, peerLinePoints } from '../src/lib/chart-peers';
import { defaultPeerName } from '../src/lib/peer-name';

const point = (atSec: number, rates: Record<string, number>) => ({
  atSec,
  downloadBytesPerSec: rates,
  uploadBytesPerSec: {},
});
const seeder = { peerId: 'seedpeer0001', name: null, role: 'seeder' as const };
const ada = { peerId: 'leechpeer001', name: 'Ada', role: 'leecher' as const };
const bo = { peerId: 'leechpeer002', name: 'Bo', role: 'leecher' as const };

describe('the every-peer throughput chart’s lines', () => {
  it('keeps the line of a peer that left during the run, after the members’, under the name the class saw', () => {
    const lines = new ChartLines();
    const points = [point(1, { seedpeer0001: 0, leechpeer001: 1e6, leechpeer002: 2e6 })];
    expect(lines.linesOf(points, [seeder, ada, bo], 1, ada.peerId).map((line) => line.label)).toEqual([
      `${defaultPeerName(seeder.peerId)} (seeder)`,
      'Ada (you)',
      'Bo',
    ]);
    // Bo completes and closes its tab; a peer this page never saw a row of has the name the screens make up.
    points.push(point(2, { seedpeer0001: 0, leechpeer001: 1e6, gonepeer0001: 3e6 }));
    // Before: the chart had a line per row of the table only, and a completer that closed its tab lost its line.
    expect(lines.linesOf(points, [seeder, ada], 1, ada.peerId)).toEqual([
      { peerId: seeder.peerId, label: `${defaultPeerName(seeder.peerId)} (seeder)` },
      { peerId: ada.peerId, label: 'Ada (you)' },
      { peerId: bo.peerId, label: 'Bo (left)' },
      { peerId: 'gonepeer0001', label: `${defaultPeerName('gonepeer0001')} (left)` },
    ]);
  });

  it('forgets the names of an earlier run’s members, and has a line per member, once, when nobody left', () => {
    const lines = new ChartLines();
    lines.linesOf([point(1, { leechpeer002: 5 })], [bo], 1);
    const next = lines.linesOf(
      [point(1, { leechpeer001: 5, leechpeer002: 6 }), point(2, { leechpeer001: 6 })],
      [ada],
      2,
    );
    expect(next.map((line) => line.label)).toEqual(['Ada', `${defaultPeerName(bo.peerId)} (left)`]);
  });
});

describe('a peer’s line on the every-peer chart', () => {
  it('breaks over the instants the peer was away between two it reported, and draws nothing before or after', () => {
    const points = [
      point(1, { other: 1e6 }),
      point(2, { peer: 2e6 }),
      point(3, { peer: 1e6 }),
      point(4, {}),
      point(5, {}),
      point(6, { peer: 3e6 }),
      point(7, {}),
    ];
    // Without the break, chart.js drew a straight line from 3 s to 6 s: a peer downloading while it was gone.
    expect(peerLinePoints(points, 'peer')).toEqual([
      { x: 2, y: 2 },
      { x: 3, y: 1 },
      { x: 4, y: null },
      { x: 6, y: 3 },
    ]);
    expect(peerLinePoints(points, 'nobody')).toEqual([]);
  });
});
