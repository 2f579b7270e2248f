import type { Manifest, PeerId, SwarmId } from '@swarmlab/protocol';
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
 * Swarms (rooms) and their members: which socket is which peer in which swarm. Pure bookkeeping with
 * no I/O, so the server's rules (caps, one swarm per socket, deletion of empty swarms) are tested
 * without sockets.
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
}

/** Thrown when a caller breaks an invariant it must ensure itself (fresh random ids are unique). */
export class DuplicateIdError extends Error {
  override readonly name = 'DuplicateIdError';
}

interface MutableSwarm extends Swarm {
  readonly members: Map<PeerId, SocketId>;
}

export function createSwarmRegistry(limits: SwarmRegistryLimits): SwarmRegistry {
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
      const swarm: MutableSwarm = {
        swarmId,
        contentId,
        manifest,
        members: new Map([[founder.peerId, founder.socketId]]),
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
      if (swarm.members.has(peerId)) throw new DuplicateIdError(`peer ${peerId} is already in swarm ${swarmId}`);
      const existingPeers = [...swarm.members.keys()];
      swarm.members.set(peerId, socketId);
      memberships.set(socketId, { swarmId, peerId });
      return { ok: true, swarm, existingPeers };
    },

    leave(socketId) {
      const membership = memberships.get(socketId);
      if (!membership) return undefined;
      memberships.delete(socketId);
      const swarm = swarms.get(membership.swarmId);
      swarm?.members.delete(membership.peerId);
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
  };
}
