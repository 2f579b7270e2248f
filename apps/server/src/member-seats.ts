import type { PeerId, SwarmId } from '@swarmlab/protocol';
import type { AddressKey, AddressQuotas } from './address-quotas';

/**
 * Which address each member's seat counts against (`AddressQuotas`' seats per address in a swarm): a
 * member that resumes from another address moves its seat there, one that leaves frees it.
 */
export interface MemberSeats {
  /** A member joined (or came back to a swarm that had lost it) from `address`. */
  seated(swarmId: SwarmId, peerId: PeerId, address: AddressKey): void;
  /** The member is now on a socket from `address` (it resumed): its seat moves there if it was elsewhere. */
  reseated(swarmId: SwarmId, peerId: PeerId, address: AddressKey): void;
  /** The member is gone: its seat is free. */
  released(swarmId: SwarmId, peerId: PeerId): void;
  /** The seats of `swarmId`'s members, by peer id (what a shared store keeps with the swarm). */
  seatsOf(swarmId: SwarmId): Record<PeerId, AddressKey>;
}

export function createMemberSeats(quotas: Pick<AddressQuotas, 'joined' | 'left'>): MemberSeats {
  const seatsBySwarm = new Map<SwarmId, Map<PeerId, AddressKey>>();

  const seatsIn = (swarmId: SwarmId): Map<PeerId, AddressKey> => {
    const seats = seatsBySwarm.get(swarmId) ?? new Map<PeerId, AddressKey>();
    seatsBySwarm.set(swarmId, seats);
    return seats;
  };

  const released = (swarmId: SwarmId, peerId: PeerId): void => {
    const seats = seatsBySwarm.get(swarmId);
    const address = seats?.get(peerId);
    if (!seats || address === undefined) return;
    seats.delete(peerId);
    if (seats.size === 0) seatsBySwarm.delete(swarmId);
    quotas.left(address, swarmId);
  };

  return {
    seated(swarmId, peerId, address) {
      seatsIn(swarmId).set(peerId, address);
      quotas.joined(address, swarmId);
    },
    reseated(swarmId, peerId, address) {
      if (seatsBySwarm.get(swarmId)?.get(peerId) === address) return;
      released(swarmId, peerId);
      this.seated(swarmId, peerId, address);
    },
    released,
    seatsOf: (swarmId) => Object.fromEntries(seatsBySwarm.get(swarmId) ?? []),
  };
}
