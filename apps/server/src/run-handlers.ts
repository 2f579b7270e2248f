import {
  peerConfigureRequestSchema,
  runStartRequestSchema,
  swarmWatchRequestSchema,
  type PeerConfigureRequest,
  type RunStartRequest,
  type SwarmWatched,
  type SwarmWatchRequest,
} from '@swarmlab/protocol';
import type { AddressKey } from './address-quotas';
import { controlDigestOf } from './control-secret';
import type { ServerLimits } from './limits';
import type { InOrder, MembershipTurn } from './membership-turn';
import { jsonBytes, manifestWireBytes, type AnswerBudgets } from './answer-budgets';
import type { ProgressBroadcaster } from './progress-broadcaster';
import { refuse } from './refusals';
import { guardRequest, noPayload, withSchema, type GuardContext } from './request-guard';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { SocketId } from './swarm-registry';
import type { SwarmStore, SwarmWorld } from './swarm-store';
import type { UnknownSwarms } from './unknown-swarm';

export interface RunHandlerDeps {
  readonly socket: SignallingSocket;
  /** The socket's network address: a watcher counts against its share of the swarm's watchers. */
  readonly address: AddressKey;
  readonly context: GuardContext;
  readonly store: SwarmStore;
  readonly limits: ServerLimits;
  readonly progress: ProgressBroadcaster;
  readonly inTurn: MembershipTurn;
  readonly inOrder: InOrder;
  /** A broadcast to these sockets; undefined for none (`io.to([])` would reach every socket). */
  readonly toSockets: (socketIds: readonly SocketId[]) => ReturnType<SignallingIo['to']> | undefined;
  /** What a watch of a swarm this server does not know is answered (`unknown-swarm.ts`). */
  readonly unknownSwarms: UnknownSwarms;
  /** The per-address budget of manifest bytes answered: a watch's answer carries the manifest. */
  readonly answers: AnswerBudgets;
}

/**
 * Watching a swarm and controlling its runs, for one socket: `swarm:watch`, `run:start`, `run:stop` and
 * `peer:configure`. Each comes from a member or a watcher of the swarm, in control of it (it presented
 * the control secret) except a member setting its own links; the rules are the registry's, and each is
 * one atomic update of the swarm (two screens starting a run at once: one starts it, the other is told
 * `run-in-progress`, whichever processes they are on).
 */
export function attachRunHandlers(deps: RunHandlerDeps): void {
  const { socket, address, context, store, limits, progress, toSockets, inTurn, inOrder, unknownSwarms, answers } =
    deps;

  /** Updates the swarm the socket follows; undefined when it follows none. */
  const changeFollowed = <T>(apply: (world: SwarmWorld) => T): Promise<T | undefined> =>
    inOrder(async () => {
      const swarmId = store.followedSwarmOf(socket.id);
      if (swarmId === undefined) return undefined;
      const updated = await store.update(swarmId, apply);
      return updated.ok ? updated.value : undefined;
    });

  socket.on(
    'swarm:watch',
    guardRequest<SwarmWatchRequest, SwarmWatched>(context, {
      event: 'swarm:watch',
      parse: withSchema(swarmWatchRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      handle: ({ swarmId, control }, reply) =>
        inTurn(async () => {
          if (await store.followedLiveSwarmOf(socket.id)) return reply(refuse('already-in-swarm'));
          if (!answers.mayAnswer(address)) return reply(refuse('rate-limited'));
          const digest = control === undefined ? undefined : controlDigestOf(control);
          const updated = await store.update(swarmId, (world) => {
            const watched = world.registry.watch(swarmId, socket.id, address, digest);
            if (!watched.ok) return watched;
            const { contentId } = watched.swarm;
            const joinCode = world.joinCodes.ensure({ swarmId, contentId });
            return { ...watched, progress: world.peerNames.label(watched.progress), joinCode };
          });
          if (!updated.ok) return reply(unknownSwarms.answer(swarmId, refuse('swarm-not-found')));
          const watched = updated.value;
          if (!watched.ok) return reply(unknownSwarms.answer(swarmId, refuse(watched.code)));
          const { manifest, contentId } = watched.swarm;
          const { progress: table, inControl, joinCode, registeredAgain } = watched;
          answers.answered(address, manifestWireBytes(manifest) + jsonBytes(table));
          reply({ ok: true, swarmId, manifest, contentId, progress: table, inControl, joinCode, registeredAgain });
        }),
    }),
  );

  socket.on(
    'run:start',
    guardRequest<RunStartRequest, { runNumber: number }>(context, {
      event: 'run:start',
      parse: withSchema(runStartRequestSchema),
      maxPayloadBytes: limits.maxSignalPayloadBytes,
      async handle({ config }, reply) {
        const started = await changeFollowed((world) => world.registry.startRun(socket.id, config));
        if (!started) return reply(refuse('not-in-swarm'));
        if (!started.ok) return reply(refuse(started.code));
        toSockets(started.memberSocketIds)?.emit('run:started', { ...started.started, swarmId: started.swarmId });
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
      async handle(_request, reply) {
        const stopped = await changeFollowed((world) => world.registry.stopRun(socket.id));
        if (!stopped) return reply(refuse('not-in-swarm'));
        if (!stopped.ok) return reply(refuse(stopped.code));
        toSockets(stopped.memberSocketIds)?.emit('run:stopped', {
          runNumber: stopped.runNumber,
          swarmId: stopped.swarmId,
        });
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
      async handle({ peerId, override }, reply) {
        const configured = await changeFollowed((world) => world.registry.configure(socket.id, peerId, override));
        if (!configured) return reply(refuse('not-in-swarm'));
        if (!configured.ok) return reply(refuse(configured.code));
        reply({ ok: true });
        progress.changed(configured.swarmId);
      },
    }),
  );
}
