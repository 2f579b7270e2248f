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
import type { ServerLimits } from './limits';
import { createProgressBroadcaster } from './progress-broadcaster';
import type { RandomIds } from './random-ids';
import { createTokenBucket, type ClockMs } from './rate-limiter';
import { refuse } from './refusals';
import { guardRequest, noPayload, withSchema } from './request-guard';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { SocketId, SwarmRegistry } from './swarm-registry';

export interface SignallingHandlerDeps {
  readonly io: SignallingIo;
  readonly registry: SwarmRegistry;
  readonly ids: RandomIds;
  readonly limits: ServerLimits;
  readonly iceServers: readonly IceServer[];
  readonly log: (line: string) => void;
  readonly nowMs?: ClockMs | undefined;
}

export interface SignallingHandlers {
  /** Clears the progress broadcast timers; call before closing the socket.io server. */
  close(): void;
}

const describeError = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

/**
 * Wires the signalling contract (`ClientToServerEvents`) to the swarm registry for every connecting
 * socket. The server only introduces peers, relays their WebRTC signals and shares their progress
 * reports; file data never passes through it.
 */
export function attachSignallingHandlers(deps: SignallingHandlerDeps): SignallingHandlers {
  const { io, registry, ids, limits, iceServers, log } = deps;

  const progress = createProgressBroadcaster({
    intervalMs: limits.progressBroadcastIntervalMs,
    broadcast(swarmId) {
      const table = registry.progressOf(swarmId);
      const members = registry.socketsOf(swarmId);
      // `io.to([])` would broadcast to every socket.
      if (table && members.length > 0) io.to(members).emit('swarm:progress', table);
    },
    onError: (error) => log(`error: swarm:progress broadcast failed: ${describeError(error)}`),
  });

  /** `io.to([])` would broadcast to every socket, so an empty list must send nothing. */
  const notifyPeers = (socketIds: readonly SocketId[], event: 'peer:joined' | 'peer:left', peerId: PeerId): void => {
    if (socketIds.length > 0) io.to([...socketIds]).emit(event, { peerId });
  };

  /** Removes the socket from its swarm and tells the others; false if it was in none. */
  const leaveSwarm = (socketId: SocketId): boolean => {
    const left = registry.leave(socketId);
    if (!left) return false;
    notifyPeers(left.remainingSocketIds, 'peer:left', left.peerId);
    if (left.swarmDeleted) {
      progress.forget(left.swarmId);
      log(`swarm ended: its last peer left (${registry.swarmCount} swarms)`);
    } else {
      progress.changed(left.swarmId);
    }
    return true;
  };

  io.on('connection', (socket: SignallingSocket) => {
    const context = {
      bucket: createTokenBucket({
        capacity: limits.messageBurst,
        refillPerSec: limits.messagesPerSec,
        ...(deps.nowMs && { nowMs: deps.nowMs }),
      }),
      log,
    };

    socket.on(
      'swarm:create',
      guardRequest<SwarmCreateRequest, SwarmCreated>(context, {
        event: 'swarm:create',
        parse: withSchema(swarmCreateRequestSchema),
        maxPayloadBytes: limits.maxEventBytes,
        async handle({ manifest, contentId }, reply) {
          if (registry.membershipOf(socket.id)) return reply(refuse('already-in-swarm'));
          if ((await contentIdOf(manifest)) !== contentId) return reply(refuse('content-mismatch'));
          // The socket may have gone while the manifest was hashed: a swarm for it would never end.
          if (socket.disconnected) return;
          let swarmId = ids.swarmId();
          while (registry.hasSwarm(swarmId)) swarmId = ids.swarmId();
          const peerId = ids.peerId();
          const created = registry.create({
            swarmId,
            contentId,
            manifest,
            founder: { peerId, socketId: socket.id },
          });
          if (!created.ok) return reply(refuse(created.code));
          log(`swarm created (${registry.swarmCount} swarms)`);
          reply({ ok: true, swarmId, peerId, iceServers });
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
        handle({ swarmId }, reply) {
          let peerId = ids.peerId();
          // Departed leechers keep their rows (and ids) in the progress table.
          while (registry.hasPeerId(swarmId, peerId)) peerId = ids.peerId();
          const joined = registry.join(swarmId, { peerId, socketId: socket.id });
          if (!joined.ok) return reply(refuse(joined.code));
          const { manifest, contentId } = joined.swarm;
          reply({ ok: true, swarmId, peerId, manifest, contentId, peers: joined.existingPeers, iceServers });
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
          if (!stored.ok) return reply(refuse(stored.code));
          reply({ ok: true });
          progress.changed(stored.swarmId);
        },
      }),
    );

    socket.on('disconnect', () => {
      try {
        leaveSwarm(socket.id);
      } catch (error) {
        log(`error: cleanup after disconnect failed: ${describeError(error)}`);
      }
    });
  });

  return { close: () => progress.close() };
}
