import type { SwarmId } from '@swarmlab/protocol';
import type { ServerLimits } from './limits';

/** A client's network address as `addressKey` gives it. */
export type AddressKey = string;

export type AddressQuotaLimits = Pick<
  ServerLimits,
  'maxConnectionsPerAddress' | 'maxSwarmsPerAddress' | 'maxPeersPerAddressInSwarm'
>;

/** How many entries the quotas hold: all zero once every client is gone. */
export interface AddressQuotaSizes {
  readonly addresses: number;
  readonly swarms: number;
  readonly seats: number;
}

/**
 * What each network address holds on the server: connections, swarms alive that it created, and seats
 * (members) in each swarm. Pure bookkeeping, like the swarm registry: the handlers ask before a
 * connection, a create or a join, and record what happened. Every count is dropped when it reaches
 * zero, so nothing stays behind a client that left.
 */
export interface AddressQuotas {
  /** Whether one more connection from `address` is allowed. */
  canConnect(address: AddressKey): boolean;
  /** Counts a connection; false (counting nothing) if `address` already has as many as allowed. */
  tryConnect(address: AddressKey): boolean;
  disconnected(address: AddressKey): void;
  canCreateSwarm(address: AddressKey): boolean;
  /** A socket of `address` created `swarmId`; it counts against the address until the swarm ends. */
  swarmCreated(address: AddressKey, swarmId: SwarmId): void;
  /** Whether one more member from `address` may enter `swarmId`. */
  canJoin(address: AddressKey, swarmId: SwarmId): boolean;
  /** A socket of `address` became a member of `swarmId` (its founder included). */
  joined(address: AddressKey, swarmId: SwarmId): void;
  left(address: AddressKey, swarmId: SwarmId): void;
  /** `swarmId` was deleted: it no longer counts against its creator's address. */
  swarmEnded(swarmId: SwarmId): void;
  sizes(): AddressQuotaSizes;
}

export function createAddressQuotas(limits: AddressQuotaLimits): AddressQuotas {
  const connections = new Map<AddressKey, number>();
  const swarmsCreated = new Map<AddressKey, number>();
  const creatorOf = new Map<SwarmId, AddressKey>();
  const seats = new Map<SwarmId, Map<AddressKey, number>>();

  const add = <Key>(counts: Map<Key, number>, key: Key, delta: number): void => {
    const count = (counts.get(key) ?? 0) + delta;
    if (count > 0) counts.set(key, count);
    else counts.delete(key);
  };

  const canConnect = (address: AddressKey): boolean =>
    (connections.get(address) ?? 0) < limits.maxConnectionsPerAddress;

  return {
    canConnect,

    tryConnect(address) {
      if (!canConnect(address)) return false;
      add(connections, address, 1);
      return true;
    },

    disconnected: (address) => add(connections, address, -1),

    canCreateSwarm: (address) => (swarmsCreated.get(address) ?? 0) < limits.maxSwarmsPerAddress,

    swarmCreated(address, swarmId) {
      add(swarmsCreated, address, 1);
      creatorOf.set(swarmId, address);
    },

    canJoin: (address, swarmId) => (seats.get(swarmId)?.get(address) ?? 0) < limits.maxPeersPerAddressInSwarm,

    joined(address, swarmId) {
      const members = seats.get(swarmId) ?? new Map<AddressKey, number>();
      seats.set(swarmId, members);
      add(members, address, 1);
    },

    left(address, swarmId) {
      const members = seats.get(swarmId);
      if (!members) return;
      add(members, address, -1);
      if (members.size === 0) seats.delete(swarmId);
    },

    swarmEnded(swarmId) {
      const creator = creatorOf.get(swarmId);
      creatorOf.delete(swarmId);
      seats.delete(swarmId);
      if (creator !== undefined) add(swarmsCreated, creator, -1);
    },

    sizes: () => ({
      addresses: new Set([...connections.keys(), ...swarmsCreated.keys()]).size,
      swarms: creatorOf.size,
      seats: [...seats.values()].reduce((total, members) => total + members.size, 0),
    }),
  };
}
