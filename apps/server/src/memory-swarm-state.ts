import type { AddressQuotas } from './address-quotas';
import type { ClockMs } from './clock-ms';
import { createJoinCodes } from './join-codes';
import type { ServerLimits } from './limits';
import { createMemberGrace } from './member-grace';
import { createMemberSeats } from './member-seats';
import { createPeerNames } from './peer-names';
import type { RandomBytes } from './random-ids';
import { createSwarmRegistry } from './swarm-registry';
import type { SwarmState, SwarmWorld } from './swarm-store';

/** What any swarm state is made from: one server's limits, quotas, clocks and randomness. */
export interface SwarmStateContext {
  readonly limits: ServerLimits;
  /** The server's per-address bookkeeping; its connection counts stay in each process. */
  readonly quotas: AddressQuotas;
  readonly nowMs?: ClockMs | undefined;
  readonly epochNowMs?: ClockMs | undefined;
  readonly randomBytes: RandomBytes;
  readonly log: (line: string) => void;
}

/** Makes the swarm state of one server. */
export type SwarmStateFactory = (context: SwarmStateContext) => SwarmState;

/**
 * The default: every swarm in this process's memory, one world for the whole server, each change applied
 * at once (a single thread needs no more for atomicity). `pnpm start` needs nothing else.
 */
export const createMemorySwarmState: SwarmStateFactory = ({ limits, quotas, nowMs, epochNowMs, randomBytes }) => {
  const registry = createSwarmRegistry({ limits, nowMs, epochNowMs });
  const joinCodes = createJoinCodes(randomBytes);
  const peerNames = createPeerNames();
  const world: SwarmWorld = { registry, quotas, seats: createMemberSeats(quotas), joinCodes, peerNames };

  return {
    store: {
      update: (_swarmId, change) => Promise.resolve({ ok: true, value: change(world) }),
      read: (_swarmId, view) => Promise.resolve(view(world)),
      hasSwarm: (swarmId) => Promise.resolve(registry.hasSwarm(swarmId)),
      swarmOfCode(code) {
        const swarm = joinCodes.swarmOf(code);
        return Promise.resolve(swarm && registry.hasSwarm(swarm.swarmId) ? swarm : undefined);
      },
      socketOf: (swarmId, peerId) => Promise.resolve(registry.socketOf(swarmId, peerId)),
      followedSwarmOf: (socketId) => registry.followedSwarmOf(socketId),
      followedIsLive: true,
      // One process: a swarm that ends takes its presences with it.
      followedLiveSwarmOf: (socketId) => Promise.resolve(registry.followedSwarmOf(socketId)),
      membershipOf: (socketId) => registry.membershipOf(socketId),
      refuseCreateEarly(address) {
        if (registry.swarmCount >= limits.maxSwarms) return 'too-many-swarms';
        if (!quotas.canCreateSwarm(address)) return 'too-many-swarms-from-address';
        return undefined;
      },
      stats: () => ({
        swarms: registry.swarmCount,
        joinCodes: joinCodes.size,
        peerNames: peerNames.size,
        manifests: registry.swarmCount,
      }),
    },
    startsEmpty: true,
    createGrace: (callbacks) => createMemberGrace({ graceMs: limits.memberGraceMs, ...callbacks }),
    onSocketsLost() {
      // One process: its sockets go with it.
    },
    onDisowned() {
      // Nothing else holds its state.
    },
    onCutOff() {
      // Its state is its own memory.
    },
    reachable: () => true,
    close: () => Promise.resolve(),
  };
};
