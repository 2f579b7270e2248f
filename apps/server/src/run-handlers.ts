import {
  peerConfigureRequestSchema,
  runStartRequestSchema,
  swarmWatchRequestSchema,
  type PeerConfigureRequest,
  type RunStartRequest,
  type SwarmWatched,
  type SwarmWatchRequest,
} from '@swarmlab/protocol';
import { controlDigestOf } from './control-secret';
import type { JoinCodes } from './join-codes';
import type { PeerNames } from './peer-names';
import type { ServerLimits } from './limits';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, noPayload, withSchema, type GuardContext } from './request-guard';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { SocketId, SwarmRegistry } from './swarm-registry';

export interface RunHandlerDeps {
  readonly socket: SignallingSocket;
  readonly context: GuardContext;
  readonly registry: SwarmRegistry;
  readonly limits: ServerLimits;
  readonly progress: ProgressBroadcaster;
  /** A broadcast to these sockets; undefined for none (`io.to([])` would reach every socket). */
  readonly toSockets: (socketIds: readonly SocketId[]) => ReturnType<SignallingIo['to']> | undefined;
  /** The swarm's join code and its members' names travel in the watch reply. */
  readonly joinCodes: JoinCodes;
  readonly peerNames: PeerNames;
}

/**
 * Watching a swarm and controlling its runs, for one socket: `swarm:watch`, `run:start`, `run:stop` and
 * `peer:configure`. Each comes from a member or a watcher of the swarm, in control of it (it presented
 * the control secret) except a member setting its own links; the rules are the registry's.
 */
export function attachRunHandlers(deps: RunHandlerDeps): void {
  const { socket, context, registry, limits, progress, toSockets, joinCodes, peerNames } = deps;

  socket.on(
    'swarm:watch',
    guardRequest<SwarmWatchRequest, SwarmWatched>(context, {
      event: 'swarm:watch',
      parse: withSchema(swarmWatchRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle({ swarmId, control }, reply) {
        const digest = control === undefined ? undefined : controlDigestOf(control);
        const watched = registry.watch(swarmId, socket.id, digest);
        if (!watched.ok) return reply(refuse(watched.code));
        const { manifest, contentId } = watched.swarm;
        const { progress: table, inControl } = watched;
        const joinCode = joinCodes.ensure({ swarmId, contentId });
        reply({ ok: true, swarmId, manifest, contentId, progress: peerNames.label(table), inControl, joinCode });
      },
    }),
  );

  socket.on(
    'run:start',
    guardRequest<RunStartRequest, { runNumber: number }>(context, {
      event: 'run:start',
      parse: withSchema(runStartRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle({ config }, reply) {
        const started = registry.startRun(socket.id, config);
        if (!started.ok) return reply(refuse(started.code));
        toSockets(started.memberSocketIds)?.emit('run:started', started.started);
        reply({ ok: true, runNumber: started.started.runNumber });
        progress.changed(started.swarmId);
      },
    }),
  );

  socket.on(
    'run:stop',
    guardRequest<undefined, object>(context, {
      event: 'run:stop',
      parse: noPayload('run:stop'),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle(_request, reply) {
        const stopped = registry.stopRun(socket.id);
        if (!stopped.ok) return reply(refuse(stopped.code));
        toSockets(stopped.memberSocketIds)?.emit('run:stopped', { runNumber: stopped.runNumber });
        reply({ ok: true });
        progress.changed(stopped.swarmId);
      },
    }),
  );

  socket.on(
    'peer:configure',
    guardRequest<PeerConfigureRequest, object>(context, {
      event: 'peer:configure',
      parse: withSchema(peerConfigureRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle({ peerId, override }, reply) {
        const configured = registry.configure(socket.id, peerId, override);
        if (!configured.ok) return reply(refuse(configured.code));
        reply({ ok: true });
        progress.changed(configured.swarmId);
      },
    }),
  );
}
