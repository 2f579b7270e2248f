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
  /** Circle radius in map units: the ring's nodes shrink as they grow in number, so they never overlap. */
  readonly radius: number;
}

/** Side of the map's square viewBox. */
export const MAP_SIZE = 1000;
/** A ring node's radius while the ring has room for it (up to 33 nodes). */
export const NODE_RADIUS = 34;
/** The smallest a ring node gets (the server's limit is configurable, so the ring may hold hundreds). */
export const MIN_NODE_RADIUS = 3;
export const SEEDER_RADIUS = 48;
/** Outline width of a node at full size; it thins with the node (SwarmMap.svelte draws it). */
export const NODE_STROKE = 4;
/** Room kept free between the outlines of two neighbours on the ring. */
export const NODE_GAP = 8;
/** Room below the lowest node for its name (the label sits under its node). */
export const LABEL_ROOM = 40;
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
  // The lowest node's name must fit inside the map as well as the node (the SVG clips what lies outside).
  const ringRadius = size / 2 - NODE_RADIUS - LABEL_ROOM;
  const seederId = peers.find((peer) => peer.seeder)?.peerId;
  const ring = peers.filter((peer) => peer.peerId !== seederId);
  const radius = ringNodeRadius(ring.length, ringRadius);
  const nodes: MapNode[] = [];
  if (seederId !== undefined)
    nodes.push({ peerId: seederId, seeder: true, x: centre, y: centre, radius: SEEDER_RADIUS });
  ring.forEach((peer, index) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * index) / ring.length;
    nodes.push({
      peerId: peer.peerId,
      seeder: false,
      x: round(centre + ringRadius * Math.cos(angle)),
      y: round(centre + ringRadius * Math.sin(angle)),
      radius,
    });
  });
  return nodes;
}

/**
 * The radius of each of `count` nodes spread evenly on a circle of `ringRadius`: full size while they fit,
 * then as large as leaves {@link NODE_GAP} between neighbours' outlines (the chord between two neighbours is
 * 2·R·sin(π/count)).
 */
export function ringNodeRadius(count: number, ringRadius: number): number {
  if (count < 2) return NODE_RADIUS;
  const spacing = 2 * ringRadius * Math.sin(Math.PI / count);
  const fitting = (spacing - NODE_GAP) / 2 / (1 + NODE_STROKE / 2 / NODE_RADIUS);
  return round(Math.min(NODE_RADIUS, Math.max(MIN_NODE_RADIUS, fitting)));
}

/** A node's outline width: {@link NODE_STROKE} at full size, thinner in proportion as the node shrinks. */
export function nodeStroke(node: MapNode): number {
  return node.seeder ? NODE_STROKE : round((NODE_STROKE * node.radius) / NODE_RADIUS);
}

/** Size of a name under its node, in map units (SwarmMap.svelte's `.label`). */
export const LABEL_FONT = 26;
/** Ring nodes are named on the map up to this many; more, and neighbours' names would print over each other. */
export const MAX_LABELLED_RING = 10;

/** A character of a name, at most, in ems of the map's font (for names' room; the page's font is narrower). */
export const LABEL_CHAR_EM = 0.62;

/**
 * The longest name the map prints under a node, in characters: names this long stay apart on every ring of up to
 * {@link MAX_LABELLED_RING} nodes. A chosen name may have 32, and one with a namesake its short id too: 38-character
 * names printed over each other, and a long one at 3 or 9 o'clock, moved far inwards, read as the seeder's (found by
 * review).
 */
export const MAX_LABEL_CHARS = 16;

/**
 * A name as the map prints it: cut to {@link MAX_LABEL_CHARS} with an ellipsis, keeping a namesake's short id
 * (" ·xuvICh") whole. The full name is the node's tooltip.
 */
export function mapLabelOf(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_LABEL_CHARS) return name;
  const suffixAt = name.lastIndexOf(' ·');
  const suffix = suffixAt > 0 ? [...name.slice(suffixAt)] : [];
  const base = suffix.length > 0 ? [...name.slice(0, suffixAt)] : chars;
  const room = MAX_LABEL_CHARS - 1 - suffix.length;
  if (room < 1) return `${chars.slice(0, MAX_LABEL_CHARS - 1).join('')}…`;
  return `${base.slice(0, room).join('').trimEnd()}…${suffix.join('')}`;
}

export interface LabelPlacement {
  readonly x: number;
  readonly y: number;
}

/**
 * Where a node's name of `nameChars` characters goes (its middle, `text-anchor: middle`): under the node,
 * moved inwards as far as it takes to keep the whole name inside the map (centred under a node at 3 or 9
 * o'clock, it lost its first or last letters at the edge).
 */
export function labelPlacement(node: MapNode, nameChars: number, size = MAP_SIZE): LabelPlacement {
  const halfWidth = Math.min(size / 2, (nameChars * LABEL_CHAR_EM * LABEL_FONT) / 2);
  return {
    x: round(Math.min(size - halfWidth, Math.max(halfWidth, node.x))),
    y: round(node.y + node.radius + 30),
  };
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
 * edges stay visible next to a fast one), narrower in proportion where a node has shrunk.
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
  const startGap = from.radius;
  const endGap = to.radius;
  const share = fastestBytesPerSec > 0 ? Math.min(1, Math.max(0, bytesPerSec / fastestBytesPerSec)) : 0;
  // Thinner between shrunken nodes: the arrowhead (four widths long) must not cover the next node on the ring.
  const scale = Math.min(1, Math.min(from.radius, to.radius) / NODE_RADIUS);
  return {
    x1: round(from.x + ux * startGap + nx),
    y1: round(from.y + uy * startGap + ny),
    x2: round(to.x - ux * endGap + nx),
    y2: round(to.y - uy * endGap + ny),
    widthPx: round(
      Math.max(MIN_EDGE_WIDTH, (MIN_EDGE_WIDTH + (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH) * Math.sqrt(share)) * scale),
    ),
    dashPeriodSec: round(Math.max(0.25, 1.5 - 1.25 * share)),
  };
}

const round = (value: number): number => Math.round(value * 100) / 100;
