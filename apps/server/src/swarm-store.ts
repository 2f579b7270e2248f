import type { JoinCode, Manifest, PeerId, SwarmId } from '@swarmlab/protocol';
import type { AddressKey, AddressQuotas } from './address-quotas';
import type { CodedSwarm, JoinCodes } from './join-codes';
import type { MemberGrace, MemberGraceCallbacks } from './member-grace';
import type { MemberSeats } from './member-seats';
import type { PeerNames } from './peer-names';
import type { Refusal } from './refusals';
import type { Membership, SocketId, SwarmRegistry } from './swarm-registry';

/**
 * The swarm state one request's rules see: the registry, the per-address counts and seats, the join codes
 * and the display names. In memory it is the whole server's; from Redis, the one swarm the request is
 * about, loaded for it. The rules (`swarm-registry.ts` and the handlers' changes) are the same either way.
 */
export interface SwarmWorld {
  readonly registry: SwarmRegistry;
  readonly quotas: Pick<AddressQuotas, 'canCreateSwarm' | 'swarmCreated' | 'canJoin' | 'swarmEnded'>;
  readonly seats: MemberSeats;
  readonly joinCodes: Pick<JoinCodes, 'ensure' | 'release'>;
  readonly peerNames: PeerNames;
}

/** A change that may create the swarm carries what a new swarm needs beyond the registry's record. */
export interface SwarmCreation {
  readonly manifest: Manifest;
  /** The address the swarm counts against (`maxSwarmsPerAddress`), and whether that cap applies. */
  readonly creator: AddressKey;
  readonly creatorLimited: boolean;
}

/** A change that created a swarm can still be refused by the caps that span every swarm. */
export type Updated<T> =
  { readonly ok: true; readonly value: T } | Refusal<'too-many-swarms' | 'too-many-swarms-from-address'>;

/** What the store holds, for `SignallingServer.stats()`. */
export interface SwarmStoreStats {
  /** Swarms alive (from Redis: as of this process's latest look). */
  readonly swarms: number;
  /** Join codes and display names this process holds (none from Redis, where the swarm holds them). */
  readonly joinCodes: number;
  readonly peerNames: number;
  /** Manifests this process holds: one per swarm in memory; with Redis, those of swarms it read still alive. */
  readonly manifests: number;
}

/**
 * Where the server's swarm state lives: in this process's memory (`memory-swarm-state.ts`, the default)
 * or in Redis, shared by several processes (`redis-swarm-state.ts`). Every change goes through `update`,
 * atomic per swarm: the in-memory one applies it at once; the Redis one loads the swarm, applies it, and
 * writes it back only if nobody changed the swarm meanwhile (a compare-and-set on a version number, in
 * Lua), else does it all again.
 */
export interface SwarmStore {
  /**
   * Applies `change` to `swarmId`'s state atomically and returns its result. `change` may run more than
   * once (a conflict with another process is retried), so it does no I/O: it returns what the caller
   * does afterwards. `creation`: the change may create the swarm.
   */
  update<T>(swarmId: SwarmId, change: (world: SwarmWorld) => T, creation?: SwarmCreation): Promise<Updated<T>>;
  /** Runs `view` on `swarmId`'s state, changing nothing. */
  read<T>(swarmId: SwarmId, view: (world: SwarmWorld) => T): Promise<T>;
  hasSwarm(swarmId: SwarmId): Promise<boolean>;
  /** The live swarm a join code names. */
  swarmOfCode(code: JoinCode): Promise<CodedSwarm | undefined>;
  /** The socket of `peerId` in `swarmId` (signalling's hot path: no swarm is loaded for it). */
  socketOf(swarmId: SwarmId, peerId: PeerId): Promise<SocketId | undefined>;
  /** The swarm a socket of this process follows (member or watcher), as of its latest change. */
  followedSwarmOf(socketId: SocketId): SwarmId | undefined;
  /**
   * `followedSwarmOf`, checked: a swarm that ended through another process (its last member left there) is
   * forgotten, so the socket may follow another. What the requests that need a socket in no swarm ask.
   */
  followedLiveSwarmOf(socketId: SocketId): Promise<SwarmId | undefined>;
  /**
   * Whether `followedSwarmOf` is always live (one process sees every swarm end): then a request that needs a
   * socket in no swarm may be refused from it before its payload is read. Across processes it may name a swarm
   * that ended through another (a screen's, whose swarm's last member left there): such a create or restore was
   * refused `already-in-swarm` before its handler's live check could run (found by review).
   */
  readonly followedIsLive: boolean;
  /** The membership of a socket of this process, as of its latest change. */
  membershipOf(socketId: SocketId): Membership | undefined;
  /** A create that cannot succeed, known before its manifest is read (from Redis: never known early). */
  refuseCreateEarly(address: AddressKey): 'too-many-swarms' | 'too-many-swarms-from-address' | undefined;
  stats(): SwarmStoreStats;
}

/** Told when members' sockets were lost with the process that held them (Redis only). */
export type SocketsLost = (swarmId: SwarmId, socketIds: readonly SocketId[]) => void;

/**
 * The store and the timers that go with it, made for one server: the in-memory default, or Redis with
 * the socket.io adapter that carries events between processes.
 */
export interface SwarmState {
  readonly store: SwarmStore;
  /**
   * Whether the server starts with no swarm it had before: always in memory, whose swarms go when the process stops;
   * with Redis only when Redis holds nothing of them (it restarted empty too, with the servers: a machine rebooted, a
   * Redis without persistence). Links opened while the members register their swarms again then wait for them
   * (`unknown-swarm.ts`); on an empty Redis they were told the swarm had ended, for good (found by review).
   */
  readonly startsEmpty: boolean;
  /** The grace periods (`memberGraceMs`): local timers in memory, a sorted set swept by every process in Redis. */
  createGrace(callbacks: MemberGraceCallbacks): MemberGrace;
  /**
   * Tells `lost` about sockets of a process that stopped, and about sockets recorded as this process's that it
   * no longer `holds` (Redis only; memory never loses one).
   */
  onSocketsLost(lost: SocketsLost, holds: (socketId: SocketId) => boolean): void;
  /**
   * Calls `disowned` when this process finds that the shared state no longer counts it alive, though it is
   * (Redis only): another process took its sockets over (its heartbeat came late), or Redis lost what it held
   * (restarted without a snapshot). Its sockets' places are suspended or gone there, while they stay
   * connected here.
   */
  onDisowned(disowned: () => void): void;
  /**
   * Calls `cutOff` when this process has not reached the shared state for its process timeout (Redis only): the
   * others take its members for gone, while their tabs would wait here on requests that never end. `lastFailure` is
   * the last error of its requests meanwhile (an error reply: out of memory, a read-only replica), undefined when
   * they went unanswered (a partition, a paused host): what the log says of it.
   */
  onCutOff(cutOff: (lastFailure: unknown) => void): void;
  /** Whether the shared state answers this process (always, in memory): its health check and new connections. */
  reachable(): boolean;
  /** Stops its timers and connections (after the socket.io server closed). */
  close(): Promise<void>;
}
