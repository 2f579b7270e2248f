import {
  contentIdOf,
  swarmRestoreRequestSchema,
  type IceServer,
  swarmResumeRequestSchema,
  type SwarmRestoreRequest,
  type SwarmResumed,
  type PeerId,
  type SwarmId,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import { jsonBytes, type AnswerBudgets } from './answer-budgets';
import { controlDigestOf, memberKeyDigestOf } from './control-secret';
import { MAX_RESUME_PAYLOAD_BYTES, type ServerLimits } from './limits';
import type { MemberGrace } from './member-grace';
import type { MembershipTurn } from './membership-turn';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, withSchema, type GuardContext } from './request-guard';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { LeaveOutcome, ResumeInput, ResumeOutcome, SocketId, SwarmRegistry } from './swarm-registry';
import type { SwarmStore, SwarmWorld } from './swarm-store';

/** The operations on memberships that the request handlers share (`handlers.ts` makes them). */
export interface MembershipOps {
  /** Tells what a member's departure (already written) means: the others, the swarm's end. */
  announceDeparted(left: LeaveOutcome): void;
  notifyPeers(socketIds: readonly SocketId[], event: 'peer:joined' | 'peer:left', peerId: PeerId): void;
  /** Updates a swarm that the change does not create. */
  change<T>(swarmId: SwarmId, apply: (world: SwarmWorld) => T): Promise<T>;
}

export interface ResumeHandlerDeps {
  readonly socket: SignallingSocket;
  readonly address: AddressKey;
  readonly context: GuardContext;
  readonly store: SwarmStore;
  readonly limits: ServerLimits;
  readonly progress: ProgressBroadcaster;
  readonly grace: MemberGrace;
  readonly membership: MembershipOps;
  readonly toSockets: (socketIds: readonly SocketId[]) => ReturnType<SignallingIo['to']> | undefined;
  readonly inTurn: MembershipTurn;
  /** Whether the socket follows a swarm, no membership change of it queued (which may change that). */
  readonly followsForSure: () => boolean;
  readonly log: (line: string) => void;
  /** The per-address budget of large answers: a resume's carries the run and the peers. */
  readonly answers: AnswerBudgets;
  /** The server's ICE servers, told in every answer as in a join's (`SwarmResumed.iceServers`). */
  readonly iceServers: readonly IceServer[];
}

/** What a successful resume changed, as the handler sends it out. */
interface Resumed {
  readonly outcome: ResumeOutcome & { ok: true };
  readonly others: readonly SocketId[];
  readonly awaitsParticipants: boolean;
  readonly joinCode: string;
}

/**
 * A member taking its place back on a new socket, for one socket: `swarm:resume` (its socket dropped for
 * a moment: the server still knows it, maybe through another process) and `swarm:restore` (the server
 * forgot the swarm, having restarted: the member registers it again, with its file, under the same link).
 * The rules are the registry's; here the seats, the others' tables and the wait for a restored run's
 * participants.
 */
export function attachResumeHandlers(deps: ResumeHandlerDeps): void {
  const { socket, address, context, store, limits, progress, grace, membership, inTurn, log, answers, toSockets } =
    deps;
  const { followsForSure, iceServers } = deps;

  const inputOf = (request: SwarmResumeRequest): ResumeInput => ({
    swarmId: request.swarmId,
    peerId: request.peerId,
    socketId: socket.id,
    keyDigest: memberKeyDigestOf(request.memberKey),
    address,
    seal: request.seal,
    role: request.role,
    control: request.control === undefined ? undefined : controlDigestOf(request.control),
    run: request.run,
    latestRunNumber: request.latestRunNumber,
    override: request.override,
    config: request.config,
    controlLinks: request.controlLinks,
  });

  /**
   * A seat for a member new to the swarm (after a restart, or back after its grace period) must fit the
   * address's share of the swarm; a member still in it (its socket dropped a moment ago) keeps its own.
   */
  const seatRefused = (world: SwarmWorld, request: SwarmResumeRequest): boolean =>
    !world.quotas.canJoin(address, request.swarmId) && !world.registry.hasMember(request.swarmId, request.peerId);

  /** Records, inside the update, what a successful resume changed. */
  const settleState = (
    world: SwarmWorld,
    outcome: ResumeOutcome,
    peerId: PeerId,
  ): Resumed | (ResumeOutcome & { ok: false }) => {
    if (!outcome.ok) return outcome;
    const { swarmId, contentId } = outcome.swarm;
    const registry: SwarmRegistry = world.registry;
    if (outcome.rebound) world.seats.reseated(swarmId, peerId, address);
    else world.seats.seated(swarmId, peerId, address);
    if (outcome.restoredSwarm) world.quotas.swarmCreated(address, swarmId);
    return {
      outcome,
      others: registry.otherSockets(swarmId, socket.id),
      awaitsParticipants: registry.awaitsParticipants(swarmId),
      // A swarm registered again after a restart gets a code anew: the old one went with the old process.
      joinCode: world.joinCodes.ensure({ swarmId, contentId }),
    };
  };

  /** Sends out what a successful resume changed, and answers it. */
  const settle = (resumed: Resumed, peerId: PeerId, reply: (result: { ok: true } & SwarmResumed) => void): void => {
    const { outcome, joinCode } = resumed;
    const { swarm, peers, run, inControl } = outcome;
    const { swarmId } = swarm;
    grace.memberBack(swarmId, peerId);
    if (outcome.rebound) {
      // Its old socket, if the server had not noticed it drop, is another tab's no more (on any process).
      if (outcome.replacedSocketId !== null && !socket.disconnected)
        socket.nsp.in(outcome.replacedSocketId).disconnectSockets(true);
    } else {
      membership.notifyPeers(resumed.others, 'peer:joined', peerId);
    }
    if (outcome.restoredSwarm) log(`swarm registered again by a member (${store.stats().swarms} swarms)`);
    // A run restored now waits its own grace: a wait pending for a run before it gave its places up early.
    if (resumed.awaitsParticipants) grace.awaitParticipants(swarmId, outcome.restoredRun);
    // The run this resume restored, to the members back before it (they knew no run then).
    if (run && outcome.runEnteredBy.length > 0)
      toSockets(outcome.runEnteredBy)?.emit('run:started', { ...run, swarmId });
    answers.answered(address, jsonBytes(peers) + (run ? jsonBytes(run) : 0));
    reply({
      ok: true,
      swarmId,
      peers,
      run,
      inControl,
      joinCode,
      registeredAgain: outcome.restoredSwarm,
      placeKept: outcome.rebound,
      // A tab back after the operator restarted the server with STUN/TURN connects with them from now on.
      iceServers,
    });
    progress.changed(swarmId);
  };

  socket.on(
    'swarm:resume',
    guardRequest<SwarmResumeRequest, SwarmResumed>(context, {
      event: 'swarm:resume',
      parse: withSchema(swarmResumeRequestSchema),
      maxPayloadBytes: Math.max(limits.maxSignalPayloadBytes, MAX_RESUME_PAYLOAD_BYTES),
      handle: (request, reply) =>
        inTurn(async () => {
          // Gone while it waited its turn (a client that gave up on it and reconnected): nobody to answer.
          if (socket.disconnected) return;
          if (await store.followedLiveSwarmOf(socket.id)) return reply(refuse('already-in-swarm'));
          // Charged (`settle`), never refused for the budget: a member taking its place back after a drop must not
          // wait out its grace because a classmate behind the same address looped watches (found by review).
          const resumed = await membership.change(request.swarmId, (world) => {
            // Checked on every try of the change: a commit that conflicted (Redis) is tried again on fresh state, maybe
            // after the client gave up on this socket and took its place back on another, which this would throw out.
            if (socket.disconnected) return refuse('not-in-swarm');
            if (world.registry.hasSwarm(request.swarmId) && seatRefused(world, request)) {
              return refuse('swarm-full-for-address');
            }
            return settleState(world, world.registry.resume(inputOf(request)), request.peerId);
          });
          if ('error' in resumed) return reply(resumed);
          if ('code' in resumed) return reply(refuse(resumed.code));
          settle(resumed, request.peerId, reply);
        }),
    }),
  );

  socket.on(
    'swarm:restore',
    guardRequest<SwarmRestoreRequest, SwarmResumed>(context, {
      event: 'swarm:restore',
      parse: withSchema(swarmRestoreRequestSchema),
      maxPayloadBytes: limits.maxEventBytes,
      // What cannot succeed is refused before the manifest (up to a megabyte) is measured, parsed and hashed.
      refuseEarly: () => (followsForSure() ? 'already-in-swarm' : undefined),
      handle: (request, reply) =>
        inTurn(async () => {
          if (socket.disconnected) return;
          if (await store.followedLiveSwarmOf(socket.id)) return reply(refuse('already-in-swarm'));
          if ((await contentIdOf(request.manifest)) !== request.contentId) return reply(refuse('content-mismatch'));
          // The socket may have gone while the manifest was hashed.
          if (socket.disconnected) return;
          const updated = await store.update(
            request.swarmId,
            (world) => {
              if (socket.disconnected) return refuse('not-in-swarm'); // as in a resume's change
              const creates = !world.registry.hasSwarm(request.swarmId);
              if (creates && !world.quotas.canCreateSwarm(address)) return refuse('too-many-swarms-from-address');
              if (seatRefused(world, request)) return refuse('swarm-full-for-address');
              const input = { ...inputOf(request), contentId: request.contentId, manifest: request.manifest };
              return settleState(world, world.registry.restore(input), request.peerId);
            },
            // Registering a swarm again creates one, under the same cap: anyone can make a seal of their own.
            { manifest: request.manifest, creator: address, creatorLimited: true },
          );
          // Past the swarms the server may hold, it cannot register it again: as the registry says then.
          if (!updated.ok && updated.code === 'too-many-swarms') return reply(refuse('swarm-not-found'));
          if (!updated.ok) return reply(refuse(updated.code));
          const resumed = updated.value;
          if ('error' in resumed) return reply(resumed);
          if ('code' in resumed) return reply(refuse(resumed.code));
          settle(resumed, request.peerId, reply);
        }),
    }),
  );
}
