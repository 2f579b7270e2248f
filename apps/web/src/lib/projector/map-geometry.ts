/**
 * Where the swarm map draws its nodes and edges (SVG user units), without the DOM. The seeder sits in the
 * middle and the leechers on a circle around it, so a client-server run draws a star (every edge a spoke
 * from the middle) and a p2p run a mesh (chords between leechers on top of the spokes).
 */
export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface MapNode extends Point {
  readonly peerId: string;
  readonly seeder: boolean;
}

/** Side of the map's square viewBox. */
export const MAP_SIZE = 1000;
export const NODE_RADIUS = 34;
export const SEEDER_RADIUS = 48;
/** Edge widths: a trickle stays visible, the fastest pair is unmistakable. */
export const MIN_EDGE_WIDTH = 2;
export const MAX_EDGE_WIDTH = 18;
/** Apart from each other, so a pair sending both ways shows two edges, not one. */
export const EDGE_SEPARATION = 7;

/**
 * The seeder (the first peer whose role is seeder) in the middle, everyone else evenly on a circle, the
 * first at the top, going clockwise in the order given (joining order: stable as peers come and go).
 */
export function circleLayout(peers: readonly { peerId: string; seeder: boolean }[], size = MAP_SIZE): MapNode[] {
  const centre = size / 2;
  const radius = size / 2 - SEEDER_RADIUS - 8;
  const seederId = peers.find((peer) => peer.seeder)?.peerId;
  const ring = peers.filter((peer) => peer.peerId !== seederId);
  const nodes: MapNode[] = [];
  if (seederId !== undefined) nodes.push({ peerId: seederId, seeder: true, x: centre, y: centre });
  ring.forEach((peer, index) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * index) / ring.length;
    nodes.push({
      peerId: peer.peerId,
      seeder: false,
      x: round(centre + radius * Math.cos(angle)),
      y: round(centre + radius * Math.sin(angle)),
    });
  });
  return nodes;
}

export interface EdgeGeometry {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly widthPx: number;
  /** Seconds one dash takes to travel its length: faster flows move faster. */
  readonly dashPeriodSec: number;
}

/**
 * A directed edge from `from` to `to`: shortened to the nodes' rims, shifted to the right of its direction
 * (so a→b and b→a lie side by side), as wide as its share of `fastestBytesPerSec` (square root, so slow
 * edges stay visible next to a fast one).
 */
export function edgeGeometry(
  from: MapNode,
  to: MapNode,
  bytesPerSec: number,
  fastestBytesPerSec: number,
): EdgeGeometry {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = dx / length;
  const uy = dy / length;
  // Right of the direction of travel in SVG's y-down coordinates.
  const nx = -uy * EDGE_SEPARATION;
  const ny = ux * EDGE_SEPARATION;
  const startGap = from.seeder ? SEEDER_RADIUS : NODE_RADIUS;
  const endGap = to.seeder ? SEEDER_RADIUS : NODE_RADIUS;
  const share = fastestBytesPerSec > 0 ? Math.min(1, Math.max(0, bytesPerSec / fastestBytesPerSec)) : 0;
  return {
    x1: round(from.x + ux * startGap + nx),
    y1: round(from.y + uy * startGap + ny),
    x2: round(to.x - ux * endGap + nx),
    y2: round(to.y - uy * endGap + ny),
    widthPx: round(MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * Math.sqrt(share)),
    dashPeriodSec: round(Math.max(0.25, 1.5 - 1.25 * share)),
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;
