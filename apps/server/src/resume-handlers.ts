import {
  contentIdOf,
  swarmRestoreRequestSchema,
  swarmResumeRequestSchema,
  type SwarmRestoreRequest,
  type SwarmResumed,
  type PeerId,
  type SwarmId,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import type { AddressKey, AddressQuotas } from './address-quotas';
import type { JoinCodes } from './join-codes';
import { controlDigestOf, memberKeyDigestOf } from './control-secret';
import type { ServerLimits } from './limits';
import type { MemberGrace } from './member-grace';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, withSchema, type GuardContext } from './request-guard';
import type { SignallingSocket } from './signalling-io';
import type { LeaveOutcome, ResumeInput, ResumeOutcome, SocketId, SwarmRegistry } from './swarm-registry';

/** The operations on memberships that the request handlers share (`handlers.ts` makes them). */
export interface MembershipOps {
  /** A member joined (or came back to a swarm that had lost it) from `address`: its seat counts there. */
  seated(swarmId: SwarmId, peerId: PeerId, address: AddressKey): void;
  /** The member is now on a socket from `address` (it resumed): its seat moves there if it was elsewhere. */
  reseated(swarmId: SwarmId, peerId: PeerId, address: AddressKey): void;
  /** A member is gone from the registry: frees its seat, tells the others, ends what ended with it. */
  departed(left: LeaveOutcome): void;
  notifyPeers(socketIds: readonly SocketId[], event: 'peer:joined' | 'peer:left', peerId: PeerId): void;
}

export interface ResumeHandlerDeps {
  readonly socket: SignallingSocket;
  readonly address: AddressKey;
  readonly context: GuardContext;
  readonly registry: SwarmRegistry;
  readonly limits: ServerLimits;
  readonly quotas: AddressQuotas;
  readonly progress: ProgressBroadcaster;
  readonly grace: MemberGrace;
  readonly membership: MembershipOps;
  readonly joinCodes: JoinCodes;
  readonly log: (line: string) => void;
}

/**
 * A member taking its place back on a new socket, for one socket: `swarm:resume` (its socket dropped for
 * a moment: the server still knows it) and `swarm:restore` (the server forgot the swarm, having
 * restarted: the member registers it again, with its file, under the same link). The rules are the
 * registry's; here the seats, the others' tables and the wait for a restored run's participants.
 */
export function attachResumeHandlers(deps: ResumeHandlerDeps): void {
  const { socket, address, context, registry, limits, quotas, progress, grace, membership, joinCodes, log } = deps;

  const inputOf = (request: SwarmResumeRequest): ResumeInput => ({
    swarmId: request.swarmId,
    peerId: request.peerId,
    socketId: socket.id,
    keyDigest: memberKeyDigestOf(request.memberKey),
    seal: request.seal,
    role: request.role,
    control: request.control === undefined ? undefined : controlDigestOf(request.control),
    run: request.run,
  });

  /** Settles what a successful resume changed, and answers it. */
  const settle = (
    outcome: ResumeOutcome & { ok: true },
    peerId: PeerId,
    reply: (result: { ok: true } & SwarmResumed) => void,
  ): void => {
    const { swarm, peers, run, inControl } = outcome;
    const { swarmId } = swarm;
    grace.memberBack(swarmId, peerId);
    if (outcome.rebound) {
      membership.reseated(swarmId, peerId, address);
      // Its old socket, if the server had not noticed it drop, is another tab's no more.
      if (outcome.replacedSocketId !== null) socket.nsp.sockets.get(outcome.replacedSocketId)?.disconnect(true);
    } else {
      membership.seated(swarmId, peerId, address);
      membership.notifyPeers(registry.otherSockets(swarmId, socket.id), 'peer:joined', peerId);
    }
    if (outcome.restoredSwarm) {
      quotas.swarmCreated(address, swarmId);
      log(`swarm registered again by a member (${registry.swarmCount} swarms)`);
    }
    if (registry.awaitsParticipants(swarmId)) {
      grace.awaitParticipants(swarmId, () => {
        registry.giveUpAwaiting(swarmId);
        progress.changed(swarmId);
      });
    }
    // A swarm registered again after a restart gets a code anew: the old one went with the old process.
    const joinCode = joinCodes.ensure({ swarmId, contentId: swarm.contentId });
    reply({ ok: true, swarmId, peers, run, inControl, joinCode });
    progress.changed(swarmId);
  };

  /** A seat for a member new to the swarm (after a restart) must fit the address's share of the swarm. */
  const seatRefused = (request: SwarmResumeRequest): boolean =>
    !quotas.canJoin(address, request.swarmId) && registry.socketOf(request.swarmId, request.peerId) === undefined;

  socket.on(
    'swarm:resume',
    guardRequest<SwarmResumeRequest, SwarmResumed>(context, {
      event: 'swarm:resume',
      parse: withSchema(swarmResumeRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle(request, reply) {
        if (registry.hasSwarm(request.swarmId) && seatRefused(request)) {
          return reply(refuse('swarm-full-for-address'));
        }
        const outcome = registry.resume(inputOf(request));
        if (!outcome.ok) return reply(refuse(outcome.code));
        settle(outcome, request.peerId, reply);
      },
    }),
  );

  socket.on(
    'swarm:restore',
    guardRequest<SwarmRestoreRequest, SwarmResumed>(context, {
      event: 'swarm:restore',
      parse: withSchema(swarmRestoreRequestSchema),
      maxPayloadBytes: limits.maxEventBytes,
      // What cannot succeed is refused before the manifest (up to a megabyte) is measured, parsed and hashed.
      refuseEarly: () => (registry.followedSwarmOf(socket.id) ? 'already-in-swarm' : undefined),
      async handle(request, reply) {
        if ((await contentIdOf(request.manifest)) !== request.contentId) return reply(refuse('content-mismatch'));
        // The socket may have gone while the manifest was hashed.
        if (socket.disconnected) return;
        if (seatRefused(request)) return reply(refuse('swarm-full-for-address'));
        const outcome = registry.restore({
          ...inputOf(request),
          contentId: request.contentId,
          manifest: request.manifest,
        });
        if (!outcome.ok) return reply(refuse(outcome.code));
        settle(outcome, request.peerId, reply);
      },
    }),
  );
}
