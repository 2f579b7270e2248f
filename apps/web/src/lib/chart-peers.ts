import type { PeerProgress } from '@swarmlab/protocol';
import { defaultPeerName, shownPeerNames } from './peer-name';
import type { ChartPoint } from './chart-canvas.svelte';
import type { SwarmRatePoint } from './state/swarm-rates.svelte';

/** A line of the every-peer throughput chart: its peer, and the label the legend and the tooltip give it. */
export interface ChartPeer {
  readonly peerId: string;
  readonly label: string;
}

/**
 * The lines of the every-peer throughput chart: the swarm's members in the table's order, then each peer the run's
 * points hold that is no longer a member (it completed and closed its tab: its line went at the next redraw, and a
 * finished run's chart lacked the fastest completers who left; found by review), under the label it had while it
 * was a member (the name the class saw), or the name the screens make up if this page never saw its row.
 */
export class ChartLines {
  #runNumber: number | undefined;
  /** Each peer's label while it was a member, in the run shown. */
  readonly #labels = new Map<string, string>();

  linesOf(
    points: readonly SwarmRatePoint[],
    peers: readonly Pick<PeerProgress, 'peerId' | 'name' | 'role'>[],
    runNumber: number | undefined,
    selfId?: string,
  ): ChartPeer[] {
    if (runNumber !== this.#runNumber) {
      this.#runNumber = runNumber;
      this.#labels.clear();
    }
    const names = shownPeerNames(peers);
    const lines: ChartPeer[] = peers.map((peer) => ({
      peerId: peer.peerId,
      label: `${names.get(peer.peerId) ?? peer.peerId}${peer.role === 'seeder' ? ' (seeder)' : ''}${peer.peerId === selfId ? ' (you)' : ''}`,
    }));
    for (const { peerId, label } of lines) this.#labels.set(peerId, label);
    const listed = new Set(lines.map((line) => line.peerId));
    for (const point of points)
      for (const peerId of Object.keys(point.downloadBytesPerSec)) {
        if (listed.has(peerId)) continue;
        listed.add(peerId);
        lines.push({ peerId, label: `${this.#labels.get(peerId) ?? defaultPeerName(peerId)} (left)` });
      }
    return lines;
  }
}

/**
 * A peer's line of the every-peer chart, MB/s over seconds: its download rate at each instant it reported, broken
 * (a null) over the instants it was away between two it reported, so no straight line bridges the gap as if it had
 * gone on downloading. Nothing before its first instant or after its last (a peer that joined late, or left).
 */
export function peerLinePoints(points: readonly SwarmRatePoint[], peerId: string): ChartPoint[] {
  const line: ChartPoint[] = [];
  let gapAtSec: number | undefined;
  for (const point of points) {
    const rate = point.downloadBytesPerSec[peerId];
    if (rate === undefined) {
      if (line.length > 0) gapAtSec ??= point.atSec;
      continue;
    }
    if (gapAtSec !== undefined) line.push({ x: gapAtSec, y: null });
    gapAtSec = undefined;
    line.push({ x: point.atSec, y: rate / 1e6 });
  }
  return line;
}
