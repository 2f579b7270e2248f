import {
  DEFAULT_RUN_CONFIG,
  type Manifest,
  type PeerFlag,
  type PeerId,
  type PeerOverride,
  type PeerReport,
  type PeerRole,
  type ProgressReport,
  type ResumedRun,
  type RunConfig,
  type RunStarted,
  type SwarmId,
  type SwarmProgress,
  type SwarmSeal,
  type SwarmResumeRequest,
  SHORT_PEER_ID_CHARS,
} from '@swarmlab/protocol';
import type { ClockMs } from './clock-ms';
import { sameControlDigest, type ControlDigest } from './control-secret';
import { controlDigestOfSeal, sealMakes } from './swarm-seal';
import type { Refusal } from './refusals';
import { implausibilityOf } from './report-bounds';
import { misfitOfReport } from './report-check';
import { CORROBORATION_WAIT_MS } from './witness-ledger';
import {
  createSwarmRuns,
  MAX_RUN_NUMBER_CLAIMED_BY_MEMBER,
  WITHHOLDING_WAIT_MS,
  type SwarmRuns,
  type SwarmRunsState,
} from './swarm-runs';
import type { AddressKey } from './address-quotas';
import { ControlLinks, type ControlLinksState } from './control-links';
import { DepartedMembers, type DepartedMember } from './departed-members';
import type { SwarmRecord } from './swarm-record';

/** socket.io's id for one connection; the registry only stores it, so it stays transport-free. */
export type SocketId = string;

export interface Member {
  readonly peerId: PeerId;
  readonly socketId: SocketId;
  /** The hash of the member key it was handed, to resume its place on another socket. */
  readonly keyDigest: ControlDigest;
  /**
   * The hash of the entry key of a join that took a former place back (its member key is the place's): the same
   * join asked again, its answer lost, finds the place by it (`rejoin`).
   */
  readonly entryKeyDigest?: ControlDigest | undefined;
  /** Its network address (`AddressKey`), if known: what its departure is kept against (`departed-members.ts`). */
  readonly address?: AddressKey | undefined;
}

export interface Swarm {
  readonly swarmId: SwarmId;
  readonly contentId: string;
  readonly manifest: Manifest;
  /** What binds its id to its file and control secret; told to every member. */
  readonly seal: SwarmSeal;
}

export interface Membership {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
}

export type CreateOutcome =
  { readonly ok: true; readonly swarm: Swarm } | Refusal<'too-many-swarms' | 'already-in-swarm'>;

export type JoinOutcome =
  | {
      readonly ok: true;
      readonly swarm: Swarm;
      readonly existingPeers: readonly PeerId[];
      /** The run going on, which the newcomer now takes part in; null when none is. */
      readonly run: RunStarted | null;
      /** It presented the swarm's control secret. */
      readonly inControl: boolean;
      /** Registered again after a restart, no run started since (`SwarmJoined.registeredAgain`). */
      readonly registeredAgain: boolean;
    }
  | Refusal<'swarm-not-found' | 'swarm-full' | 'already-in-swarm'>;

export type WatchOutcome =
  | {
      readonly ok: true;
      readonly swarm: Swarm;
      readonly progress: SwarmProgress;
      readonly inControl: boolean;
      /** Registered again after a restart, no run started since (`SwarmWatched.registeredAgain`). */
      readonly registeredAgain: boolean;
    }
  | Refusal<'swarm-not-found' | 'already-in-swarm' | 'too-many-watchers' | 'too-many-watchers-from-address'>;

/**
 * A member took its place back. `rebound`: it was still a member (its old socket dropped, or not noticed
 * yet: `replacedSocketId`), so nobody needs telling; otherwise it came back to a swarm that had lost it
 * (a restart, or a grace period that ran out) and is new to the others' tables.
 */
export interface RejoinInput {
  readonly socketId: SocketId;
  /** The hash of the join's entry key. */
  readonly keyDigest: ControlDigest;
  /** The hash of the member key of the former place the join presented, if any. */
  readonly formerKeyDigest?: ControlDigest | undefined;
  readonly address: AddressKey;
  readonly control?: ControlDigest | undefined;
}

export interface RejoinOutcome {
  readonly swarm: Swarm;
  readonly peerId: PeerId;
  readonly existingPeers: readonly PeerId[];
  readonly run: RunStarted | null;
  readonly inControl: boolean;
  readonly registeredAgain: boolean;
  /** The socket the member was on, if the server had not seen it drop (to disconnect): null otherwise. */
  readonly replacedSocketId: SocketId | null;
  /** Its place is the former place the join presented (its first ask took it back): its key is that place's. */
  readonly formerPlace: boolean;
}

export type ResumeOutcome =
  | {
      readonly ok: true;
      readonly swarm: Swarm;
      readonly peers: readonly PeerId[];
      readonly run: RunStarted | null;
      readonly inControl: boolean;
      readonly rebound: boolean;
      readonly replacedSocketId: SocketId | null;
      /** The swarm was registered again by this very request. */
      readonly restoredSwarm: boolean;
      /** This request restored the run going on: the wait for its participants starts afresh. */
      readonly restoredRun: boolean;
      /**
       * The other members' sockets, when this request restored the run going on after they came back (`run`, to
       * send them as `run:started`); empty otherwise.
       */
      readonly runEnteredBy: readonly SocketId[];
    }
  | Refusal<
      'swarm-not-found' | 'seal-mismatch' | 'peer-id-taken' | 'already-in-swarm' | 'swarm-full' | 'seeder-present'
    >;

/** What a member proves when it resumes its place: the swarm's seal, its key and, if it holds it, control. */
export interface ResumeInput {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  readonly socketId: SocketId;
  readonly keyDigest: ControlDigest;
  readonly seal: SwarmSeal;
  readonly role: PeerRole;
  readonly control?: ControlDigest | undefined;
  readonly run: ResumedRun | null;
  /** What the member remembers between runs (see `swarmResumeRequestSchema`). */
  readonly latestRunNumber?: number | undefined;
  readonly override?: PeerOverride | undefined;
  readonly config?: RunConfig | undefined;
  readonly controlLinks?: SwarmResumeRequest['controlLinks'];
  /** The resuming socket's network address. */
  readonly address?: AddressKey | undefined;
}

/** A resume that also carries the swarm's file, to register the swarm again if the server forgot it. */
export interface RestoreInput extends ResumeInput {
  readonly contentId: string;
  readonly manifest: Manifest;
}

/** A member whose socket dropped: it keeps its place for the grace period. */
export interface Suspension {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
}

export interface LeaveOutcome {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  /** Members still in the swarm, to tell about the departure; empty when the swarm was deleted. */
  readonly remainingSocketIds: readonly SocketId[];
  readonly swarmDeleted: boolean;
  /** The swarm's watchers when it was deleted (they watch nothing any more); empty otherwise. */
  readonly orphanedWatcherSocketIds: readonly SocketId[];
}

/**
 * A report that does not fit the swarm's file (`invalid-payload`) or is physically impossible
 * (`implausible-report`) is not stored: its sender is flagged instead (so the table changed, in
 * `swarmId`), and `message` says why.
 */
export type ReportOutcome =
  | { readonly ok: true; readonly swarmId: SwarmId }
  | Refusal<'not-in-swarm'>
  | (Refusal<'invalid-payload' | 'implausible-report'> & { readonly message: string; readonly swarmId: SwarmId });

/** Run control comes from a member or a watcher of the swarm that presented its control secret. */
export type StartRunOutcome =
  | {
      readonly ok: true;
      readonly swarmId: SwarmId;
      readonly started: RunStarted;
      readonly memberSocketIds: readonly SocketId[];
    }
  | Refusal<'not-in-swarm' | 'not-in-control' | 'run-in-progress' | 'no-seeder' | 'no-leecher' | 'no-run-number-left'>;

export type StopRunOutcome =
  | {
      readonly ok: true;
      readonly swarmId: SwarmId;
      readonly runNumber: number;
      readonly memberSocketIds: readonly SocketId[];
    }
  | Refusal<'not-in-swarm' | 'not-in-control' | 'no-run'>;

/** A member may set its own links; anyone else's take control. */
export type ConfigureOutcome =
  | { readonly ok: true; readonly swarmId: SwarmId }
  | Refusal<'not-in-swarm' | 'not-in-control' | 'peer-not-found' | 'links-set-by-control'>;

export interface SwarmRegistryLimits {
  readonly maxSwarms: number;
  readonly maxPeersPerSwarm: number;
  readonly maxWatchersPerSwarm: number;
  /** Watchers of one swarm from one address without the control secret. */
  readonly maxWatchersPerAddressInSwarm: number;
  /** How long a suspended member keeps its place: the longest a completion waits for it as a witness. */
  readonly memberGraceMs: number;
}

export interface SwarmRegistryDeps {
  readonly limits: SwarmRegistryLimits;
  /** Monotonic clock of every progress and run time; `performance.now()` by default. */
  readonly nowMs?: ClockMs | undefined;
  /** Wall clock of a run's `startedAtEpochMs`; `Date.now()` by default. */
  readonly epochNowMs?: ClockMs | undefined;
}

export interface CreateSwarmInput {
  readonly swarmId: SwarmId;
  readonly contentId: string;
  readonly manifest: Manifest;
  readonly founder: Member;
  /** The first run's configuration; `DEFAULT_RUN_CONFIG` when absent. */
  readonly config?: RunConfig | undefined;
  /**
   * What makes `swarmId` from the file, with the hash of the swarm's control secret (the founder holds the
   * secret, so it is in control).
   */
  readonly seal: SwarmSeal;
}

/**
 * Swarms (rooms), their members and watchers: which socket is which peer in which swarm, each member's
 * latest report and override, and each swarm's runs (`swarm-runs.ts`). Pure bookkeeping with no I/O
 * (time comes from injected clocks), so the server's rules (caps, one swarm per socket, deletion of
 * empty swarms, run semantics) are tested without sockets.
 *
 * A socket is either one swarm's member or one swarm's watcher, never both. The founder is the seeder
 * and every joiner a leecher, whatever their reports say. Watchers follow a swarm (its progress, run
 * control) without keeping it alive: it is deleted with its last member.
 *
 * Control (starting and stopping runs, setting another member's links) belongs to the sockets that
 * presented the swarm's control secret: the founder, and any member or watcher whose join or watch
 * carried it. The registry keeps only the secret's hash.
 */
export interface SwarmRegistry {
  readonly swarmCount: number;
  hasSwarm(swarmId: SwarmId): boolean;
  create(input: CreateSwarmInput): CreateOutcome;
  /**
   * `control`: the hash of the control secret the request carried, if any. `takingBack`: `member` is the
   * place a reloaded tab had, which `mayTakeBack` allowed. `former`: the place a reloaded tab had and its key's
   * hash, where it is given a new one (between runs): the links the controller set for that place, if its key is
   * the departed place's, are the new one's.
   */
  join(
    swarmId: SwarmId,
    member: Member,
    control?: ControlDigest,
    takingBack?: boolean,
    former?: { readonly peerId: PeerId; readonly keyDigest: ControlDigest },
  ): JoinOutcome;
  /**
   * Whether a tab joining again may have its former place `peerId` back (key hash `keyDigest`): no member of
   * the swarm holds it, and the run going on holds it under that key (it left the run, or abandoned it, when
   * its page reloaded). Nothing to take back outside a run.
   */
  mayTakeBack(swarmId: SwarmId, peerId: PeerId, keyDigest: ControlDigest): boolean;
  /**
   * `socketId` of network address `address` watches the swarm: at most `maxWatchersPerSwarm` watchers, of them
   * `maxWatchersPerAddressInSwarm` from one address, unless it presents the control secret.
   */
  watch(swarmId: SwarmId, socketId: SocketId, address: AddressKey, control?: ControlDigest): WatchOutcome;
  /** Removes the socket from its swarm, deleting the swarm when it empties; undefined if it was in none. */
  leave(socketId: SocketId): LeaveOutcome | undefined;
  /**
   * The member's socket dropped: it keeps its place (in the swarm and its run) with no socket until it
   * resumes or `expire` gives up on it. Undefined for a socket that is no member.
   */
  suspend(socketId: SocketId): Suspension | undefined;
  /** Gives up on a suspended member, as if it left; undefined if it resumed meanwhile (or is gone). */
  expire(swarmId: SwarmId, peerId: PeerId): LeaveOutcome | undefined;
  /**
   * A page presenting the key of a member that is away (its socket dropped, within its grace) is that member's tab
   * reloaded: a new engine, which takes the place back as a reload's. Gives the away member up now, as its grace
   * would, unless it is the swarm's last (the join gives that one up once it made its own place); undefined if no
   * away member holds that id and key.
   */
  giveUpAway(swarmId: SwarmId, peerId: PeerId, keyDigest: Buffer): LeaveOutcome | undefined;
  /**
   * The address of the away member `peerId` with that key, the swarm's last too (a join gives that one up once it
   * holds the swarm itself); undefined if none.
   */
  awayAddressOf(swarmId: SwarmId, peerId: PeerId, keyDigest: Buffer): AddressKey | undefined;
  /** A member takes its place back on `input.socketId` (see `ResumeOutcome`). */
  resume(input: ResumeInput): ResumeOutcome;
  /**
   * A join asked again under the member key it chose (`SwarmJoinRequest.entryKey`), its first answer lost: the
   * member holding that key, if any, moves to `input.socketId` (its place, not a second one); undefined if no
   * member holds it (the first ask never arrived).
   */
  rejoin(swarmId: SwarmId, input: RejoinInput): RejoinOutcome | undefined;
  /** `resume`, registering the swarm again first if the server does not know it (after a restart). */
  restore(input: RestoreInput): ResumeOutcome;
  /**
   * Whether the swarm's run awaits participants that have not registered again since a restart, or, restored from
   * members' accounts alone, the controller's account (`SwarmRuns.awaitsControlAccount`): the grace timer runs.
   */
  awaitsParticipants(swarmId: SwarmId): boolean;
  /** Gives up on the participants the swarm's run still awaits (see `SwarmRuns.giveUpAwaiting`). */
  giveUpAwaiting(swarmId: SwarmId): void;
  /** Stops the socket watching; the swarm it watched, or undefined if it watched none. */
  unwatch(socketId: SocketId): SwarmId | undefined;
  /** The socket's membership; undefined for a watcher or a socket in no swarm. */
  membershipOf(socketId: SocketId): Membership | undefined;
  /** The swarm the socket is a member or a watcher of. */
  followedSwarmOf(socketId: SocketId): SwarmId | undefined;
  /** The socket of `peerId` in `swarmId`, only if that peer is a member of that very swarm. */
  socketOf(swarmId: SwarmId, peerId: PeerId): SocketId | undefined;
  /** The sockets of every member of `swarmId` except `exceptSocketId`. */
  otherSockets(swarmId: SwarmId, exceptSocketId: SocketId): SocketId[];
  /** The sockets of every member of `swarmId`, in joining order. */
  socketsOf(swarmId: SwarmId): SocketId[];
  /** Every member's and every watcher's socket: who sees the swarm's progress. */
  audienceOf(swarmId: SwarmId): SocketId[];
  /** Whether `peerId` is a member of the swarm, connected or away (its socket dropped, within its grace). */
  hasMember(swarmId: SwarmId, peerId: PeerId): boolean;
  /** Whether `peerId` is taken in the swarm: a member, a participant of the run going on, or one that left. */
  hasPeerId(swarmId: SwarmId, peerId: PeerId): boolean;
  /**
   * Stores the socket's latest report, and counts it in the run it names if that run is going on; a
   * report that does not fit the file or is impossible flags its sender instead.
   */
  report(socketId: SocketId, report: ProgressReport): ReportOutcome;
  startRun(socketId: SocketId, config: RunConfig): StartRunOutcome;
  stopRun(socketId: SocketId): StopRunOutcome;
  /** Replaces a member's override wholly, for the runs that start from now on. */
  configure(socketId: SocketId, peerId: PeerId, override: PeerOverride): ConfigureOutcome;
  /** The swarm's progress table as of now, as broadcast; undefined for no such swarm. */
  progressOf(swarmId: SwarmId): SwarmProgress | undefined;
  /** The swarm as plain data, without its manifest (`swarm-record.ts`); undefined for no such swarm. */
  exportSwarm(swarmId: SwarmId): SwarmRecord | undefined;
  /** Takes in a swarm exported earlier (by this process or another), with its manifest. */
  importSwarm(record: SwarmRecord, manifest: Manifest): void;
}

/** Departed members whose ids (and settings from the controller) stay theirs, per member a swarm may have. */
const DEPARTED_MEMBERS_PER_SEAT = 4;

/**
 * Whether `override`, set by a socket `inControl` or not, is the controller's: an empty one (the controller's
 * `{}`) gives the member its links back to set itself.
 */
function byControl(override: PeerOverride, inControl: boolean): boolean {
  return inControl && Object.keys(override).length > 0;
}

/** Whether two overrides set the same links. */
function sameOverride(a: PeerOverride, b: PeerOverride): boolean {
  return (
    a.uploadBytesPerSec === b.uploadBytesPerSec &&
    a.downloadBytesPerSec === b.downloadBytesPerSec &&
    a.leaveOnComplete === b.leaveOnComplete
  );
}

/** Why a member whose completion no witness confirmed in time is flagged. */
const UNCONFIRMED_COMPLETION = `complete: not confirmed within ${CORROBORATION_WAIT_MS / 1000} s by the peers that could have sent it the file`;

/** A report as every screen sees it: the per-neighbour figures are the server's alone (N rows of N entries). */
function withoutSentTo({ sentTo: _, ...report }: ProgressReport): PeerReport {
  return report;
}

/** Why a leecher that never reported completing, though the others sent it the whole file, is flagged. */
const WITHHELD_COMPLETION = `withholding: the others sent it the whole file over ${WITHHOLDING_WAIT_MS / 1000} s ago, and it has neither gained a chunk (nor received a chunk’s worth) for ${WITHHOLDING_WAIT_MS / 1000} s nor reported completing`;

/** Thrown when a caller breaks an invariant it must ensure itself (fresh random ids are unique). */
export class DuplicateIdError extends Error {
  override readonly name = 'DuplicateIdError';
}

interface MemberState {
  readonly peerId: PeerId;
  /** Null while its socket is gone and it may still resume (`suspend`). */
  socketId: SocketId | null;
  /** The network address of its latest socket ('' if not known). */
  address: AddressKey;
  readonly keyDigest: ControlDigest;
  /** See `Member.entryKeyDigest`. */
  readonly entryKeyDigest?: ControlDigest;
  readonly role: PeerRole;
  readonly joinedAtMs: number;
  report: ProgressReport | null;
  override: PeerOverride;
  /** Whether its override was set with the control secret (else it may only tighten a run's caps). */
  overrideByControl: boolean;
  flagged: PeerFlag | null;
}

interface MutableSwarm extends Swarm {
  readonly createdAtMs: number;
  /** In joining order, so the peer list a newcomer receives starts with the oldest peers (the seed). */
  readonly members: Map<PeerId, MemberState>;
  /** Each watcher's network address. */
  readonly watchers: Map<SocketId, AddressKey>;
  readonly runs: SwarmRuns;
  readonly controlDigest: ControlDigest;
  /** Who may take back the ids of members that left, and the settings the controller gave them. */
  readonly departed: DepartedMembers;
  /** The links the controller's tab said it had set, after a restart, for members not back yet. */
  readonly controlLinks: ControlLinks;
}

/** Where a socket is: a member of a swarm (with its peer id) or a watcher of one (`peerId` null). */
interface Presence {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId | null;
  /** It presented the swarm's control secret. */
  readonly inControl: boolean;
}

export function createSwarmRegistry(deps: SwarmRegistryDeps): SwarmRegistry {
  const { limits } = deps;
  const nowMs = deps.nowMs ?? (() => performance.now());
  const epochNowMs = deps.epochNowMs ?? (() => Date.now());
  const swarms = new Map<SwarmId, MutableSwarm>();
  const presences = new Map<SocketId, Presence>();

  const newMember = (
    { peerId, socketId, keyDigest, entryKeyDigest, address }: Member,
    role: PeerRole,
  ): MemberState => ({
    peerId,
    socketId,
    address: address ?? '',
    keyDigest,
    ...(entryKeyDigest && { entryKeyDigest }),
    role,
    joinedAtMs: nowMs(),
    report: null,
    override: {},
    overrideByControl: false,
    flagged: null,
  });

  /**
   * The members in joining order, but the seeder first: a newcomer always connects to the first it is told of
   * (`SwarmConnector.connectTo`), and after a restart or a re-seed the seeder may have come back after others.
   */
  const membersSeederFirst = (swarm: MutableSwarm): PeerId[] => {
    const members = [...swarm.members.values()];
    return [...members.filter((m) => m.role === 'seeder'), ...members.filter((m) => m.role !== 'seeder')].map(
      (member) => member.peerId,
    );
  };

  const swarmFollowedBy = (socketId: SocketId): MutableSwarm | undefined => {
    const presence = presences.get(socketId);
    return presence && swarms.get(presence.swarmId);
  };

  const memberSocketsOf = (swarm: MutableSwarm): SocketId[] =>
    [...swarm.members.values()].flatMap((member) => (member.socketId === null ? [] : [member.socketId]));

  /** The swarm the socket follows, if it is in control of it. */
  const controlledBy = (socketId: SocketId): Refusal<'not-in-swarm' | 'not-in-control'> | MutableSwarm => {
    const presence = presences.get(socketId);
    const swarm = presence && swarms.get(presence.swarmId);
    if (!presence || !swarm) return { ok: false, code: 'not-in-swarm' };
    return presence.inControl ? swarm : { ok: false, code: 'not-in-control' };
  };

  /**
   * Why `report` is physically impossible for its sender, in the run it names if that one is going on, as of now or
   * of `atMs` (when it was taken).
   */
  const implausibilityIn = (
    swarm: MutableSwarm,
    member: MemberState,
    report: ProgressReport,
    atMs?: number,
  ): string | undefined => {
    const context = swarm.runs.contextOf(member.peerId, report.runNumber, atMs);
    return implausibilityOf(report, {
      manifest: swarm.manifest,
      role: member.role,
      peerCount: Math.max(swarm.runs.mostParticipants, swarm.members.size),
      ...(context && {
        witnessedBytes: context.witnessedBytes,
        run: {
          elapsedMs: context.elapsedMs,
          uploadBytesPerSec: context.settings.uploadBytesPerSec,
          downloadBytesPerSec: context.settings.downloadBytesPerSec,
          senderUploadBytesPerSec: context.senderUploadBytesPerSec,
          departedSenderSpans: context.departedSenderSpans,
        },
      }),
    });
  };

  /**
   * Flags every member whose latest report of the run going on is impossible by the run's settings now, each judged
   * as of when it was taken; all judged before any is flagged (a flag may finish the run, and the others would go
   * unjudged).
   */
  const judgeReportsAgain = (swarm: MutableSwarm): void => {
    const refused = [...swarm.members.values()].flatMap((member) => {
      const report = member.report;
      if (!report || member.flagged !== null) return [];
      const reason = implausibilityIn(swarm, member, report, swarm.runs.reportedAtMs(member.peerId));
      return reason === undefined ? [] : [{ member, reason }];
    });
    for (const { member, reason } of refused) {
      member.flagged = { reason, refusedReports: 1 };
      swarm.runs.flag(member.peerId, member.flagged);
    }
  };

  const progressOf = (swarm: MutableSwarm): SwarmProgress => ({
    swarmId: swarm.swarmId,
    peers: [...swarm.members.values()].map((member) => ({
      peerId: member.peerId,
      role: member.role,
      report: member.report && withoutSentTo(member.report),
      joinedAfterMs: Math.max(0, member.joinedAtMs - swarm.createdAtMs),
      override: member.override,
      overrideByControl: member.overrideByControl,
      flagged: member.flagged,
      away: member.socketId === null,
    })),
    ...swarm.runs.snapshot(),
  });

  const newSwarm = (
    swarmId: SwarmId,
    contentId: string,
    manifest: Manifest,
    seal: SwarmSeal,
    config: RunConfig,
    runsState?: SwarmRunsState,
    departed: readonly (readonly [PeerId, DepartedMember])[] = [],
    controlLinks?: ControlLinksState,
  ): MutableSwarm => ({
    swarmId,
    contentId,
    manifest,
    seal,
    createdAtMs: nowMs(),
    members: new Map(),
    watchers: new Map(),
    runs: createSwarmRuns({
      config,
      nowMs,
      epochNowMs,
      maxDepartedParticipants: limits.maxPeersPerSwarm,
      fileBytes: manifest.sizeBytes,
      chunkBytes: manifest.chunkBytes,
      memberGraceMs: limits.memberGraceMs,
      state: runsState,
    }),
    controlDigest: controlDigestOfSeal(seal),
    departed: new DepartedMembers(limits.maxPeersPerSwarm * DEPARTED_MEMBERS_PER_SEAT, departed),
    controlLinks: new ControlLinks(limits.maxPeersPerSwarm * DEPARTED_MEMBERS_PER_SEAT, controlLinks),
  });

  /** Takes `member` out of `swarm` (and its run), deleting the swarm when it empties. */
  const remove = (swarm: MutableSwarm, member: MemberState): LeaveOutcome => {
    const { swarmId } = swarm;
    const { peerId } = member;
    if (member.socketId !== null) presences.delete(member.socketId);
    swarm.members.delete(peerId);
    swarm.departed.remember(peerId, {
      keyDigest: member.keyDigest.toString('base64url'),
      ...(member.overrideByControl && { controlOverride: member.override }),
      address: member.address,
      ...(member.role === 'seeder' && { pinned: true }),
    });
    swarm.runs.leave(peerId);
    const remainingSocketIds = memberSocketsOf(swarm);
    if (swarm.members.size > 0) {
      return { swarmId, peerId, remainingSocketIds, swarmDeleted: false, orphanedWatcherSocketIds: [] };
    }
    swarms.delete(swarmId);
    const orphanedWatcherSocketIds = [...swarm.watchers.keys()];
    for (const watcher of orphanedWatcherSocketIds) presences.delete(watcher);
    return { swarmId, peerId, remainingSocketIds, swarmDeleted: true, orphanedWatcherSocketIds };
  };

  /**
   * The member `peerId` if it is away and holds that key; unless `evenLast`, not the swarm's last (`giveUpAway`).
   */
  const awayWithKey = (
    swarm: MutableSwarm | undefined,
    peerId: PeerId,
    keyDigest: ControlDigest,
    evenLast = false,
  ): MemberState | undefined => {
    const member = swarm?.members.get(peerId);
    if (!swarm || !member || member.socketId !== null || (!evenLast && swarm.members.size < 2)) return undefined;
    return sameControlDigest(member.keyDigest, keyDigest) ? member : undefined;
  };

  /**
   * `known` is on `socketId` now (it resumed, or asked again to join): nothing else changes, but for a completion its
   * account of the run going on (`described`, a resume's) says its lost reports would have told (`completedUnheard`).
   */
  const rebind = (
    swarm: MutableSwarm,
    known: MemberState,
    socketId: SocketId,
    address: AddressKey | undefined,
    inControl: boolean,
    described: ResumedRun | null = null,
  ): { replacedSocketId: SocketId | null; run: RunStarted | null } => {
    const replacedSocketId = known.socketId;
    if (replacedSocketId !== null) presences.delete(replacedSocketId);
    known.socketId = socketId;
    if (address !== undefined) known.address = address;
    presences.set(socketId, { swarmId: swarm.swarmId, peerId: known.peerId, inControl });
    swarm.runs.back(known.peerId);
    // Before the run is told: the completion may finish it.
    if (described) swarm.runs.completedUnheard(known.peerId, described);
    return { replacedSocketId: replacedSocketId === socketId ? null : replacedSocketId, run: swarm.runs.running() };
  };

  /**
   * Whether `peerId`, an id the swarm has no record of, would show as another's: its short id (the first
   * `SHORT_PEER_ID_CHARS` characters, beside a name on every screen) is a member's or a departed member's, or it
   * names a property every object has (the web's per-peer records read `Object.prototype` for `__proto__`).
   */
  const lookalikeOf = (swarm: MutableSwarm, peerId: PeerId): boolean => {
    if (peerId in Object.prototype) return true;
    const short = peerId.slice(0, SHORT_PEER_ID_CHARS);
    const shortOf = (other: PeerId): string => other.slice(0, SHORT_PEER_ID_CHARS);
    for (const other of swarm.members.keys()) if (shortOf(other) === short) return true;
    for (const [other] of swarm.departed.entries()) if (shortOf(other) === short) return true;
    return false;
  };

  const resumeInto = (swarm: MutableSwarm, input: ResumeInput, restoredSwarm: boolean): ResumeOutcome => {
    if (!sealMakes(swarm.swarmId, input.seal, swarm.contentId)) return { ok: false, code: 'seal-mismatch' };
    const inControl = sameControlDigest(swarm.controlDigest, input.control);
    const peersBut = (peerId: PeerId): PeerId[] => membersSeederFirst(swarm).filter((other) => other !== peerId);
    const known = swarm.members.get(input.peerId);
    if (known) {
      if (!sameControlDigest(known.keyDigest, input.keyDigest)) return { ok: false, code: 'peer-id-taken' };
      // A tab back in a swarm that kept its place may have seen runs the swarm lost (Redis back from an older
      // snapshot): the next run is numbered after what the control secret's holder saw (`runAtLeast`), or every tab
      // ignored it as one it had seen (found by review). A run the snapshot caught running that the controller saw
      // followed by a later one ends with it: kept, nobody was in it, and it blocked Start (found by review).
      if (input.latestRunNumber !== undefined) swarm.runs.runAtLeast(input.latestRunNumber, inControl);
      // Its account of the run is the server's to judge, but for a completion its lost reports would have told: timed
      // as the resume came, a completion during a Wi-Fi roam added the roam to the run's time (found by review).
      const { replacedSocketId, run } = rebind(swarm, known, input.socketId, input.address, inControl, input.run);
      return {
        ok: true,
        swarm,
        peers: peersBut(known.peerId),
        run,
        inControl,
        rebound: true,
        replacedSocketId,
        restoredSwarm,
        restoredRun: false,
        runEnteredBy: [],
      };
    }
    // The id of a member that left is its own only by its key, like its place in the run going on, if it had
    // one (or awaited after a restart).
    if (!swarm.departed.allows(input.peerId, input.keyDigest)) return { ok: false, code: 'peer-id-taken' };
    const place = swarm.runs.placeFor(input.peerId, input.keyDigest);
    if (place === 'taken') return { ok: false, code: 'peer-id-taken' };
    // An id the swarm has no record of (the swarm forgotten and registered again, a place given up long ago, the
    // seeder's tab seeding again) is taken, unless it would show as another's: the short id every screen shows
    // beside a name (its first characters) must tell members apart. A member resumed under one beginning with a
    // classmate's, with the classmate's name, and two rows looked the same on every screen (found by review; a
    // first version refused every unknown id once a run started, and members back after an outage were refused).
    // A place a restored run awaits is not held to that rule (a restorer listing a student's look-alike would shut the
    // student out of its own place, whichever came back first), but no id every object has is a place: `__proto__`
    // got in through one (found by review).
    if (!swarm.members.has(input.peerId) && !swarm.departed.has(input.peerId)) {
      const refused = place === 'free' ? lookalikeOf(swarm, input.peerId) : input.peerId in Object.prototype;
      if (refused) return { ok: false, code: 'peer-id-taken' };
    }
    if (swarm.members.size >= limits.maxPeersPerSwarm) return { ok: false, code: 'swarm-full' };
    // Only the holder of the control secret comes back as the seeder: the founder. A swarm has one seeder: not a
    // second beside one present or away (the seeder's role is refused, not turned into a leecher's: that tab's
    // engine seeds, and its first report would be refused as a leecher's).
    const role: PeerRole = input.role === 'seeder' && inControl ? 'seeder' : 'leecher';
    if (role === 'seeder' && [...swarm.members.values()].some((other) => other.role === 'seeder'))
      return { ok: false, code: 'seeder-present' };
    const member = newMember(
      { peerId: input.peerId, socketId: input.socketId, keyDigest: input.keyDigest, address: input.address },
      role,
    );
    // Its own settings, which it may set itself anyway (`peer:configure`), or the controller set for it: before
    // it left (or before a restart, as the controller's tab said), whatever it restates without control (it may
    // not change those: `links-set-by-control`), or now.
    const controlOverride = swarm.departed.controlOverrideOf(member.peerId) ?? swarm.controlLinks.claim(member.peerId);
    const restated = input.override;
    if (controlOverride && (!inControl || restated === undefined || sameOverride(restated, controlOverride))) {
      member.override = controlOverride;
      member.overrideByControl = true;
    } else if (input.override) {
      member.override = input.override;
      member.overrideByControl = byControl(input.override, inControl);
    }
    swarm.members.set(member.peerId, member);
    swarm.departed.forget(member.peerId);
    if (input.latestRunNumber !== undefined) swarm.runs.runAtLeast(input.latestRunNumber, inControl);
    if (inControl && input.config) swarm.runs.adoptConfig(input.config);
    // Until this account, members' reports in a run restored from their accounts were judged by what each claimed
    // (its engine runs with it): judged again now, each as of when it was taken. Two sock puppets claiming no caps,
    // each vouching for the other, completed a capped run in 2 s and stayed confirmed (found by review).
    if (inControl && input.run && swarm.runs.adoptRunConfig(input.run)) judgeReportsAgain(swarm);
    // The links a screen in control set for members, for the runs to come: like the swarm's settings for the next
    // run, from a member in control while no run started since the swarm was registered again.
    if (inControl && input.controlLinks && swarm.runs.registeredAgainSinceRun)
      swarm.controlLinks.takeAccount(input.controlLinks, (peerId) => swarm.members.get(peerId));
    presences.set(input.socketId, { swarmId: swarm.swarmId, peerId: member.peerId, inControl });
    // What it says of its run is believed where nobody else's account exists: it registered the swarm again
    // (the server had forgotten the run), or the run going on holds its place. A swarm the server never forgot
    // keeps its own runs: a newcomer cannot start, replace or finish one by describing it.
    // A run numbered past what a member not in control is believed would leave the swarm no number for the
    // next: such a description is not believed, and the swarm is registered without a run going on.
    const believable = input.run && (inControl || input.run.runNumber <= MAX_RUN_NUMBER_CLAIMED_BY_MEMBER);
    // Not only the request that registered it again: one whose tab knew no run at that moment (a reloaded tab still
    // checking its chunks) registered the swarm with none, and every later account of the run going on was ignored,
    // its measurement lost on every screen (found by review). Once a run goes on, the first account stands.
    // Noted first: a controller's account that a run restored from members' accounts is over ends it before this
    // member's answer is made.
    swarm.runs.noteAccount(member.peerId, inControl, input.run?.runNumber ?? null, input.latestRunNumber);
    const later =
      !restoredSwarm &&
      input.run !== null &&
      swarm.runs.registeredAgainSinceRun &&
      swarm.runs.running() === null &&
      swarm.runs.mayRestoreLater(member.peerId, input.run.runNumber, inControl);
    const restoring = (restoredSwarm || later) && input.run !== null && believable === true;
    let run = restoring
      ? swarm.runs.restore(member, input.run!, inControl)
      : swarm.runs.resume(member, place === 'theirs' ? input.run : null, inControl, input.run);
    // The members back before it, knowing no run then, take part in it (each told `run:started`, as at a start).
    const runEnteredBy: SocketId[] = [];
    if (restoring && later && run) {
      for (const other of swarm.members.values()) {
        if (other.peerId === member.peerId) continue;
        swarm.runs.enter(other);
        // One whose socket is down meanwhile is away in it, as in a run started while it is.
        if (other.socketId === null) swarm.runs.away(other.peerId);
        else runEnteredBy.push(other.socketId);
      }
      run = swarm.runs.running();
    }
    return {
      ok: true,
      swarm,
      peers: peersBut(member.peerId),
      run,
      inControl,
      rebound: false,
      replacedSocketId: null,
      restoredSwarm,
      restoredRun: restoring && run !== null,
      runEnteredBy,
    };
  };

  return {
    get swarmCount() {
      return swarms.size;
    },

    hasSwarm(swarmId) {
      return swarms.has(swarmId);
    },

    create({ swarmId, contentId, manifest, founder, config, seal }) {
      if (presences.has(founder.socketId)) return { ok: false, code: 'already-in-swarm' };
      if (swarms.size >= limits.maxSwarms) return { ok: false, code: 'too-many-swarms' };
      if (swarms.has(swarmId)) throw new DuplicateIdError(`swarm ${swarmId} already exists`);
      const swarm = newSwarm(swarmId, contentId, manifest, seal, config ?? DEFAULT_RUN_CONFIG);
      swarm.members.set(founder.peerId, newMember(founder, 'seeder'));
      swarms.set(swarmId, swarm);
      presences.set(founder.socketId, { swarmId, peerId: founder.peerId, inControl: true });
      return { ok: true, swarm };
    },

    join(swarmId, member, control, takingBack = false, former) {
      if (presences.has(member.socketId)) return { ok: false, code: 'already-in-swarm' };
      const swarm = swarms.get(swarmId);
      if (!swarm) return { ok: false, code: 'swarm-not-found' };
      if (swarm.members.size >= limits.maxPeersPerSwarm) return { ok: false, code: 'swarm-full' };
      if (swarm.members.has(member.peerId) || (!takingBack && swarm.runs.isParticipant(member.peerId))) {
        throw new DuplicateIdError(`peer ${member.peerId} is already in swarm ${swarmId}`);
      }
      const existingPeers = membersSeederFirst(swarm);
      const state = newMember(member, 'leecher');
      // A reloaded tab taking its place back gets the links the controller gave it, as a resume does; so does one
      // given a new place between runs, under its former place's key (they vanished without a word; found by review):
      // from the departed place, or from the away place still there (the swarm's last member, given up only once
      // this join holds the swarm). Handed on once: a second place under the same key gets none.
      const awayFormer = former === undefined ? undefined : awayWithKey(swarm, former.peerId, former.keyDigest, true);
      const controlOverride = takingBack
        ? (swarm.departed.controlOverrideOf(member.peerId) ?? swarm.controlLinks.claim(member.peerId))
        : former === undefined
          ? undefined
          : awayFormer !== undefined
            ? awayFormer.overrideByControl
              ? awayFormer.override
              : undefined
            : swarm.departed.has(former.peerId) && swarm.departed.allows(former.peerId, former.keyDigest)
              ? (swarm.departed.claimControlOverride(former.peerId) ?? swarm.controlLinks.claim(former.peerId))
              : undefined;
      // Taken from the away place, given up in this same update: its departed record would hand them on again.
      if (controlOverride && awayFormer !== undefined) awayFormer.overrideByControl = false;
      if (controlOverride) {
        state.override = controlOverride;
        state.overrideByControl = true;
      }
      swarm.members.set(member.peerId, state);
      swarm.departed.forget(member.peerId);
      const inControl = sameControlDigest(swarm.controlDigest, control);
      presences.set(member.socketId, { swarmId, peerId: member.peerId, inControl });
      const run = takingBack ? swarm.runs.takeBack(state) : swarm.runs.join(state);
      return { ok: true, swarm, existingPeers, run, inControl, registeredAgain: swarm.runs.registeredAgainSinceRun };
    },

    mayTakeBack(swarmId, peerId, keyDigest) {
      const swarm = swarms.get(swarmId);
      return (
        !!swarm &&
        !swarm.members.has(peerId) &&
        swarm.departed.allows(peerId, keyDigest) &&
        swarm.runs.mayTakeBack(peerId, keyDigest)
      );
    },

    watch(swarmId, socketId, address, control) {
      if (presences.has(socketId)) return { ok: false, code: 'already-in-swarm' };
      const swarm = swarms.get(swarmId);
      if (!swarm) return { ok: false, code: 'swarm-not-found' };
      const inControl = sameControlDigest(swarm.controlDigest, control);
      // The cap is for screens anyone with the link may open: filling it must not keep out the teacher's
      // (the control link), which the per-address connection limit bounds.
      if (!inControl && swarm.watchers.size >= limits.maxWatchersPerSwarm)
        return { ok: false, code: 'too-many-watchers' };
      // Nor may one address holding the link take every place: the projector opened from the read-only link
      // would be kept out. The control link's screens are not counted (nor kept out).
      const fromAddress = [...swarm.watchers].filter(
        ([other, otherAddress]) => otherAddress === address && !presences.get(other)?.inControl,
      ).length;
      if (!inControl && fromAddress >= limits.maxWatchersPerAddressInSwarm)
        return { ok: false, code: 'too-many-watchers-from-address' };
      swarm.watchers.set(socketId, address);
      presences.set(socketId, { swarmId, peerId: null, inControl });
      const registeredAgain = swarm.runs.registeredAgainSinceRun;
      return { ok: true, swarm, progress: progressOf(swarm), inControl, registeredAgain };
    },

    leave(socketId) {
      const presence = presences.get(socketId);
      if (!presence || presence.peerId === null) return undefined;
      // A presence always names a live swarm and member: a swarm's presences go with it.
      const swarm = swarms.get(presence.swarmId)!;
      return remove(swarm, swarm.members.get(presence.peerId)!);
    },

    suspend(socketId) {
      const presence = presences.get(socketId);
      if (!presence || presence.peerId === null) return undefined;
      presences.delete(socketId);
      const swarm = swarms.get(presence.swarmId)!;
      const member = swarm.members.get(presence.peerId)!;
      member.socketId = null;
      swarm.runs.away(member.peerId);
      return { swarmId: presence.swarmId, peerId: presence.peerId };
    },

    expire(swarmId, peerId) {
      const swarm = swarms.get(swarmId);
      const member = swarm?.members.get(peerId);
      if (!swarm || !member || member.socketId !== null) return undefined;
      return remove(swarm, member);
    },

    giveUpAway(swarmId, peerId, keyDigest) {
      const swarm = swarms.get(swarmId);
      const member = awayWithKey(swarm, peerId, keyDigest);
      return swarm && member ? remove(swarm, member) : undefined;
    },

    awayAddressOf(swarmId, peerId, keyDigest) {
      return awayWithKey(swarms.get(swarmId), peerId, keyDigest, true)?.address;
    },

    rejoin(swarmId, input) {
      const swarm = swarms.get(swarmId);
      if (!swarm) return undefined;
      // Its own key, or the entry key of the join that took its former place back, with that place's key.
      const tookBack = (member: MemberState): boolean =>
        member.entryKeyDigest !== undefined &&
        sameControlDigest(member.entryKeyDigest, input.keyDigest) &&
        sameControlDigest(member.keyDigest, input.formerKeyDigest);
      const known = [...swarm.members.values()].find(
        (member) => sameControlDigest(member.keyDigest, input.keyDigest) || tookBack(member),
      );
      if (!known) return undefined;
      // The socket may follow this very member (the same connection asked twice), never another swarm or place.
      const presence = presences.get(input.socketId);
      if (presence && (presence.swarmId !== swarmId || presence.peerId !== known.peerId)) return undefined;
      const inControl = sameControlDigest(swarm.controlDigest, input.control);
      const { replacedSocketId, run } = rebind(swarm, known, input.socketId, input.address, inControl);
      return {
        swarm,
        peerId: known.peerId,
        existingPeers: membersSeederFirst(swarm).filter((other) => other !== known.peerId),
        run,
        inControl,
        registeredAgain: swarm.runs.registeredAgainSinceRun,
        replacedSocketId,
        formerPlace: !sameControlDigest(known.keyDigest, input.keyDigest),
      };
    },

    resume(input) {
      if (presences.has(input.socketId)) return { ok: false, code: 'already-in-swarm' };
      const swarm = swarms.get(input.swarmId);
      if (!swarm) return { ok: false, code: 'swarm-not-found' };
      return resumeInto(swarm, input, false);
    },

    restore(input) {
      if (presences.has(input.socketId)) return { ok: false, code: 'already-in-swarm' };
      const existing = swarms.get(input.swarmId);
      if (existing) return resumeInto(existing, input, false);
      if (!sealMakes(input.swarmId, input.seal, input.contentId)) return { ok: false, code: 'seal-mismatch' };
      if (swarms.size >= limits.maxSwarms) return { ok: false, code: 'swarm-not-found' };
      const config = input.run?.config ?? DEFAULT_RUN_CONFIG;
      const swarm = newSwarm(input.swarmId, input.contentId, input.manifest, input.seal, config);
      swarm.runs.registeredAgain();
      swarms.set(swarm.swarmId, swarm);
      const outcome = resumeInto(swarm, input, true);
      // A swarm registered by a member it then refused (an id such as `constructor`) has nobody in it, and nothing
      // ever ended it: one socket filled `maxSwarms` with such swarms, uncharged, and no class could create one (found
      // by review). Nothing of it was kept, so no store writes it.
      if (!outcome.ok) swarms.delete(swarm.swarmId);
      return outcome;
    },

    awaitsParticipants(swarmId) {
      const runs = swarms.get(swarmId)?.runs;
      return runs !== undefined && (runs.awaitingCount > 0 || runs.awaitsControlAccount);
    },

    giveUpAwaiting(swarmId) {
      swarms.get(swarmId)?.runs.giveUpAwaiting();
    },

    unwatch(socketId) {
      const presence = presences.get(socketId);
      if (!presence || presence.peerId !== null) return undefined;
      presences.delete(socketId);
      swarms.get(presence.swarmId)?.watchers.delete(socketId);
      return presence.swarmId;
    },

    membershipOf(socketId) {
      const presence = presences.get(socketId);
      return presence?.peerId == null ? undefined : { swarmId: presence.swarmId, peerId: presence.peerId };
    },

    followedSwarmOf(socketId) {
      return presences.get(socketId)?.swarmId;
    },

    socketOf(swarmId, peerId) {
      return swarms.get(swarmId)?.members.get(peerId)?.socketId ?? undefined;
    },

    otherSockets(swarmId, exceptSocketId) {
      const swarm = swarms.get(swarmId);
      return swarm ? memberSocketsOf(swarm).filter((socketId) => socketId !== exceptSocketId) : [];
    },

    socketsOf(swarmId) {
      const swarm = swarms.get(swarmId);
      return swarm ? memberSocketsOf(swarm) : [];
    },

    audienceOf(swarmId) {
      const swarm = swarms.get(swarmId);
      return swarm ? [...memberSocketsOf(swarm), ...swarm.watchers.keys()] : [];
    },

    hasMember(swarmId, peerId) {
      return swarms.get(swarmId)?.members.has(peerId) ?? false;
    },

    hasPeerId(swarmId, peerId) {
      const swarm = swarms.get(swarmId);
      return (
        swarm !== undefined &&
        (swarm.members.has(peerId) || swarm.runs.isParticipant(peerId) || swarm.departed.has(peerId))
      );
    },

    report(socketId, report) {
      const presence = presences.get(socketId);
      const swarm = swarmFollowedBy(socketId);
      const member = presence?.peerId == null ? undefined : swarm?.members.get(presence.peerId);
      if (!swarm || !member) return { ok: false, code: 'not-in-swarm' };
      const misfit = misfitOfReport(report, swarm.manifest);
      const impossible = misfit === undefined ? implausibilityIn(swarm, member, report) : undefined;
      const reason = misfit ?? impossible;
      if (reason !== undefined) {
        member.flagged = { reason, refusedReports: (member.flagged?.refusedReports ?? 0) + 1 };
        swarm.runs.flag(member.peerId, member.flagged);
        const code = misfit === undefined ? 'implausible-report' : 'invalid-payload';
        return { ok: false, code, message: reason, swarmId: swarm.swarmId };
      }
      member.report = report;
      swarm.runs.report(member.peerId, report);
      // Reports come from every member a few times a second: they are the clock of these checks. Their verdicts
      // hold for this run only: they rest on what the others say they sent, and one member under-reporting (or
      // over-reporting) what it sent gets honest leechers unconfirmed (or "withholding"). On the membership, the
      // flag outlived the run, made them no witness in the next, and spread to whoever they served (found by
      // review). A report refused for what it says itself (above) flags the membership.
      const flagInRun = (peerIds: readonly PeerId[], reason: string): void => {
        for (const peerId of peerIds) {
          const member = swarm.members.get(peerId);
          swarm.runs.flag(peerId, { reason, refusedReports: (member?.flagged?.refusedReports ?? 0) + 1 }, true);
        }
      };
      flagInRun(swarm.runs.unconfirmedCompletions(), UNCONFIRMED_COMPLETION);
      flagInRun(swarm.runs.withheldCompletions(), WITHHELD_COMPLETION);
      return { ok: true, swarmId: swarm.swarmId };
    },

    startRun(socketId, config) {
      const swarm = controlledBy(socketId);
      if ('ok' in swarm) return swarm;
      const members = [...swarm.members.values()].map((member) => ({ ...member, away: member.socketId === null }));
      const started = swarm.runs.start(config, members);
      if (!started.ok) return started;
      return { ok: true, swarmId: swarm.swarmId, started: started.started, memberSocketIds: memberSocketsOf(swarm) };
    },

    stopRun(socketId) {
      const swarm = controlledBy(socketId);
      if ('ok' in swarm) return swarm;
      const stopped = swarm.runs.stop();
      if (!stopped.ok) return stopped;
      return {
        ok: true,
        swarmId: swarm.swarmId,
        runNumber: stopped.runNumber,
        memberSocketIds: memberSocketsOf(swarm),
      };
    },

    configure(socketId, peerId, override) {
      const presence = presences.get(socketId);
      const swarm = swarmFollowedBy(socketId);
      if (!presence || !swarm) return { ok: false, code: 'not-in-swarm' };
      if (peerId !== presence.peerId && !presence.inControl) return { ok: false, code: 'not-in-control' };
      const member = swarm.members.get(peerId);
      if (!member) return { ok: false, code: 'peer-not-found' };
      // Links the controller gave a member are the experiment's: its own settings (its editor, its link's `?down=`
      // sent again as a reloaded tab joins) do not replace them. Before, they did, without a word (found by review).
      if (!presence.inControl && member.overrideByControl) return { ok: false, code: 'links-set-by-control' };
      if (presence.inControl) swarm.controlLinks.settle(peerId);
      member.override = override;
      member.overrideByControl = byControl(override, presence.inControl);
      return { ok: true, swarmId: swarm.swarmId };
    },

    progressOf(swarmId) {
      const swarm = swarms.get(swarmId);
      return swarm && progressOf(swarm);
    },

    exportSwarm(swarmId) {
      const swarm = swarms.get(swarmId);
      if (!swarm) return undefined;
      const inControl = (socketId: SocketId | null): boolean =>
        socketId !== null && (presences.get(socketId)?.inControl ?? false);
      return {
        swarmId,
        contentId: swarm.contentId,
        seal: swarm.seal,
        createdAtMs: swarm.createdAtMs,
        members: [...swarm.members.values()].map(({ keyDigest, entryKeyDigest, ...member }) => ({
          ...member,
          keyDigest: keyDigest.toString('base64url'),
          ...(entryKeyDigest && { entryKeyDigest: entryKeyDigest.toString('base64url') }),
          inControl: inControl(member.socketId),
        })),
        watchers: [...swarm.watchers].map(([socketId, address]) => ({
          socketId,
          address,
          inControl: inControl(socketId),
        })),
        runs: swarm.runs.exportState(),
        departed: swarm.departed.entries(),
        controlLinks: swarm.controlLinks.state(),
      };
    },

    importSwarm(record, manifest) {
      const { swarmId } = record;
      const swarm = newSwarm(
        swarmId,
        record.contentId,
        manifest,
        record.seal,
        record.runs.config,
        record.runs,
        record.departed,
        record.controlLinks,
      );
      const imported: MutableSwarm = { ...swarm, createdAtMs: record.createdAtMs };
      for (const { inControl, keyDigest, entryKeyDigest, ...member } of record.members) {
        imported.members.set(member.peerId, {
          ...member,
          address: member.address ?? '',
          // (Records written before the controller's `{}` gave links back may hold an empty one set by control.)
          overrideByControl: byControl(member.override, member.overrideByControl ?? false),
          keyDigest: Buffer.from(keyDigest, 'base64url'),
          ...(entryKeyDigest !== undefined && { entryKeyDigest: Buffer.from(entryKeyDigest, 'base64url') }),
        });
        if (member.socketId !== null) presences.set(member.socketId, { swarmId, peerId: member.peerId, inControl });
      }
      for (const { socketId, address, inControl } of record.watchers) {
        imported.watchers.set(socketId, address ?? '');
        presences.set(socketId, { swarmId, peerId: null, inControl });
      }
      swarms.set(swarmId, imported);
    },
  };
}
