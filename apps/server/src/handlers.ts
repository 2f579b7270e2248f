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
import { controlDigestOf } from './control-secret';
import { errorForLog } from './error-for-log';
import { refuse } from './refusals';
import { guardRequest, noPayload, withSchema, type GuardContext } from './request-guard';
import { attachRunHandlers } from './run-handlers';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { SocketId, SwarmRegistry } from './swarm-registry';

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
  /** Clears the progress broadcast timers; call before closing the socket.io server. */
  close(): void;
}

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

  /** Removes the socket from its swarm (as a member or a watcher) and tells the others; false if in none. */
  const leaveSwarm = (socketId: SocketId, address: AddressKey): boolean => {
    if (registry.unwatch(socketId) !== undefined) return true;
    const left = registry.leave(socketId);
    if (!left) return false;
    quotas.left(address, left.swarmId);
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
    return true;
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
          let swarmId = ids.swarmId();
          while (registry.hasSwarm(swarmId)) swarmId = ids.swarmId();
          const peerId = ids.peerId();
          const controlSecret = ids.controlSecret();
          const created = registry.create({
            swarmId,
            contentId,
            manifest,
            founder: { peerId, socketId: socket.id },
            config,
            controlDigest: controlDigestOf(controlSecret),
          });
          if (!created.ok) return reply(refuse(created.code));
          quotas.swarmCreated(address, swarmId);
          quotas.joined(address, swarmId);
          log(`swarm created (${registry.swarmCount} swarms)`);
          const joinCode = joinCodes.ensure({ swarmId, contentId });
          reply({ ok: true, swarmId, peerId, iceServers, controlSecret, joinCode });
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
          const joined = registry.join(swarmId, { peerId, socketId: socket.id }, digest);
          if (!joined.ok) return reply(refuse(joined.code));
          quotas.joined(address, swarmId);
          const { manifest, contentId } = joined.swarm;
          const { existingPeers: peers, run, inControl } = joined;
          const joinCode = joinCodes.ensure({ swarmId, contentId });
          reply({ ok: true, swarmId, peerId, manifest, contentId, peers, iceServers, run, inControl, joinCode });
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
          reply(leaveSwarm(socket.id, address) ? { ok: true } : refuse('not-in-swarm'));
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

    socket.on('disconnect', () => {
      try {
        leaveSwarm(socket.id, address);
      } catch (error) {
        log(`error: cleanup after disconnect failed: ${errorForLog(error)}`);
      }
    });
  });

  return {
    get pendingBroadcasts() {
      return progress.pendingCount;
    },
    close: () => progress.close(),
  };
}
