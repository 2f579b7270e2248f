import type { DisplayName, JoinCode, Manifest, PeerId, SwarmId } from '@swarmlab/protocol';
import { createAddressQuotas, type AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import { randomJoinCode, type CodedSwarm } from './join-codes';
import { createKeyedQueue } from './keyed-queue';
import { LocalPresences } from './local-presences';
import type { ServerLimits } from './limits';
import { createMemberSeats } from './member-seats';
import { createPeerNames } from './peer-names';
import type { RandomBytes } from './random-ids';
import type { RedisClient } from './redis-client';
import { COMMIT_SWARM_SCRIPT, type CommitAnswer } from './redis-commit-script';
import { landedDespite } from './redis-lost-commit';
import type { SwarmRecord } from './swarm-record';
import { createSwarmRegistry, type Membership, type SocketId } from './swarm-registry';
import type { SwarmCreation, SwarmStore, SwarmWorld, Updated } from './swarm-store';
import { MissingManifestError, SwarmWriteConflictError, UnreadableSwarmRecordError } from './swarm-store-errors';

export type { RedisClient };

/** A server process's random id: the owner of the sockets connected to it. */
export type ProcessId = string;

/** One swarm as Redis keeps it (JSON), beside its manifest. */
export interface StoredSwarm {
  readonly record: SwarmRecord;
  /** Each member's seat, by peer id: the address it counts against. */
  readonly seats: Record<PeerId, AddressKey>;
  readonly names: Record<PeerId, DisplayName>;
  readonly joinCode: JoinCode;
  /** The address its creation counts against (`maxSwarmsPerAddress`). */
  readonly creator: AddressKey;
  /** The process each member's and watcher's socket is connected to, by socket id. */
  readonly owners: Record<SocketId, ProcessId>;
}

/** The keys, all under one prefix so that one Redis can hold other things (or several swarmlab servers). */
export function redisKeys(prefix: string) {
  return {
    swarm: (swarmId: SwarmId) => `${prefix}swarm:${swarmId}`,
    manifest: (swarmId: SwarmId) => `${prefix}manifest:${swarmId}`,
    sockets: (swarmId: SwarmId) => `${prefix}sockets:${swarmId}`,
    swarms: `${prefix}swarms`,
    creators: `${prefix}creators`,
    codes: `${prefix}codes`,
    /** The last version written, of any swarm (`COMMIT_SWARM_SCRIPT`). */
    versions: `${prefix}versions`,
    grace: `${prefix}grace`,
    processes: `${prefix}processes`,
    alive: (processId: ProcessId) => `${prefix}alive:${processId}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * A conflicting write is retried at once (the other process is done writing); this many conflicts in a
 * row mean something is wrong (a swarm written hundreds of times in a few milliseconds), not contention.
 */
const MAX_COMMIT_ATTEMPTS = 100;

export interface RedisSwarmStoreDeps {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  readonly processId: ProcessId;
  readonly limits: ServerLimits;
  /** The clock of every swarm and run time, shared by the processes: the wall clock (`Date.now()`). */
  readonly nowMs: ClockMs;
  readonly randomBytes: RandomBytes;
}

/** The Redis store, with what its process's liveness and grace need besides the `SwarmStore` interface. */
export interface RedisSwarmStore extends SwarmStore {
  /** The swarm as stored, without loading it into a registry. */
  load(swarmId: SwarmId): Promise<StoredSwarm | undefined>;
  /** Refreshes the swarm count `stats()` reports, and forgets the manifests of swarms that ended meanwhile. */
  countSwarms(): Promise<number>;
  /** Resolves once every update in flight is written (or failed). */
  settled(): Promise<void>;
}

/** A change waiting in a swarm's batch (`commitBatch`), and how its caller is answered. */
interface QueuedChange {
  readonly change: (world: SwarmWorld) => unknown;
  readonly settle: (outcome: { readonly answer: Updated<unknown> } | { readonly thrown: unknown }) => void;
}

/**
 * The swarm state in Redis, shared by every process given the same Redis: each update loads its swarm
 * (one hash: a version number and the swarm as JSON), rebuilds the world of that swarm alone (the same
 * registry, quotas, seats and names as in memory), applies the change and writes the swarm back with
 * `COMMIT_SWARM_SCRIPT`, a compare-and-set on the version: a conflicting write elsewhere makes it load and
 * apply again. So two members taking the last seat through two processes, or two screens starting a run,
 * are applied one after the other, and the second sees the first.
 */
export function createRedisSwarmStore(deps: RedisSwarmStoreDeps): RedisSwarmStore {
  const { client, keys, processId, limits, nowMs, randomBytes } = deps;
  const queue = createKeyedQueue();
  const inFlight = new Set<Promise<unknown>>();
  const manifests = new Map<SwarmId, Manifest>();
  const presences = new LocalPresences();
  let knownSwarmCount = 0;
  // The caps spanning every swarm are the commit script's: a world of one swarm must not apply them.
  const worldLimits: ServerLimits = { ...limits, maxSwarms: Number.MAX_SAFE_INTEGER };
  const quotaLimits = { ...limits, maxSwarmsPerAddress: Number.MAX_SAFE_INTEGER };

  const load = async (
    swarmId: SwarmId,
  ): Promise<{ version: number; stored: StoredSwarm | undefined; doc: string | undefined }> => {
    const hash = await client.hGetAll(keys.swarm(swarmId));
    const { version, doc } = hash as Record<string, string | undefined>;
    if (version === undefined || doc === undefined) {
      // Ended, maybe through another process: its manifest (up to a megabyte) is not kept for it (found by review:
      // a process held every manifest of swarms that ended elsewhere, up to `maxSwarms` of them).
      manifests.delete(swarmId);
      return { version: 0, stored: undefined, doc: undefined };
    }
    return { version: Number(version), stored: readableRecord(swarmId, doc), doc };
  };

  const manifestOf = async (swarmId: SwarmId): Promise<Manifest> => {
    const cached = manifests.get(swarmId);
    if (cached) {
      // The most recently used last: a swarm in use is not pushed out before ones read long ago.
      manifests.delete(swarmId);
      manifests.set(swarmId, cached);
      return cached;
    }
    const text = await client.get(keys.manifest(swarmId));
    if (text === null) throw new MissingManifestError(swarmId);
    const manifest = JSON.parse(text) as Manifest;
    // Bounded like the swarms themselves: the oldest cached manifest goes first.
    if (manifests.size >= limits.maxSwarms) manifests.delete(manifests.keys().next().value!);
    manifests.set(swarmId, manifest);
    return manifest;
  };

  /**
   * The manifest of a swarm just read, or undefined if the swarm ended since (its record and manifest deleted by
   * another write): a read or an update racing the end of a swarm is no error (a progress broadcast queued as
   * the last member was given up logged one).
   */
  const manifestIfStillThere = async (swarmId: SwarmId): Promise<Manifest | undefined> => {
    try {
      return await manifestOf(swarmId);
    } catch (error) {
      if ((await load(swarmId)).stored === undefined) return undefined;
      throw error;
    }
  };

  /**
   * The world of one swarm, as stored (or empty), with the code a new swarm would get. `creator`: the live swarms
   * its creator's address has, as Redis counted them just before, for the change's own check of the cap (the commit
   * script checks again): without it a restore at the cap was answered as it would be under the cap (its seal's
   * refusal, say), and in memory `too-many-swarms-from-address` (found by review).
   */
  const worldOf = (
    stored: StoredSwarm | undefined,
    manifest: Manifest | undefined,
    creator?: { readonly address: AddressKey; readonly swarms: number },
  ) => {
    const registry = createSwarmRegistry({ limits: worldLimits, nowMs, epochNowMs: nowMs });
    const counted = createAddressQuotas(quotaLimits);
    const quotas: typeof counted = creator
      ? {
          ...counted,
          canCreateSwarm: (address) =>
            address === creator.address ? creator.swarms < limits.maxSwarmsPerAddress : counted.canCreateSwarm(address),
        }
      : counted;
    const seats = createMemberSeats(quotas);
    const peerNames = createPeerNames();
    let joinCode = stored?.joinCode;
    if (stored && manifest) {
      const { swarmId } = stored.record;
      registry.importSwarm(stored.record, manifest);
      for (const [peerId, address] of Object.entries(stored.seats)) seats.seated(swarmId, peerId, address);
      for (const [peerId, name] of Object.entries(stored.names)) peerNames.set(swarmId, peerId, name);
    }
    const world: SwarmWorld = {
      registry,
      quotas,
      seats,
      peerNames,
      joinCodes: {
        ensure: () => (joinCode ??= randomJoinCode(randomBytes)),
        release: () => undefined,
      },
    };
    return { world, joinCode: () => (joinCode ??= randomJoinCode(randomBytes)) };
  };

  /** Keeps this process's presences in step with the swarm as just written. */
  const track = (swarmId: SwarmId, stored: StoredSwarm | undefined): void => {
    const present: [SocketId, PeerId | null][] = [];
    if (stored) {
      const mine = (socketId: SocketId): boolean => stored.owners[socketId] === processId;
      for (const { socketId, peerId } of stored.record.members)
        if (socketId !== null && mine(socketId)) present.push([socketId, peerId]);
      for (const { socketId } of stored.record.watchers) if (mine(socketId)) present.push([socketId, null]);
    }
    presences.replaceSwarm(swarmId, present);
  };

  const stateOf = (
    swarmId: SwarmId,
    world: SwarmWorld,
    before: StoredSwarm | undefined,
    joinCode: JoinCode,
    creator: AddressKey,
  ): StoredSwarm | undefined => {
    const record = world.registry.exportSwarm(swarmId);
    if (!record) return undefined;
    const sockets = [
      ...record.members.flatMap((member) => (member.socketId === null ? [] : [member.socketId])),
      ...record.watchers.map((watcher) => watcher.socketId),
    ];
    // A socket new to the swarm came in through this process: only its own sockets' requests change it so.
    const owners = Object.fromEntries(sockets.map((socketId) => [socketId, before?.owners[socketId] ?? processId]));
    const names = world.peerNames.namesOf(swarmId);
    return { record, seats: world.seats.seatsOf(swarmId), names, joinCode, creator, owners };
  };

  /**
   * Applies each queued change of `batch`, in order, to one load of the swarm and writes the result in one commit:
   * updates of one swarm that queued behind a write in flight go out together. One commit each, a classroom's
   * reports (a member's every 300 ms, a record of hundreds of KiB at 64 members) outran the process: each load,
   * rebuild, change and write of the whole record took about 10 ms, and the queue grew without end (found by review).
   * Each change sees the changes before it, as one at a time they would; one that throws is answered so and the rest
   * applied again without it. Never rejects: each change's caller gets its answer.
   */
  const commitBatch = async (
    swarmId: SwarmId,
    batch: readonly QueuedChange[],
    creation: SwarmCreation | undefined,
  ): Promise<void> => {
    let changes = batch;
    try {
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS && changes.length > 0; attempt++) {
        const { version, stored, doc } = await load(swarmId);
        const manifest = stored ? await manifestIfStillThere(swarmId) : creation?.manifest;
        // Ended since it was read: read it again (gone now).
        if (stored && !manifest) continue;
        const creator =
          !stored && creation?.creatorLimited
            ? {
                address: creation.creator,
                swarms: Number((await client.hGet(keys.creators, creation.creator)) ?? 0),
              }
            : undefined;
        const { world, joinCode } = worldOf(stored, manifest, creator);
        const values: unknown[] = [];
        const thrown = changes.findIndex((queued) => {
          try {
            values.push(queued.change(world));
            return false;
          } catch (error) {
            queued.settle({ thrown: error });
            return true;
          }
        });
        if (thrown >= 0) {
          // The world holds what the changes before it did, and maybe part of it: all again, without it.
          changes = changes.filter((_, index) => index !== thrown);
          attempt--;
          continue;
        }
        const answerAll = (answer: (index: number) => Updated<unknown>): void =>
          changes.forEach((queued, index) => queued.settle({ answer: answer(index) }));
        const after = stateOf(swarmId, world, stored, joinCode(), stored?.creator ?? creation?.creator ?? '');
        if (!stored && !after) {
          // Gone, maybe through another process: this one's sockets follow it no more (a watcher's drop lands here).
          track(swarmId, undefined);
          return answerAll((index) => ({ ok: true, value: values[index] }));
        }
        const afterDoc = after ? JSON.stringify(after) : '';
        if (stored && afterDoc === doc) {
          // Nothing changed (a refused request: a watcher's report, a stop without control): no write, no new
          // version, so a flood of refusals neither costs a rewrite each nor makes other processes' writes conflict.
          track(swarmId, after);
          return answerAll((index) => ({ ok: true, value: values[index] }));
        }
        const coded: CodedSwarm = { swarmId, contentId: (after ?? stored)!.record.contentId };
        const sockets = (after?.record.members ?? []).flatMap((member) =>
          member.socketId === null ? [] : [member.peerId, member.socketId],
        );
        const sent = { swarmKey: keys.swarm(swarmId), versionRead: version, doc: afterDoc };
        const answer = await client
          .eval(COMMIT_SWARM_SCRIPT, {
            keys: [
              keys.swarm(swarmId),
              keys.manifest(swarmId),
              keys.sockets(swarmId),
              keys.swarms,
              keys.creators,
              keys.codes,
              keys.versions,
            ],
            arguments: [
              String(version),
              afterDoc,
              swarmId,
              (after ?? stored)!.creator,
              String(limits.maxSwarms),
              creation?.creatorLimited ? String(limits.maxSwarmsPerAddress) : '',
              (after ?? stored)!.joinCode,
              JSON.stringify(coded),
              !stored && manifest ? JSON.stringify(manifest) : '',
              ...sockets,
            ],
          })
          .then(
            (answered) => answered as CommitAnswer,
            // Its answer lost with the connection, it may have been written: then it is settled as written.
            async (error: unknown): Promise<CommitAnswer> => {
              if (await landedDespite(client, sent, error)) return 'ok';
              throw error;
            },
          );
        if (answer === 'conflict' || answer === 'code-taken') continue;
        if (answer !== 'ok') return answerAll(() => ({ ok: false, code: answer }));
        if (!stored && after) knownSwarmCount++;
        if (stored && !after) {
          knownSwarmCount = Math.max(0, knownSwarmCount - 1);
          manifests.delete(swarmId);
        }
        if (!stored && manifest && after) manifests.set(swarmId, manifest);
        track(swarmId, after);
        return answerAll((index) => ({ ok: true, value: values[index] }));
      }
      const conflicted = new SwarmWriteConflictError(swarmId, MAX_COMMIT_ATTEMPTS);
      for (const queued of changes) queued.settle({ thrown: conflicted });
    } catch (error) {
      // Redis failed (a load, or a commit not known to be written): every change still waiting is told.
      for (const queued of changes) queued.settle({ thrown: error });
    }
  };

  /** Changes of a swarm queued behind its write in flight, not yet begun: the next commit takes them all. */
  const waiting = new Map<SwarmId, QueuedChange[]>();

  const tracked = <T>(running: Promise<T>): Promise<T> => {
    inFlight.add(running);
    void running.then(
      () => inFlight.delete(running),
      () => inFlight.delete(running),
    );
    return running;
  };

  return {
    update<T>(swarmId: SwarmId, change: (world: SwarmWorld) => T, creation?: SwarmCreation) {
      return tracked(
        new Promise<Updated<T>>((resolve, reject) => {
          const queued: QueuedChange = {
            change,
            settle: (outcome) => ('thrown' in outcome ? reject(outcome.thrown) : resolve(outcome.answer as Updated<T>)),
          };
          // A change that may create the swarm is committed alone, and no later change joins a batch before it.
          if (creation) {
            waiting.delete(swarmId);
            return void queue.run(swarmId, () => commitBatch(swarmId, [queued], creation));
          }
          const batch = waiting.get(swarmId);
          if (batch) return void batch.push(queued);
          const started = [queued];
          waiting.set(swarmId, started);
          void queue.run(swarmId, () => {
            if (waiting.get(swarmId) === started) waiting.delete(swarmId);
            return commitBatch(swarmId, started, undefined);
          });
        }),
      );
    },

    async read(swarmId, view) {
      const { stored } = await load(swarmId);
      const manifest = stored ? await manifestIfStillThere(swarmId) : undefined;
      return view(worldOf(manifest ? stored : undefined, manifest).world);
    },

    async hasSwarm(swarmId) {
      return (await client.sIsMember(keys.swarms, swarmId)) === 1;
    },

    async swarmOfCode(code) {
      const coded = await client.hGet(keys.codes, code);
      if (coded === null || coded === undefined) return undefined;
      const swarm = JSON.parse(coded) as CodedSwarm;
      return (await this.hasSwarm(swarm.swarmId)) ? swarm : undefined;
    },

    async socketOf(swarmId, peerId) {
      return (await client.hGet(keys.sockets(swarmId), peerId)) ?? undefined;
    },

    followedSwarmOf: (socketId) => presences.get(socketId)?.swarmId,
    followedIsLive: false,

    async followedLiveSwarmOf(socketId) {
      const swarmId = presences.get(socketId)?.swarmId;
      if (swarmId === undefined) return undefined;
      // Read rarely: only a socket that follows a swarm asks here (for another, or the same again).
      const { stored } = await load(swarmId);
      if (stored?.owners[socketId] === processId) return swarmId;
      // It ended through another process, which could not tell this one's presences; maybe registered again since,
      // under the same id, without this socket (a screen whose swarm a member restored was refused its own swarm,
      // `already-in-swarm`, until this process happened to write to it; found by review).
      if (presences.get(socketId)?.swarmId === swarmId) presences.delete(socketId);
      return undefined;
    },

    membershipOf(socketId): Membership | undefined {
      const presence = presences.get(socketId);
      return presence?.peerId == null ? undefined : { swarmId: presence.swarmId, peerId: presence.peerId };
    },

    // Only Redis knows every swarm: the commit script refuses, once the manifest is read.
    refuseCreateEarly: () => undefined,

    stats: () => ({ swarms: knownSwarmCount, joinCodes: 0, peerNames: 0, manifests: manifests.size }),

    async load(swarmId) {
      return (await load(swarmId)).stored;
    },

    async countSwarms() {
      knownSwarmCount = await client.sCard(keys.swarms);
      // The manifests of swarms that ended through another process while this one read none of them since. SMEMBERS,
      // not SMISMEMBER (Redis 6.2: on Debian 11's or Ubuntu 22.04's 6.0 every heartbeat failed, and no process ever
      // took a crashed one over; found by review). A tidy-up: its failure must not fail the heartbeat.
      if (manifests.size > 0) {
        try {
          const alive = new Set(await client.sMembers(keys.swarms));
          for (const swarmId of [...manifests.keys()]) if (!alive.has(swarmId)) manifests.delete(swarmId);
        } catch {
          // Tried again at the next heartbeat.
        }
      }
      return knownSwarmCount;
    },

    async settled() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** `doc` as a stored swarm, or `UnreadableSwarmRecordError` if it is not one as far as every reader of it needs. */
function readableRecord(swarmId: SwarmId, doc: string): StoredSwarm {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch (error) {
    throw new UnreadableSwarmRecordError(swarmId, error instanceof Error ? error.message : String(error));
  }
  const stored = parsed as Partial<StoredSwarm> | null;
  if (typeof stored !== 'object' || stored === null) throw new UnreadableSwarmRecordError(swarmId, 'not an object');
  if (typeof stored.owners !== 'object' || stored.owners === null)
    throw new UnreadableSwarmRecordError(swarmId, 'no owners');
  if (typeof stored.record !== 'object' || stored.record === null)
    throw new UnreadableSwarmRecordError(swarmId, 'no record');
  // What the loops over every swarm read of it besides its owners (`redis-swarm-state.ts`'s `awaited`).
  const record = stored.record as Partial<StoredSwarm['record']>;
  if (!Array.isArray(record.members)) throw new UnreadableSwarmRecordError(swarmId, 'no members');
  if (typeof record.runs !== 'object' || record.runs === null) throw new UnreadableSwarmRecordError(swarmId, 'no runs');
  return stored as StoredSwarm;
}
