import { PendingWork } from './pending-work';
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
import type { AddressKey } from './address-quotas';
import { attachClassroomHandlers } from './classroom-handlers';
import type { CodeLookupBudgets } from './code-lookup-budgets';
import { jsonBytes, manifestWireBytes, type AnswerBudgets } from './answer-budgets';
import type { ServerLimits } from './limits';
import { createProgressBroadcaster, runKeyOf } from './progress-broadcaster';
import type { RandomIds } from './random-ids';
import { controlDigestOf, memberKeyDigestOf } from './control-secret';
import { attachResumeHandlers, type MembershipOps } from './resume-handlers';
import { sealOf, swarmIdOfSeal } from './swarm-seal';
import { errorForLog } from './error-for-log';
import { UnaskedCreationError } from './swarm-store-errors';
import { createKeyedQueue } from './keyed-queue';
import type { InOrder, MembershipTurn } from './membership-turn';
import { refuse } from './refusals';
import type { RelayBudgets } from './relay-budgets';
import { guardRequest, noPayload, withSchema, type GuardContext } from './request-guard';
import { attachRunHandlers } from './run-handlers';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import type { LeaveOutcome, SocketId } from './swarm-registry';
import type { SwarmState, SwarmWorld } from './swarm-store';
import type { UnknownSwarms } from './unknown-swarm';

export interface SignallingHandlerDeps {
  readonly io: SignallingIo;
  /** Where swarms live: this process's memory, or Redis shared with other processes. */
  readonly state: SwarmState;
  readonly ids: RandomIds;
  readonly limits: ServerLimits;
  readonly addressOf: (socket: SignallingSocket) => AddressKey;
  /**
   * The ICE servers a socket's client is told of (the operator's, and the server's own LAN STUN responder by the host
   * the client reached it at: `lan-stun.ts`).
   */
  readonly iceServersFor: (socket: SignallingSocket) => readonly IceServer[];
  readonly log: (line: string) => void;
  /** The per-address limit on failed join-code lookups (kept by each process). */
  readonly codeLookups: CodeLookupBudgets;
  /** The per-address budget of manifest bytes answered (kept by each process). */
  readonly answers: AnswerBudgets;
  /** What each socket may have relayed to each other (kept by the sender's process). */
  readonly relays: RelayBudgets;
  /** What a join or watch of a swarm this server does not know is answered (`unknown-swarm.ts`). */
  readonly unknownSwarms: UnknownSwarms;
}

export interface SignallingHandlers {
  /** Swarms with a progress broadcast pending (each holds a timer). */
  readonly pendingBroadcasts: number;
  /** Members and restored runs waited for (each holds a timer). */
  readonly pendingGraces: number;
  /** Clears the progress broadcast and grace timers; call before closing the socket.io server. */
  close(): void;
  /**
   * Resolves once the work the handlers started has settled (requests answered and written, disconnects cleaned up),
   * or after `withinMs` at most: what the server's close waits for before it closes the shared state.
   */
  settled(withinMs: number): Promise<void>;
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

/** What a member's departure changes in its swarm's state (inside an update): its seat, name and, with the swarm, its code. */
export function releaseDeparted(world: SwarmWorld, left: LeaveOutcome): void {
  world.seats.released(left.swarmId, left.peerId);
  world.peerNames.forget(left.swarmId, left.peerId);
  if (left.swarmDeleted) {
    // Nothing keyed by the swarm's id may outlive it: its manifest goes with the last reference.
    world.quotas.swarmEnded(left.swarmId);
    world.joinCodes.release(left.swarmId);
  }
}

/**
 * Wires the signalling contract (`ClientToServerEvents`) to the swarm state for every connecting
 * socket. The server only introduces peers, relays their WebRTC signals, shares their progress reports
 * and starts and stops runs; file data never passes through it. Swarm membership and signalling are
 * here; watching and run control in `run-handlers.ts`. Every change to a swarm is one `store.update`,
 * which does no I/O; what it returns is sent afterwards.
 */
export function attachSignallingHandlers(deps: SignallingHandlerDeps): SignallingHandlers {
  const { io, state, ids, limits, addressOf, iceServersFor, log, codeLookups, answers, relays, unknownSwarms } = deps;
  const { store } = state;

  /**
   * Changes to what a socket follows (create, join, watch, resume, restore, leave, and the cleanup after
   * it disconnects) run one at a time per socket. Each checks that the socket follows nothing yet, then
   * writes its swarm; with Redis the two are apart (a write loads its own swarm only, and this process
   * learns the socket's place once the write committed), so two joins sent at once could both pass, and a
   * disconnect's cleanup could run before the join it follows committed, leaving a member that never leaves.
   */
  const memberships = createKeyedQueue();
  /** What the handlers started that nobody waits for: the server's close waits for it (`settled`). */
  const pending = new PendingWork();

  /** `io.to([])` would broadcast to every socket, so an empty list must send nothing. */
  const toSockets = (socketIds: readonly SocketId[]) => (socketIds.length > 0 ? io.to([...socketIds]) : undefined);

  const progress = createProgressBroadcaster({
    intervalMs: limits.progressBroadcastIntervalMs,
    async broadcast(swarmId, deliveryFor) {
      const seen = await store.read(swarmId, ({ registry, peerNames }) => {
        const table = registry.progressOf(swarmId);
        return table && { table: peerNames.label(table), audience: registry.audienceOf(swarmId) };
      });
      const audience = seen && toSockets(seen.audience);
      if (!audience) return;
      const delivery = deliveryFor(runKeyOf(seen.table.run));
      (delivery === 'volatile' ? audience.volatile : audience).emit('swarm:progress', seen.table);
    },
    onError: (error) => log(`error: swarm:progress broadcast failed: ${errorForLog(error)}`),
  });

  const notifyPeers = (socketIds: readonly SocketId[], event: 'peer:joined' | 'peer:left', peerId: PeerId): void => {
    toSockets(socketIds)?.emit(event, { peerId });
  };

  /** What a departure tells, once its update is written. */
  const announceDeparted = (left: LeaveOutcome): void => {
    grace.memberBack(left.swarmId, left.peerId);
    notifyPeers(left.remainingSocketIds, 'peer:left', left.peerId);
    if (left.swarmDeleted) {
      progress.forget(left.swarmId);
      unknownSwarms.ended(left.swarmId);
      toSockets(left.orphanedWatcherSocketIds)?.emit('swarm:ended', { swarmId: left.swarmId });
      log(`swarm ended: its last peer left (${store.stats().swarms} swarms)`);
    } else {
      progress.changed(left.swarmId);
    }
  };

  /** Updates a swarm whose existence nothing here creates: a refusal of creation cannot happen. */
  const change = async <T>(swarmId: SwarmId, apply: (world: SwarmWorld) => T): Promise<T> => {
    const updated = await store.update(swarmId, apply);
    if (!updated.ok) throw new UnaskedCreationError(swarmId);
    return updated.value;
  };

  const grace = state.createGrace({
    async giveUpMember(swarmId, peerId) {
      const left = await change(swarmId, (world) => {
        const expired = world.registry.expire(swarmId, peerId);
        if (expired) releaseDeparted(world, expired);
        return expired;
      });
      if (left) announceDeparted(left);
    },
    async giveUpAwaiting(swarmId) {
      await change(swarmId, (world) => world.registry.giveUpAwaiting(swarmId));
      progress.changed(swarmId);
    },
    onError: (error) => log(`error: giving up on a member failed: ${errorForLog(error)}`),
  });

  const membership: MembershipOps = { announceDeparted, notifyPeers, change };

  /** Removes the socket from its swarm (as a member or a watcher) at once and tells the others; false if in none. */
  const leaveSwarm = async (socketId: SocketId): Promise<boolean> => {
    const swarmId = store.followedSwarmOf(socketId);
    if (swarmId === undefined) return false;
    const outcome = await change(swarmId, (world) => {
      if (world.registry.unwatch(socketId) !== undefined) return 'unwatched';
      const left = world.registry.leave(socketId);
      if (left) releaseDeparted(world, left);
      return left;
    });
    if (outcome === 'unwatched') return true;
    if (!outcome) return false;
    announceDeparted(outcome);
    return true;
  };

  /**
   * Sockets dropped without leaving: a watcher is gone, a member keeps its place for the grace period
   * (the others are told nothing; their WebRTC connections to it go on) unless it resumes meanwhile.
   */
  const dropped = async (swarmId: SwarmId, socketIds: readonly SocketId[]): Promise<void> => {
    const suspended = await change(swarmId, (world) =>
      socketIds.flatMap((socketId) => {
        if (world.registry.unwatch(socketId) !== undefined) return [];
        const suspension = world.registry.suspend(socketId);
        return suspension ? [suspension] : [];
      }),
    );
    if (suspended.length === 0) return;
    progress.changed(swarmId);
    for (const { peerId } of suspended) grace.awaitMember(swarmId, peerId);
  };

  state.onSocketsLost(
    (swarmId, socketIds) => {
      dropped(swarmId, socketIds).catch((error: unknown) => {
        log(`error: taking over the lost sockets of a swarm failed: ${errorForLog(error)}`);
      });
    },
    (socketId) => io.of('/').sockets.has(socketId),
  );

  // Taken for stopped while alive, or Redis forgot everything: this process's tabs and screens, still connected
  // here, are suspended or unknown there, and nothing would tell them. Their connections are closed (as a
  // network drop would, not by the server, which a client would not reconnect after): each reconnects and
  // takes its place back (`swarm:resume`, or `swarm:restore` of a forgotten swarm), within the grace period.
  state.onDisowned(() => {
    // Swarms it knew may have to be registered again: links opened meanwhile wait for them.
    unknownSwarms.restarted();
    const sockets = [...io.of('/').sockets.values()];
    log(
      `error: the shared state no longer counted this process alive: closing its ${sockets.length} connection(s) so they take their places back`,
    );
    for (const socket of sockets) socket.conn.close();
  });

  // Cut off from the shared state: its tabs' requests would wait for ever here, while the other processes give
  // their members up. Their connections are closed as a drop is, to reconnect where the state answers (a load
  // balancer sends them elsewhere: this process's health check fails, and it takes no connection meanwhile).
  state.onCutOff((lastFailure) => {
    const sockets = [...io.of('/').sockets.values()];
    // Error replies (out of memory, a read-only replica) are not silence: said, the log points at Redis's state, not
    // the network (it said "has not answered" alone). Its message only: each failure was logged whole as it came.
    const lastError =
      lastFailure === undefined
        ? ''
        : ` (its last error: ${lastFailure instanceof Error ? lastFailure.message : String(lastFailure)})`;
    log(
      `error: the shared state has not answered for the process timeout${lastError}: closing this process's ${sockets.length} connection(s) so they reconnect where it answers`,
    );
    for (const socket of sockets) socket.conn.close();
  });

  io.on('connection', (socket: SignallingSocket) => {
    const address = addressOf(socket);
    const iceServers = iceServersFor(socket);
    const context: GuardContext = {
      maxPayloadDepth: limits.maxPayloadDepth,
      log,
      track: (work) => pending.track(work),
    };
    const inTurn: MembershipTurn = (task) => memberships.run(socket.id, task);
    // Queued, only its start takes a turn (what it reads, the store update it queues, both synchronous): its write and
    // answer go on beside the turns after it. Held to its end, a socket's signals waited behind its reports' writes.
    const inOrder: InOrder = <T>(task: () => Promise<T>): Promise<T> => {
      if (!memberships.has(socket.id)) return task();
      let started: Promise<T> | undefined;
      return memberships
        .run(socket.id, async () => {
          started = task();
          started.catch(() => undefined); // its caller's to handle, below
        })
        .then(() => started!);
    };
    // A membership change (or a request behind one) queued may change what the socket follows: an early refusal
    // waits for the turn's own check.
    const followsForSure = (): boolean =>
      store.followedIsLive && !memberships.has(socket.id) && store.followedSwarmOf(socket.id) !== undefined;

    socket.on(
      'swarm:create',
      guardRequest<SwarmCreateRequest, SwarmCreated>(context, {
        event: 'swarm:create',
        parse: withSchema(swarmCreateRequestSchema),
        maxPayloadBytes: limits.maxEventBytes,
        // What cannot succeed is refused before the manifest (up to a megabyte) is measured, parsed and hashed.
        refuseEarly: () => {
          if (followsForSure()) return 'already-in-swarm';
          return store.refuseCreateEarly(address);
        },
        handle: ({ manifest, contentId, config }, reply) =>
          inTurn(async () => {
            if (await store.followedLiveSwarmOf(socket.id)) return reply(refuse('already-in-swarm'));
            if ((await contentIdOf(manifest)) !== contentId) return reply(refuse('content-mismatch'));
            // The socket may have gone while the manifest was hashed: a swarm for it would never end.
            if (socket.disconnected) return;
            const controlSecret = ids.controlSecret();
            const controlDigest = controlDigestOf(controlSecret);
            // The id is made from the file and the control secret, so the swarm can be registered again
            // under it after a restart, by its members only, with this file only (`swarm-seal.ts`).
            let seal = sealOf(ids.sealSalt(), controlDigest);
            while (await store.hasSwarm(swarmIdOfSeal(seal, contentId))) seal = sealOf(ids.sealSalt(), controlDigest);
            const swarmId = swarmIdOfSeal(seal, contentId);
            const peerId = ids.peerId();
            const memberKey = ids.memberKey();
            const founder = { peerId, socketId: socket.id, keyDigest: memberKeyDigestOf(memberKey), address };
            const updated = await store.update(
              swarmId,
              (world) => {
                // Its other sockets may have created swarms meanwhile.
                if (!world.quotas.canCreateSwarm(address)) return refuse('too-many-swarms-from-address');
                const created = world.registry.create({ swarmId, contentId, manifest, founder, config, seal });
                if (!created.ok) return refuse(created.code);
                world.quotas.swarmCreated(address, swarmId);
                world.seats.seated(swarmId, peerId, address);
                return { ok: true as const, joinCode: world.joinCodes.ensure({ swarmId, contentId }) };
              },
              { manifest, creator: address, creatorLimited: true },
            );
            if (!updated.ok) return reply(refuse(updated.code));
            if (!updated.value.ok) return reply(updated.value);
            log(`swarm created (${store.stats().swarms} swarms)`);
            const { joinCode } = updated.value;
            reply({ ok: true, swarmId, peerId, iceServers, controlSecret, joinCode, memberKey, seal });
            progress.changed(swarmId);
          }),
      }),
    );

    socket.on(
      'swarm:join',
      guardRequest<SwarmJoinRequest, SwarmJoined>(context, {
        event: 'swarm:join',
        parse: withSchema(swarmJoinRequestSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle: ({ swarmId, control, formerPlace, entryKey }, reply) =>
          inTurn(async () => {
            // A socket follows one swarm at most, whichever it is (a swarm's own state knows only its sockets); the
            // same join asked twice on one connection finds its place below.
            const followed = await store.followedLiveSwarmOf(socket.id);
            if (followed && (followed !== swarmId || entryKey === undefined)) return reply(refuse('already-in-swarm'));
            if (!answers.mayAnswer(address)) return reply(refuse('rate-limited'));
            const digest = control === undefined ? undefined : controlDigestOf(control);
            const formerKeyDigest = formerPlace && memberKeyDigestOf(formerPlace.memberKey);
            const entryKeyDigest = entryKey === undefined ? undefined : memberKeyDigestOf(entryKey);
            let departedAway: LeaveOutcome | undefined;
            const joined = await change(swarmId, (world) => {
              departedAway = undefined;
              // Checked on every try of the change, as a resume's is: a socket gone since (a client that gave up on
              // it and joined again on another, with the same entry key) takes no place, nor one from that other.
              if (socket.disconnected) return refuse('not-in-swarm');
              const { registry } = world;
              // Asked again, its answer lost: the place it made, on this connection now. (Not a former place found by
              // its key: a reloaded page is a new engine, whose place the run must take back as a reload's, and a
              // duplicated tab carries its original's key.)
              const again =
                entryKeyDigest &&
                registry.rejoin(swarmId, {
                  socketId: socket.id,
                  address,
                  control: digest,
                  keyDigest: entryKeyDigest,
                  formerKeyDigest,
                });
              if (again) {
                world.seats.reseated(swarmId, again.peerId, address);
                const joinCode = world.joinCodes.ensure({ swarmId, contentId: again.swarm.contentId });
                // A first ask that took the former place back: the place's key, which the page keeps.
                const memberKey = again.formerPlace ? formerPlace!.memberKey : entryKey!;
                return { ok: true as const, ...again, memberKey, joinCode, others: [], rebound: true };
              }
              if (followed) return refuse('already-in-swarm');
              // At its address's limit, a join may go on only to take back its own away place there (the seat is
              // that place's): refused, it must not have given the place up first (found by review).
              const awayAt =
                formerPlace === undefined
                  ? undefined
                  : registry.awayAddressOf(swarmId, formerPlace.peerId, formerKeyDigest!);
              if (awayAt !== address && !world.quotas.canJoin(address, swarmId))
                return refuse('swarm-full-for-address');
              // A reloaded page whose old place is away (its leave never reached the server: a crash, a phone that
              // discarded the tab, a reload while the connection was down) takes it back at once, as a reload's:
              // it was given a new place, its kept chunks refused as faster than its caps, the student flagged on
              // every screen and the old place counted as an abandoned download (found by review).
              departedAway =
                formerPlace === undefined
                  ? undefined
                  : registry.giveUpAway(swarmId, formerPlace.peerId, formerKeyDigest!);
              if (departedAway) releaseDeparted(world, departedAway);
              // A reloaded tab gets its place in the run back, by its key; any other join a new place.
              const takingBack =
                formerPlace !== undefined && registry.mayTakeBack(swarmId, formerPlace.peerId, formerKeyDigest!);
              let peerId = takingBack ? formerPlace.peerId : ids.peerId();
              // Participants that left the run going on keep their ids in it.
              while (!takingBack && registry.hasPeerId(swarmId, peerId)) peerId = ids.peerId();
              const memberKey = takingBack ? formerPlace.memberKey : (entryKey ?? ids.memberKey());
              const member = {
                peerId,
                socketId: socket.id,
                keyDigest: memberKeyDigestOf(memberKey),
                // Asked again, its answer lost, the join finds this place by its entry key (`rejoin`).
                ...(takingBack && { entryKeyDigest }),
                address,
              };
              const former =
                formerPlace === undefined ? undefined : { peerId: formerPlace.peerId, keyDigest: formerKeyDigest! };
              const outcome = registry.join(swarmId, member, digest, takingBack, former);
              if (!outcome.ok) return refuse(outcome.code);
              world.seats.seated(swarmId, peerId, address);
              // The swarm's last member, away, reloaded (a teacher's tab before anyone joined): its place goes once
              // this one holds the swarm. Given up first it would have ended the swarm; kept, the tab saw its old
              // self "reconnecting" beside it for the grace period, and a run started meanwhile had that seeder.
              if (formerPlace !== undefined && departedAway === undefined) {
                departedAway = registry.giveUpAway(swarmId, formerPlace.peerId, formerKeyDigest!);
                if (departedAway) releaseDeparted(world, departedAway);
              }
              const gone = departedAway?.peerId;
              const existingPeers = outcome.existingPeers.filter((other) => other !== gone);
              const joinCode = world.joinCodes.ensure({ swarmId, contentId: outcome.swarm.contentId });
              const others = registry.otherSockets(swarmId, socket.id);
              return {
                ...outcome,
                existingPeers,
                peerId,
                memberKey,
                joinCode,
                others,
                rebound: false,
                replacedSocketId: null,
              };
            });
            // Its old engine is gone: the others close their connections to it before they hear of the new one.
            if (departedAway) announceDeparted(departedAway);
            if (!joined.ok) return reply(unknownSwarms.answer(swarmId, joined));
            const { manifest, contentId, seal } = joined.swarm;
            const { existingPeers: peers, run, inControl, peerId, joinCode, memberKey } = joined;
            answers.answered(address, manifestWireBytes(manifest) + (run ? jsonBytes(run) : 0));
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
              registeredAgain: joined.registeredAgain,
            });
            if (joined.rebound) {
              grace.memberBack(swarmId, peerId);
              // Its old connection, if the server had not seen it drop, is gone for good.
              if (joined.replacedSocketId !== null && !socket.disconnected)
                socket.nsp.in(joined.replacedSocketId).disconnectSockets(true);
            } else notifyPeers(joined.others, 'peer:joined', peerId);
            progress.changed(swarmId);
          }),
      }),
    );

    socket.on(
      'swarm:leave',
      guardRequest<undefined, object>(context, {
        event: 'swarm:leave',
        parse: noPayload('swarm:leave'),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle: (_request, reply) =>
          inTurn(async () => reply((await leaveSwarm(socket.id)) ? { ok: true } : refuse('not-in-swarm'))),
      }),
    );

    socket.on(
      'signal:send',
      guardRequest<SignalSendRequest, object>(context, {
        event: 'signal:send',
        parse: withSchema(signalSendRequestSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        handle: ({ to, signal, attempt }, reply) =>
          inOrder(async () => {
            const sender = store.membershipOf(socket.id);
            if (!sender) return reply(refuse('not-in-swarm'));
            // Looked up in the sender's own swarm only: signals never cross from one swarm to another.
            const target = await store.socketOf(sender.swarmId, to);
            if (target === undefined) return reply(refuse('peer-not-found'));
            if (target === socket.id) return reply(refuse('peer-not-found', 'A peer cannot signal itself.'));
            // Within the sender's budgets, members together could still send one classmate more than the server
            // queues for a socket, and have its connection closed: each sender's relays to it have a budget of their
            // own (others' floods never refuse an honest offer); past it refused to the sender, the target sent nothing.
            if (!relays.tryRelay(socket.id, target, jsonBytes(signal)))
              return reply(refuse('rate-limited', 'That peer has been sent as many signals as it can take for now.'));
            // With the Redis adapter, a socket of another process gets it too.
            io.to(target).emit('signal:relay', {
              from: sender.peerId,
              signal,
              ...(attempt !== undefined && { attempt }),
            });
            reply({ ok: true });
          }),
      }),
    );

    socket.on(
      'progress:report',
      guardRequest<ProgressReport, object>(context, {
        event: 'progress:report',
        parse: withSchema(progressReportSchema),
        maxPayloadBytes: limits.maxSignalPayloadBytes,
        async handle(report, reply) {
          const stored = await inOrder(async () => {
            const swarmId = store.followedSwarmOf(socket.id);
            return swarmId === undefined
              ? undefined
              : await change(swarmId, (world) => world.registry.report(socket.id, report));
          });
          if (stored === undefined) return reply(refuse('not-in-swarm'));
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

    // What the socket's other handlers share.
    const socketDeps = { socket, address, context, store, limits, progress, inTurn, inOrder, answers };
    attachRunHandlers({ ...socketDeps, toSockets, unknownSwarms });
    attachResumeHandlers({ ...socketDeps, followsForSure, grace, membership, log, toSockets, iceServers });
    attachClassroomHandlers({ socket, address, context, store, limits, progress, inOrder, codeLookups });

    socket.on('disconnect', (reason) => {
      relays.forget(socket.id);
      const failed = (error: unknown): void => log(`error: cleanup after disconnect failed: ${errorForLog(error)}`);
      // After any change of its membership still under way: what that change wrote is then undone.
      pending.track(
        inTurn(async () => {
          if (DELIBERATE_DISCONNECTS.has(reason)) {
            await leaveSwarm(socket.id);
            return;
          }
          const swarmId = store.followedSwarmOf(socket.id);
          if (swarmId !== undefined) await dropped(swarmId, [socket.id]);
        }).catch(failed),
      );
    });
  });

  return {
    get pendingBroadcasts() {
      return progress.pendingCount;
    },
    get pendingGraces() {
      return grace.pendingCount;
    },
    settled: (withinMs) => pending.settled(withinMs),
    close() {
      progress.close();
      grace.close();
    },
  };
}
