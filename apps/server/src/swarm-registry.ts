import type { Manifest, PeerId, PeerProgress, ProgressReport, SwarmId, SwarmProgress } from '@swarmlab/protocol';
import type { ClockMs } from './rate-limiter';
import type { RefusalCode } from './refusals';

/** socket.io's id for one connection; the registry only stores it, so it stays transport-free. */
export type SocketId = string;

export interface Member {
  readonly peerId: PeerId;
  readonly socketId: SocketId;
}

export interface Swarm {
  readonly swarmId: SwarmId;
  readonly contentId: string;
  readonly manifest: Manifest;
  /** In joining order, so the peer list a newcomer receives starts with the oldest peers (the seed). */
  readonly members: ReadonlyMap<PeerId, SocketId>;
}

export type ReportOutcome = { readonly ok: true; readonly swarmId: SwarmId } | Refusal<'not-in-swarm'>;

export interface Membership {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
}

/** An expected refusal, as the protocol error code the server answers with. */
export type Refusal<Code extends RefusalCode> = { readonly ok: false; readonly code: Code };

export type CreateOutcome =
  { readonly ok: true; readonly swarm: Swarm } | Refusal<'too-many-swarms' | 'already-in-swarm'>;

export type JoinOutcome =
  | { readonly ok: true; readonly swarm: Swarm; readonly existingPeers: readonly PeerId[] }
  | Refusal<'swarm-not-found' | 'swarm-full' | 'already-in-swarm'>;

export interface LeaveOutcome {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  /** Sockets still in the swarm, to tell about the departure; empty when the swarm was deleted. */
  readonly remainingSocketIds: readonly SocketId[];
  readonly swarmDeleted: boolean;
}

export interface SwarmRegistryLimits {
  readonly maxSwarms: number;
  readonly maxPeersPerSwarm: number;
}

export interface CreateSwarmInput {
  readonly swarmId: SwarmId;
  readonly contentId: string;
  readonly manifest: Manifest;
  readonly founder: Member;
}

/**
 * Swarms (rooms) and their members: which socket is which peer in which swarm, and each swarm's
 * progress table. Pure bookkeeping with no I/O (time comes from an injected clock), so the server's
 * rules (caps, one swarm per socket, deletion of empty swarms, progress times) are tested without
 * sockets.
 *
 * Progress table: one row per member, in joining order, with its latest report and times on the
 * registry's clock. A member's role is that of its latest report; before its first report, the
 * founder is the seeder and everyone who joined is a leecher. A leecher completes at its first report
 * with `complete: true` and role `leecher`, and counts as a leecher from then on. A completed leecher
 * that leaves keeps its row (`present: false`), so the distribution time stays what it was; any other
 * member that leaves loses its row. At most `maxPeersPerSwarm` departed rows are kept (a swarm is
 * joined and left indefinitely, the table is broadcast to every member): past that the oldest goes,
 * its completion time still counted in `distributionMs`.
 */
export interface SwarmRegistry {
  readonly swarmCount: number;
  hasSwarm(swarmId: SwarmId): boolean;
  create(input: CreateSwarmInput): CreateOutcome;
  join(swarmId: SwarmId, member: Member): JoinOutcome;
  /** Removes the socket from its swarm, deleting the swarm when it empties; undefined if it was in none. */
  leave(socketId: SocketId): LeaveOutcome | undefined;
  membershipOf(socketId: SocketId): Membership | undefined;
  /** The socket of `peerId` in `swarmId`, only if that peer is a member of that very swarm. */
  socketOf(swarmId: SwarmId, peerId: PeerId): SocketId | undefined;
  /** The sockets of every member of `swarmId` except `exceptSocketId`. */
  otherSockets(swarmId: SwarmId, exceptSocketId: SocketId): SocketId[];
  /** The sockets of every member of `swarmId`, in joining order. */
  socketsOf(swarmId: SwarmId): SocketId[];
  /** Whether `peerId` names a row of the swarm's progress table (a member, or a leecher that left). */
  hasPeerId(swarmId: SwarmId, peerId: PeerId): boolean;
  /** Stores the socket's latest progress report in its swarm's table. */
  report(socketId: SocketId, report: ProgressReport): ReportOutcome;
  /** The swarm's progress table as of now, as broadcast to its members; undefined for no such swarm. */
  progressOf(swarmId: SwarmId): SwarmProgress | undefined;
}

/** Thrown when a caller breaks an invariant it must ensure itself (fresh random ids are unique). */
export class DuplicateIdError extends Error {
  override readonly name = 'DuplicateIdError';
}

/** One row of a swarm's progress table; times on the registry's clock. */
interface ProgressRow {
  readonly peerId: PeerId;
  readonly joinedAtMs: number;
  /** Before its first report, the founder counts as the seeder and every joiner as a leecher. */
  readonly initialRole: ProgressReport['role'];
  report: ProgressReport | null;
  completedAtMs: number | null;
  present: boolean;
}

interface MutableSwarm extends Swarm {
  readonly members: Map<PeerId, SocketId>;
  readonly createdAtMs: number;
  firstLeecherJoinedAtMs: number | null;
  /** Every member, and the completed leechers that left, in joining order. */
  readonly rows: Map<PeerId, ProgressRow>;
  /** Latest completion among the departed rows dropped past the cap; they still count as leechers. */
  droppedLatestCompletedAtMs: number | null;
}

const isLeecher = (row: ProgressRow): boolean =>
  row.completedAtMs !== null || (row.report?.role ?? row.initialRole) === 'leecher';

/** `laterMs - earlierMs`, never negative (a founder claiming to be a leecher could complete "before"). */
const since = (laterMs: number, earlierMs: number): number => Math.max(0, laterMs - earlierMs);

function distributionMsOf(swarm: MutableSwarm): number | null {
  if (swarm.firstLeecherJoinedAtMs === null) return null;
  let lastCompletedAtMs = swarm.droppedLatestCompletedAtMs;
  for (const row of swarm.rows.values()) {
    if (!isLeecher(row)) continue;
    if (row.completedAtMs === null) return null;
    lastCompletedAtMs = Math.max(lastCompletedAtMs ?? row.completedAtMs, row.completedAtMs);
  }
  return lastCompletedAtMs === null ? null : since(lastCompletedAtMs, swarm.firstLeecherJoinedAtMs);
}

/** Drops the oldest departed rows past `maxDeparted`, keeping their latest completion time. */
function capDepartedRows(swarm: MutableSwarm, maxDeparted: number): void {
  const departed = [...swarm.rows.values()].filter((row) => !row.present);
  for (const row of departed.slice(0, Math.max(0, departed.length - maxDeparted))) {
    swarm.rows.delete(row.peerId);
    if (row.completedAtMs !== null) {
      swarm.droppedLatestCompletedAtMs = Math.max(
        swarm.droppedLatestCompletedAtMs ?? row.completedAtMs,
        row.completedAtMs,
      );
    }
  }
}

/** `nowMs` is the clock of every progress time; `performance.now()` by default. */
export function createSwarmRegistry(
  limits: SwarmRegistryLimits,
  nowMs: ClockMs = () => performance.now(),
): SwarmRegistry {
  const swarms = new Map<SwarmId, MutableSwarm>();
  const memberships = new Map<SocketId, Membership>();

  return {
    get swarmCount() {
      return swarms.size;
    },

    hasSwarm(swarmId) {
      return swarms.has(swarmId);
    },

    create({ swarmId, contentId, manifest, founder }) {
      if (memberships.has(founder.socketId)) return { ok: false, code: 'already-in-swarm' };
      if (swarms.size >= limits.maxSwarms) return { ok: false, code: 'too-many-swarms' };
      if (swarms.has(swarmId)) throw new DuplicateIdError(`swarm ${swarmId} already exists`);
      const createdAtMs = nowMs();
      const swarm: MutableSwarm = {
        swarmId,
        contentId,
        manifest,
        members: new Map([[founder.peerId, founder.socketId]]),
        createdAtMs,
        firstLeecherJoinedAtMs: null,
        rows: new Map([[founder.peerId, newRow(founder.peerId, createdAtMs, 'seeder')]]),
        droppedLatestCompletedAtMs: null,
      };
      swarms.set(swarmId, swarm);
      memberships.set(founder.socketId, { swarmId, peerId: founder.peerId });
      return { ok: true, swarm };
    },

    join(swarmId, { peerId, socketId }) {
      if (memberships.has(socketId)) return { ok: false, code: 'already-in-swarm' };
      const swarm = swarms.get(swarmId);
      if (!swarm) return { ok: false, code: 'swarm-not-found' };
      if (swarm.members.size >= limits.maxPeersPerSwarm) return { ok: false, code: 'swarm-full' };
      if (swarm.rows.has(peerId)) throw new DuplicateIdError(`peer ${peerId} is already in swarm ${swarmId}`);
      const existingPeers = [...swarm.members.keys()];
      const joinedAtMs = nowMs();
      swarm.members.set(peerId, socketId);
      swarm.rows.set(peerId, newRow(peerId, joinedAtMs, 'leecher'));
      swarm.firstLeecherJoinedAtMs ??= joinedAtMs;
      memberships.set(socketId, { swarmId, peerId });
      return { ok: true, swarm, existingPeers };
    },

    leave(socketId) {
      const membership = memberships.get(socketId);
      if (!membership) return undefined;
      memberships.delete(socketId);
      const swarm = swarms.get(membership.swarmId);
      if (swarm) {
        swarm.members.delete(membership.peerId);
        const row = swarm.rows.get(membership.peerId);
        if (row && row.completedAtMs !== null) {
          row.present = false;
          capDepartedRows(swarm, limits.maxPeersPerSwarm);
        } else {
          swarm.rows.delete(membership.peerId);
        }
      }
      const remainingSocketIds = swarm ? [...swarm.members.values()] : [];
      const swarmDeleted = remainingSocketIds.length === 0;
      if (swarmDeleted) swarms.delete(membership.swarmId);
      return { ...membership, remainingSocketIds, swarmDeleted };
    },

    membershipOf(socketId) {
      return memberships.get(socketId);
    },

    socketOf(swarmId, peerId) {
      return swarms.get(swarmId)?.members.get(peerId);
    },

    otherSockets(swarmId, exceptSocketId) {
      const members = swarms.get(swarmId)?.members.values() ?? [];
      return [...members].filter((socketId) => socketId !== exceptSocketId);
    },

    socketsOf(swarmId) {
      return [...(swarms.get(swarmId)?.members.values() ?? [])];
    },

    hasPeerId(swarmId, peerId) {
      return swarms.get(swarmId)?.rows.has(peerId) ?? false;
    },

    report(socketId, report) {
      const membership = memberships.get(socketId);
      const row = membership && swarms.get(membership.swarmId)?.rows.get(membership.peerId);
      if (!membership || !row) return { ok: false, code: 'not-in-swarm' };
      row.report = report;
      if (report.complete && report.role === 'leecher') row.completedAtMs ??= nowMs();
      return { ok: true, swarmId: membership.swarmId };
    },

    progressOf(swarmId) {
      const swarm = swarms.get(swarmId);
      if (!swarm) return undefined;
      const { createdAtMs, firstLeecherJoinedAtMs } = swarm;
      const peers = [...swarm.rows.values()].map((row): PeerProgress => ({
        peerId: row.peerId,
        report: row.report,
        joinedAfterMs: since(row.joinedAtMs, createdAtMs),
        completedAfterMs:
          row.completedAtMs === null || firstLeecherJoinedAtMs === null
            ? null
            : since(row.completedAtMs, firstLeecherJoinedAtMs),
        present: row.present,
      }));
      return {
        swarmId,
        peers,
        elapsedMs: firstLeecherJoinedAtMs === null ? null : since(nowMs(), firstLeecherJoinedAtMs),
        distributionMs: distributionMsOf(swarm),
      };
    },
  };
}

function newRow(peerId: PeerId, joinedAtMs: number, initialRole: ProgressReport['role']): ProgressRow {
  return { peerId, joinedAtMs, initialRole, report: null, completedAtMs: null, present: true };
}
