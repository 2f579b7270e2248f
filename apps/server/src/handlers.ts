import {
  contentIdOf,
  progressReportSchema,
  signalSendRequestSchema,
  swarmCreateRequestSchema,
  swarmJoinRequestSchema,
  type IceServer,
  type PeerId,
  type ProgressReport,
  type SignalSendRequest,
  type SwarmCreated,
  type SwarmCreateRequest,
  type SwarmJoined,
  type SwarmId,
  type SwarmJoinRequest,
} from '@swarmlab/protocol';
import type { AddressKey, AddressQuotas } from './address-quotas';
import { attachClassroomHandlers } from './classroom-handlers';
import type { CodeLookupBudgets } from './code-lookup-budgets';
import type { JoinCodes } from './join-codes';
import type { PeerNames } from './peer-names';
import type { ServerLimits } from './limits';
import { createProgressBroadcaster } from './progress-broadcaster';
import type { RandomIds } from './random-ids';
import { controlDigestOf, memberKeyDigestOf } from './control-secret';
import { createMemberGrace } from './member-grace';
import { attachResumeHandlers, type MembershipOps } from './resume-handlers';
import { sealOf, swarmIdOfSeal } from './swarm-seal';
import { errorForLog } from './error-for-log';
import { refuse } from './refusals';
import { guardRequest, noPayload, withSchema, type GuardContext } from './request-guard';
import { attachRunHandlers } from './run-handlers';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { LeaveOutcome, SocketId, SwarmRegistry } from './swarm-registry';

export interface SignallingHandlerDeps {
  readonly io: SignallingIo;
  readonly registry: SwarmRegistry;
  readonly ids: RandomIds;
  readonly limits: ServerLimits;
  /** Swarms and seats per address; the connections are `socket-admission.ts`'s. */
  readonly quotas: AddressQuotas;
  readonly addressOf: (socket: SignallingSocket) => AddressKey;
  readonly iceServers: readonly IceServer[];
  readonly log: (line: string) => void;
  /** The classroom's additions: join codes, their per-address lookup limit, display names. */
  readonly joinCodes: JoinCodes;
  readonly codeLookups: CodeLookupBudgets;
  readonly peerNames: PeerNames;
}

export interface SignallingHandlers {
  /** Swarms with a progress broadcast pending (each holds a timer). */
  readonly pendingBroadcasts: number;
  /** Members and restored runs waited for (each holds a timer). */
  readonly pendingGraces: number;
  /** Clears the progress broadcast and grace timers; call before closing the socket.io server. */
  close(): void;
}

/**
 * socket.io's reasons for a disconnect that was meant: the client left (a closing tab disconnects itself),
 * the server threw it out (a socket past its budget), or it sent what is no socket.io packet. Any other
 * (the transport closed, pings went unanswered, the server is shutting down) may be a short drop: the
 * member keeps its place for the grace period.
 */
const DELIBERATE_DISCONNECTS: ReadonlySet<string> = new Set([
  'client namespace disconnect',
  'server namespace disconnect',
  'parse error',
]);

/**
 * Wires the signalling contract (`ClientToServerEvents`) to the swarm registry for every connecting
 * socket. The server only introduces peers, relays their WebRTC signals, shares their progress reports
 * and starts and stops runs; file data never passes through it. Swarm membership and signalling are
 * here; watching and run control in `run-handlers.ts`.
 */
export function attachSignallingHandlers(deps: SignallingHandlerDeps): SignallingHandlers {
  const { io, registry, ids, limits, quotas, addressOf, iceServers, log, joinCodes, codeLookups, peerNames } = deps;

  /** `io.to([])` would broadcast to every socket, so an empty list must send nothing. */
  const toSockets = (socketIds: readonly SocketId[]) => (socketIds.length > 0 ? io.to([...socketIds]) : undefined);

  const progress = createProgressBroadcaster({
    intervalMs: limits.progressBroadcastIntervalMs,
    broadcast(swarmId) {
      const table = registry.progressOf(swarmId);
      if (table) toSockets(registry.audienceOf(swarmId))?.emit('swarm:progress', peerNames.label(table));
    },
    onError: (error) => log(`error: swarm:progress broadcast failed: ${errorForLog(error)}`),
  });

  const notifyPeers = (socketIds: readonly SocketId[], event: 'peer:joined' | 'peer:left', peerId: PeerId): void => {
    toSockets(socketIds)?.emit(event, { peerId });
  };

  const grace = createMemberGrace({
    graceMs: limits.memberGraceMs,
    onError: (error) => log(`error: giving up on a member failed: ${errorForLog(error)}`),
  });

  /** The address each member's seat counts against (`quotas`), by swarm and peer id. */
  const seats = new Map<string, AddressKey>();
  // Peer and swarm ids are base64url: a space cannot occur in either.
  const seatKey = (swarmId: SwarmId, peerId: PeerId): string => `${swarmId} ${peerId}`;

  const departed = (left: LeaveOutcome): void => {
    const seat = seatKey(left.swarmId, left.peerId);
    const address = seats.get(seat);
    seats.delete(seat);
    grace.memberBack(left.swarmId, left.peerId);
    if (address !== undefined) quotas.left(address, left.swarmId);
    peerNames.forget(left.swarmId, left.peerId);
    notifyPeers(left.remainingSocketIds, 'peer:left', left.peerId);
    if (left.swarmDeleted) {
      // Nothing keyed by the swarm's id may outlive it: its manifest goes with the last reference.
      quotas.swarmEnded(left.swarmId);
      joinCodes.release(left.swarmId);
      progress.forget(left.swarmId);
      toSockets(left.orphanedWatcherSocketIds)?.emit('swarm:ended', { swarmId: left.swarmId });
      log(`swarm ended: its last peer left (${registry.swarmCount} swarms)`);
    } else {
      progress.changed(left.swarmId);
    }
  };

  const membership: MembershipOps = {
    seated(swarmId, peerId, address) {
      seats.set(seatKey(swarmId, peerId), address);
      quotas.joined(address, swarmId);
    },
    reseated(swarmId, peerId, address) {
      const seat = seatKey(swarmId, peerId);
      const before = seats.get(seat);
      if (before === address) return;
      if (before !== undefined) quotas.left(before, swarmId);
      seats.set(seat, address);
      quotas.joined(address, swarmId);
    },
    departed,
    notifyPeers,
  };

  /** Removes the socket from its swarm (as a member or a watcher) at once and tells the others; false if in none. */
  const leaveSwarm = (socketId: SocketId): boolean => {
    if (registry.unwatch(socketId) !== undefined) return true;
    const left = registry.leave(socketId);
    if (!left) return false;
    departed(left);
    return true;
  };

  /**
   * The socket dropped without leaving: a watcher is gone, a member keeps its place for the grace period
   * (the others are told nothing; their WebRTC connections to it go on) unless it resumes meanwhile.
   */
  const dropped = (socketId: SocketId): void => {
    if (registry.unwatch(socketId) !== undefined) return;
    const suspended = registry.suspend(socketId);
    if (!suspended) return;
    const { swarmId, peerId } = suspended;
    progress.changed(swarmId);
    grace.awaitMember(swarmId, peerId, () => {
      const left = registry.expire(swarmId, peerId);
      if (left) departed(left);
    });
  };

  io.on('connection', (socket: SignallingSocket) => {
    const address = addressOf(socket);
    const context: GuardContext = { maxPayloadDepth: limits.maxPayloadDepth, log };

    socket.on(
      'swarm:create',
      guardRequest<SwarmCreateRequest, SwarmCreated>(context, {
        event: 'swarm:create',
        parse: withSchema(swarmCreateRequestSchema),
        maxPayloadBytes: limits.maxEventBytes,
        // What cannot succeed is refused before the manifest (up to a megabyte) is measured, parsed and hashed.
        refuseEarly: () => {
          if (registry.followedSwarmOf(socket.id)) return 'already-in-swarm';
          if (registry.swarmCount >= limits.maxSwarms) return 'too-many-swarms';
          if (!quotas.canCreateSwarm(address)) return 'too-many-swarms-from-address';
          return undefined;
        },
        async handle({ manifest, contentId, config }, reply) {
          if ((await contentIdOf(manifest)) !== contentId) return reply(refuse('content-mismatch'));
          // The socket may have gone while the manifest was hashed: a swarm for it would never end.
          if (socket.disconnected) return;
          // Its other sockets may have created swarms meanwhile.
          if (!quotas.canCreateSwarm(address)) return reply(refuse('too-many-swarms-from-address'));
          const controlSecret = ids.controlSecret();
          const controlDigest = controlDigestOf(controlSecret);
          // The id is made from the file and the control secret, so the swarm can be registered again
          // under it after a restart, by its members only, with this file only (`swarm-seal.ts`).
          let seal = sealOf(ids.sealSalt(), controlDigest);
          while (registry.hasSwarm(swarmIdOfSeal(seal, contentId))) seal = sealOf(ids.sealSalt(), controlDigest);
          const swarmId = swarmIdOfSeal(seal, contentId);
          const peerId = ids.peerId();
          const memberKey = ids.memberKey();
          const created = registry.create({
            swarmId,
            contentId,
            manifest,
            founder: { peerId, socketId: socket.id, keyDigest: memberKeyDigestOf(memberKey) },
            config,
            seal,
          });
          if (!created.ok) return reply(refuse(created.code));
          quotas.swarmCreated(address, swarmId);
          membership.seated(swarmId, peerId, address);
          log(`swarm created (${registry.swarmCount} swarms)`);
          const joinCode = joinCodes.ensure({ swarmId, contentId });
          reply({ ok: true, swarmId, peerId, iceServers, controlSecret, joinCode, memberKey, seal });
          progress.changed(swarmId);
        },
      }),
    );

    socket.on(
      'swarm:join',
      guardRequest<SwarmJoinRequest, SwarmJoined>(context, {
        event: 'swarm:join',
        parse: withSchema(swarmJoinRequestSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle({ swarmId, control }, reply) {
          if (!quotas.canJoin(address, swarmId) && !registry.followedSwarmOf(socket.id)) {
            return reply(refuse('swarm-full-for-address'));
          }
          let peerId = ids.peerId();
          // Participants that left the run going on keep their ids in it.
          while (registry.hasPeerId(swarmId, peerId)) peerId = ids.peerId();
          const digest = control === undefined ? undefined : controlDigestOf(control);
          const memberKey = ids.memberKey();
          const member = { peerId, socketId: socket.id, keyDigest: memberKeyDigestOf(memberKey) };
          const joined = registry.join(swarmId, member, digest);
          if (!joined.ok) return reply(refuse(joined.code));
          membership.seated(swarmId, peerId, address);
          const { manifest, contentId, seal } = joined.swarm;
          const { existingPeers: peers, run, inControl } = joined;
          const joinCode = joinCodes.ensure({ swarmId, contentId });
          reply({
            ok: true,
            swarmId,
            peerId,
            manifest,
            contentId,
            peers,
            iceServers,
            run,
            inControl,
            joinCode,
            memberKey,
            seal,
          });
          notifyPeers(registry.otherSockets(swarmId, socket.id), 'peer:joined', peerId);
          progress.changed(swarmId);
        },
      }),
    );

    socket.on(
      'swarm:leave',
      guardRequest<undefined, object>(context, {
        event: 'swarm:leave',
        parse: noPayload('swarm:leave'),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle(_request, reply) {
          reply(leaveSwarm(socket.id) ? { ok: true } : refuse('not-in-swarm'));
        },
      }),
    );

    socket.on(
      'signal:send',
      guardRequest<SignalSendRequest, object>(context, {
        event: 'signal:send',
        parse: withSchema(signalSendRequestSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle({ to, signal }, reply) {
          const sender = registry.membershipOf(socket.id);
          if (!sender) return reply(refuse('not-in-swarm'));
          // Looked up in the sender's own swarm only: signals never cross from one swarm to another.
          const target = registry.socketOf(sender.swarmId, to);
          if (target === undefined) return reply(refuse('peer-not-found'));
          if (target === socket.id) return reply(refuse('peer-not-found', 'A peer cannot signal itself.'));
          io.to(target).emit('signal:relay', { from: sender.peerId, signal });
          reply({ ok: true });
        },
      }),
    );

    socket.on(
      'progress:report',
      guardRequest<ProgressReport, object>(context, {
        event: 'progress:report',
        parse: withSchema(progressReportSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle(report, reply) {
          const stored = registry.report(socket.id, report);
          if (!stored.ok) {
            reply(refuse(stored.code, 'message' in stored ? stored.message : undefined));
            // Refused as impossible: its sender is flagged now, on every screen.
            if ('swarmId' in stored) progress.changed(stored.swarmId);
            return;
          }
          reply({ ok: true });
          progress.changed(stored.swarmId);
        },
      }),
    );

    attachRunHandlers({ socket, context, registry, limits, progress, toSockets, joinCodes, peerNames });
    attachResumeHandlers({
      socket,
      address,
      context,
      registry,
      limits,
      quotas,
      progress,
      grace,
      membership,
      joinCodes,
      log,
    });
    attachClassroomHandlers({
      socket,
      address,
      context,
      registry,
      limits,
      progress,
      joinCodes,
      codeLookups,
      peerNames,
    });

    socket.on('disconnect', (reason) => {
      try {
        if (DELIBERATE_DISCONNECTS.has(reason)) leaveSwarm(socket.id);
        else dropped(socket.id);
      } catch (error) {
        log(`error: cleanup after disconnect failed: ${errorForLog(error)}`);
      }
    });
  });

  return {
    get pendingBroadcasts() {
      return progress.pendingCount;
    },
    get pendingGraces() {
      return grace.pendingCount;
    },
    close() {
      progress.close();
      grace.close();
    },
  };
}
