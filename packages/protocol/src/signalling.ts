import { z } from 'zod';
import { MAX_CHUNK_COUNT } from './constants';
import { displayNameSchema, type DisplayName } from './display-name';
import { joinCodeSchema, type JoinCode } from './join-code';
import { contentIdSchema, manifestSchema, type Manifest } from './manifest';
import type { PairFlow } from './pair-flow';
import { MAX_RUN_NUMBER } from './run-control';
import {
  peerOverrideSchema,
  peerRoleSchema,
  peerRunSettingsSchema,
  runConfigSchema,
  type PeerFlag,
  type PeerOverride,
  type PeerRole,
  type RunConfig,
  type RunStarted,
  type RunState,
} from './run';

/**
 * The contract between a browser tab and the signalling server (socket.io), declared once and shared.
 * Event names are `noun:verb`; every request carries an acknowledgement that answers with a
 * `SignallingResult`. The server validates every payload with the schemas below before using it.
 */

/** 128 random bits, base64url: unguessable, so a swarm link is its own access token. */
export const swarmIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a swarm id');
/** Assigned by the server when a tab creates or joins a swarm. */
export const peerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a peer id');

/**
 * The capability to run a swarm's experiments (start and stop runs, set other peers' links): 128 random
 * bits, base64url, handed to the swarm's creator only. Unguessable like a swarm id, and separate from it:
 * the share link lets a tab join, only this lets it run the experiment (a teacher's screen gets it in
 * the control link).
 */
export const controlSecretSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a control secret');

/**
 * A member's proof that it is the member it was (128 random bits, base64url), handed to each member when
 * it creates or joins: after its socket drops, it resumes its place with it (`swarm:resume`). The server
 * keeps only its hash.
 */
export const memberKeySchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a member key');

/**
 * What binds a swarm id to its file and its control secret, so the swarm can be registered again under
 * the same link after the server forgot it (a restart): the swarm id is the first 16 bytes of
 * SHA-256(`salt` ‖ content id ‖ `controlDigest`), base64url. Every member is told it; a re-registration
 * whose seal and file do not hash to the link's id is refused (`seal-mismatch`), so nobody can register
 * another file, or another control secret, under a link.
 */
export const swarmSealSchema = z
  .object({
    /** 128 random bits, base64url. */
    salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a seal salt'),
    /** SHA-256 of the swarm's control secret, base64url. */
    controlDigest: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a control digest'),
  })
  .strict();

export type SwarmId = z.infer<typeof swarmIdSchema>;
export type MemberKey = z.infer<typeof memberKeySchema>;
export type SwarmSeal = z.infer<typeof swarmSealSchema>;
export type PeerId = z.infer<typeof peerIdSchema>;
export type ControlSecret = z.infer<typeof controlSecretSchema>;

const MAX_SDP_CHARS = 64 * 1024;
/** A bitmap of `MAX_CHUNK_COUNT` chunks, base64. */
const MAX_BITS_BASE64_CHARS = Math.ceil(MAX_CHUNK_COUNT / 8 / 3) * 4;
const MAX_CANDIDATE_CHARS = 1024;
/**
 * Most neighbours one report lists in `sentTo`: four times the largest swarm the server allows by default
 * (64 peers), and about 12 KB of JSON, well under the signalling cap.
 */
export const MAX_SENT_TO_PEERS = 256;

/** What simple-peer hands to `signal()`: an SDP offer/answer, an ICE candidate, or a renegotiation. */
export const signalDataSchema = z.discriminatedUnion('type', [
  z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().max(MAX_SDP_CHARS) }),
  z.object({
    type: z.literal('candidate'),
    candidate: z.object({
      candidate: z.string().max(MAX_CANDIDATE_CHARS),
      sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
      sdpMid: z.string().max(64).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    }),
  }),
  z.object({ type: z.literal('renegotiate'), renegotiate: z.literal(true) }),
]);
export type SignalData = z.infer<typeof signalDataSchema>;

/** An ICE server handed to clients; none by default (host candidates only, see docs). */
export const iceServerSchema = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof iceServerSchema>;

export const swarmCreateRequestSchema = z
  .object({ manifest: manifestSchema, contentId: contentIdSchema, config: runConfigSchema.optional() })
  .strict();
/** `control`: the swarm's control secret, if this tab holds it (its creator's, after a reload). */
/**
 * A tab's place in a swarm before its page reloaded: `swarm:join` gives it back (the same peer id, the run's
 * account of it) when the run going on holds that place under this key; else the join gets a new place.
 */
export const formerPlaceSchema = z.object({ peerId: peerIdSchema, memberKey: memberKeySchema }).strict();
/**
 * `entryKey`: a member key the tab draws for this entry (never a former place's, which a duplicated tab carries
 * too), sent again if the join is asked again: a join whose answer a dropped connection lost finds the place it made by it (the same peer
 * id, no second member), rather than leave a ghost member behind for the grace period.
 */
export const swarmJoinRequestSchema = z
  .object({
    swarmId: swarmIdSchema,
    control: controlSecretSchema.optional(),
    formerPlace: formerPlaceSchema.optional(),
    entryKey: memberKeySchema.optional(),
  })
  .strict();
/** An overview screen follows a swarm without being a peer in it; with `control`, it may run it too. */
export const swarmWatchRequestSchema = z
  .object({ swarmId: swarmIdSchema, control: controlSecretSchema.optional() })
  .strict();
export const runStartRequestSchema = z.object({ config: runConfigSchema }).strict();

/** Longest run a resuming tab may claim to have been in: a week. */
export const MAX_RESUMED_RUN_MS = 7 * 24 * 3600 * 1000;
/** Most participants a resuming tab may list: four times the largest swarm the server allows by default. */
export const MAX_RESUMED_PARTICIPANTS = 256;

/**
 * The run a resuming tab is in, as it knows it: the run it was told of (`RunStarted`), how long ago on its
 * own monotonic clock, when it completed on that clock, and the participants of the latest progress table
 * it saw. A server that forgot the run (it restarted) takes it up again from this; one that did not,
 * ignores it.
 */
export const resumedRunSchema = z
  .object({
    runNumber: z.number().int().min(1).max(MAX_RUN_NUMBER),
    config: runConfigSchema,
    /** This tab's own settings in the run. */
    settings: peerRunSettingsSchema,
    /** Since this tab was told the run started, on its monotonic clock. */
    elapsedMs: z.number().min(0).max(MAX_RESUMED_RUN_MS),
    /** Since the run started, on the same clock, when this tab held the whole file; null if not yet. */
    completedAfterMs: z.number().min(0).max(MAX_RESUMED_RUN_MS).nullable(),
    /**
     * The participants of the latest progress table this tab saw (present ones), with each one's settings in the run
     * as that table showed them (`settings`), which the server believes only from a resume holding the control
     * secret: the links a screen in control set stand then.
     */
    participants: z
      .array(
        z.object({ peerId: peerIdSchema, role: peerRoleSchema, settings: peerRunSettingsSchema.optional() }).strict(),
      )
      .max(MAX_RESUMED_PARTICIPANTS),
  })
  .strict();

/**
 * A member whose signalling connection dropped takes its place back on its new connection: the same peer
 * id, proved by its member key. If the server forgot the swarm (it restarted) the answer is
 * `swarm-not-found`, and the member registers it again with `swarm:restore`.
 */
export const swarmResumeRequestSchema = z
  .object({
    swarmId: swarmIdSchema,
    peerId: peerIdSchema,
    memberKey: memberKeySchema,
    seal: swarmSealSchema,
    /** Only the holder of the control secret is taken back as the seeder. */
    role: peerRoleSchema,
    control: controlSecretSchema.optional(),
    /** The run this tab is in; null if none (or the latest it saw had ended). */
    run: resumedRunSchema.nullable(),
    /**
     * What a swarm's members remember between runs, for a server that forgot it (a restart): the latest run
     * number this tab saw, running or ended (the next run is numbered after it: tabs take only runs newer than
     * theirs); its own settings (`peer:configure`'s, its link's); the swarm's settings for the next run (taken
     * from a member in control only, while no run started since the server registered the swarm again).
     */
    latestRunNumber: z.number().int().min(0).max(MAX_RUN_NUMBER).optional(),
    override: peerOverrideSchema.optional(),
    config: runConfigSchema.optional(),
    /**
     * The links a screen in control set for members, as the latest progress table this tab saw showed them (rows
     * `overrideByControl`), for the runs to come: believed from a member in control only, under the same condition
     * as `config`, and for each member from the first such account only.
     */
    controlLinks: z
      .array(z.object({ peerId: peerIdSchema, override: peerOverrideSchema }).strict())
      .max(MAX_RESUMED_PARTICIPANTS)
      .optional(),
  })
  .strict();

/** `swarm:resume` with the swarm's file: registers a swarm the server forgot, under the same link. */
export const swarmRestoreRequestSchema = swarmResumeRequestSchema
  .extend({ manifest: manifestSchema, contentId: contentIdSchema })
  .strict();
export const peerConfigureRequestSchema = z.object({ peerId: peerIdSchema, override: peerOverrideSchema }).strict();
/**
 * Which try of a connection a signal belongs to: drawn by the side that offers, for each try, and echoed by the side
 * that answers. An answer's SDP does not say which offer it answers: a busy peer's late answer to a try given up
 * reached the next try, which then failed on its own answer, each try in turn (found by review).
 */
export const signalAttemptSchema = z.number().int().min(0).max(0x7fffffff);
export const signalSendRequestSchema = z
  .object({ to: peerIdSchema, signal: signalDataSchema, attempt: signalAttemptSchema.optional() })
  .strict();
/** Which swarm a join code names; the code in its canonical form (`parseJoinCode` reads what people type). */
export const codeResolveRequestSchema = z.object({ code: joinCodeSchema }).strict();
/** A member's display name for every screen; null goes back to the default one the screens make up. */
export const peerNameRequestSchema = z.object({ name: displayNameSchema.nullable() }).strict();

/**
 * What each tab tells the server about itself every `PROGRESS_REPORT_INTERVAL_MS`, so every screen
 * (a classroom projector included) can show the whole swarm and its measured distribution time.
 * Rates in bytes/s; peaks are the highest two-second averages seen, used as estimates of u_i and d_i
 * while links are unshaped.
 */
export const progressReportSchema = z
  .object({
    role: peerRoleSchema,
    /** The run these figures belong to; null between runs (before the first one, or after a stop). */
    runNumber: z.number().int().min(1).max(MAX_RUN_NUMBER).nullable(),
    /** The tab's chunk bitmap (`Bitfield.toBytes()`), base64; the server checks its length. */
    bitsBase64: z
      .string()
      .max(MAX_BITS_BASE64_CHARS)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
    chunksHeld: z.number().int().min(0),
    complete: z.boolean(),
    uploadedBytes: z.number().min(0).finite(),
    downloadedBytes: z.number().min(0).finite(),
    uploadBytesPerSec: z.number().min(0).finite(),
    downloadBytesPerSec: z.number().min(0).finite(),
    peakUploadBytesPerSec: z.number().min(0).finite(),
    peakDownloadBytesPerSec: z.number().min(0).finite(),
    /**
     * Present (true) while this tab's tries to connect fail and none is open (its own page says so:
     * `ConnectTrouble.cannotConnect`; not a seeder's, whose peers fail to reach it), so that the teacher's screens show which laptops cannot connect: a student's card at 0 %
     * looked like one waiting its turn. Left out otherwise (and by older clients).
     */
    cannotConnect: z.boolean().optional(),
    /**
     * Bytes of the file this tab sent each neighbour in the run, each byte once (its engine's totals, departed
     * neighbours included), adding up to `uploadedBytes` at most (a block sent again counts once here): the server
     * counts a completion only once what the others say they sent that peer covers the file (corroboration). Empty
     * outside a run.
     */
    sentTo: z
      .array(z.object({ peerId: peerIdSchema, bytes: z.number().min(0).finite() }).strict())
      .max(MAX_SENT_TO_PEERS),
  })
  .strict();
export type ProgressReport = z.infer<typeof progressReportSchema>;
/** A report as every screen sees it: without `sentTo`, which only the server reads (N rows of N entries). */
export type PeerReport = Omit<ProgressReport, 'sentTo'>;

/** How often a tab reports its progress: a few times a second, so every screen follows the run closely. */
export const PROGRESS_REPORT_INTERVAL_MS = 300;

/** One member's row in the swarm's progress table, with times measured on the server's clock. */
export interface PeerProgress {
  readonly peerId: PeerId;
  /** The name its user chose (`peer:name`); absent or null while it has none (screens show a default). */
  readonly name?: DisplayName | null;
  /** The founder seeds; everyone who joins leeches. */
  readonly role: PeerRole;
  /** Latest report believed; null before the first. */
  readonly report: PeerReport | null;
  /** Since the swarm was created. */
  readonly joinedAfterMs: number;
  /** This peer's own settings (set from its tab, its link, or a screen in control of the swarm). */
  readonly override: PeerOverride;
  /**
   * Whether a screen in control of the swarm set `override`: it then stands as given; else a run applies it
   * within its caps (`settingsInRun`). Absent counts as not.
   */
  readonly overrideByControl?: boolean;
  /** Set once the server refused a report of it as impossible: every screen shows it, nobody believes it. */
  readonly flagged: PeerFlag | null;
  /**
   * Its signalling connection dropped and the server keeps its place for a grace period: its WebRTC
   * connections, and its part in the run, go on meanwhile.
   */
  readonly away: boolean;
}

/** The server's view of a whole swarm, broadcast to its members and watchers a few times a second. */
export interface SwarmProgress {
  readonly swarmId: SwarmId;
  /** Current members, in joining order (the seeder first while it stays). */
  readonly peers: readonly PeerProgress[];
  /** The configuration the next run starts with unless its starter changes it (the last one used). */
  readonly config: RunConfig;
  /** The latest run (running, finished or stopped); null before the first. */
  readonly run: RunState | null;
  /**
   * Who sends to whom now in the running run, the fastest `MAX_BROADCAST_FLOWS` (empty between runs):
   * derived by the server from the unflagged senders' `sentTo`, which it keeps to itself.
   */
  readonly flows: readonly PairFlow[];
}

export type SwarmCreateRequest = z.infer<typeof swarmCreateRequestSchema>;
export type SwarmJoinRequest = z.infer<typeof swarmJoinRequestSchema>;
export type FormerPlace = z.infer<typeof formerPlaceSchema>;
export type SignalSendRequest = z.infer<typeof signalSendRequestSchema>;
/** A signal another member sent this one (`from`, set by the server), with its try's `attempt` if it gave one. */
export interface SignalRelay {
  readonly from: PeerId;
  readonly signal: SignalData;
  readonly attempt?: number | undefined;
}
export type SwarmWatchRequest = z.infer<typeof swarmWatchRequestSchema>;
export type RunStartRequest = z.infer<typeof runStartRequestSchema>;
export type ResumedRun = z.infer<typeof resumedRunSchema>;
export type SwarmResumeRequest = z.infer<typeof swarmResumeRequestSchema>;
export type SwarmRestoreRequest = z.infer<typeof swarmRestoreRequestSchema>;
export type PeerConfigureRequest = z.infer<typeof peerConfigureRequestSchema>;
export type CodeResolveRequest = z.infer<typeof codeResolveRequestSchema>;
export type PeerNameRequest = z.infer<typeof peerNameRequestSchema>;

/** Why the server refused a request. Each code is a distinct, user-explainable cause. */
export type SignallingErrorCode =
  | 'invalid-payload'
  | 'payload-too-large'
  /** The payload nests deeper than any request of the protocol does; refused before it is read. */
  | 'payload-too-deep'
  | 'rate-limited'
  | 'swarm-not-found'
  /**
   * The server started moments ago (within its `memberGraceMs`) and keeps swarms in memory: the swarm may be
   * one of its previous run whose members have not registered it again yet. Ask again in a second; once the
   * moment is over, the answer is `swarm-not-found`.
   */
  | 'swarm-not-registered-yet'
  | 'swarm-full'
  /** The swarm has as many members from the requester's network address as the server allows. */
  | 'swarm-full-for-address'
  | 'too-many-swarms'
  /** The requester's network address has as many swarms alive as the server allows. */
  | 'too-many-swarms-from-address'
  /** Connection refused (in socket.io's `connect_error`): the address has as many connections as allowed. */
  | 'too-many-connections'
  | 'already-in-swarm'
  | 'not-in-swarm'
  | 'peer-not-found'
  | 'content-mismatch'
  /** A run is going on: stop it before starting another. */
  | 'run-in-progress'
  /** The swarm's runs have used every run number the peers' wire allows (`MAX_RUN_NUMBER`). */
  | 'no-run-number-left'
  /** There is no run going on to stop. */
  | 'no-run'
  /** The swarm has as many overview screens as the server allows. */
  | 'too-many-watchers'
  /** The swarm has as many overview screens from the requester's network address as the server allows it. */
  | 'too-many-watchers-from-address'
  /** The swarm's founder (its seeder) has left, so nobody holds the whole file: no run can start. */
  | 'no-seeder'
  /** Nobody but the seeder is in the swarm: a run would have nobody to distribute the file to. */
  | 'no-leecher'
  /**
   * Starting or stopping a run, or setting another peer's links, takes the swarm's control secret, and
   * this socket did not present it (when it joined or started watching).
   */
  | 'not-in-control'
  /** A member's own `peer:configure` of links the swarm's controller set for it: they stand until it changes them. */
  | 'links-set-by-control'
  /**
   * A progress report claims more than is physically possible: bytes or rates beyond what the file and the
   * run's caps allow, or progress faster than the caps let it arrive. The member is flagged.
   */
  | 'implausible-report'
  /**
   * A re-registration (`swarm:resume`, `swarm:restore`) whose seal and file do not hash to the swarm's id:
   * it is not this swarm's file, or not its seal.
   */
  | 'seal-mismatch'
  /**
   * A resume for a peer id that another member holds, or that a member left under (its member key differs;
   * the server keeps the keys of 4 × `maxPeersPerSwarm` departed members).
   */
  | 'peer-id-taken'
  /**
   * A resume or restore asking for the seeder's role (with the control secret, under an id the swarm has no
   * member under) while another member holds it, connected or away: a swarm has one seeder. The tab that seeded
   * it from a file picked again, say, and then the first seeder's tab came back: two seeders uploaded, and a
   * client-server run beat its bound (found by review).
   */
  | 'seeder-present'
  /** No live swarm has this join code: mistyped, or its swarm has ended. */
  | 'code-not-found'
  /**
   * The requester's network address looked up too many codes that named no swarm lately: its lookups are
   * refused for a while, so that codes cannot be found by trying them.
   */
  | 'too-many-code-lookups'
  /** The server failed while handling the request; it logged the cause and kept running. */
  | 'internal-error'
  /** Client side only: the server did not answer in time (or the connection is down). */
  | 'timeout'
  /** Client side only: the signalling connection is lost (the tab is reconnecting); the request was not sent. */
  | 'signalling-lost'
  /**
   * Client side only: this client closed its connection (it left, or dropped it): the request was not sent, and
   * nothing reconnects, so asking again gets the same answer.
   */
  | 'signalling-closed'
  /**
   * Client side only: the server's answer is not one this version can read (another version of the server,
   * or not swarmlab's): nothing in it was used.
   */
  | 'malformed-answer';

export interface SignallingError {
  readonly code: SignallingErrorCode;
  readonly message: string;
}

export type SignallingResult<T extends object = object> =
  ({ readonly ok: true } & T) | { readonly ok: false; readonly error: SignallingError };

export interface SwarmCreated {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  readonly iceServers: readonly IceServer[];
  /** The swarm's control secret, told to its creator only and never again (the server keeps its hash). */
  readonly controlSecret: ControlSecret;
  /** This member's key, to resume its place after its connection drops. */
  readonly memberKey: MemberKey;
  /** What binds the swarm's id to its file, to register it again after a server restart. */
  readonly seal: SwarmSeal;
  /** The swarm's short join code, for people to type instead of the link; gone when the swarm ends. */
  readonly joinCode: JoinCode;
}

export interface SwarmJoined {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  readonly manifest: Manifest;
  readonly contentId: string;
  /** Peers already in the swarm; the newcomer initiates a connection to each (up to its cap). */
  readonly peers: readonly PeerId[];
  readonly iceServers: readonly IceServer[];
  /** The run going on, which the newcomer takes part in at once; null when none is. */
  readonly run: RunStarted | null;
  /** The request carried the swarm's control secret: this socket may start, stop and configure runs. */
  readonly inControl: boolean;
  /** This member's key, to resume its place after its connection drops. */
  readonly memberKey: MemberKey;
  /** What binds the swarm's id to its file, to register it again after a server restart. */
  readonly seal: SwarmSeal;
  /** The swarm's join code, for this tab to show too. */
  readonly joinCode: JoinCode;
  /**
   * The server registered the swarm again after a restart, and no run started since (as `SwarmWatched` says): the
   * seeder's tab may still be coming back, and a table without it is no sign that it left.
   */
  readonly registeredAgain: boolean;
}

/** A member took its place back (`swarm:resume`, `swarm:restore`). */
export interface SwarmResumed {
  readonly swarmId: SwarmId;
  /** The members now (itself excluded): it connects to those it has no connection with. */
  readonly peers: readonly PeerId[];
  /** The run going on, which it takes part in; null when none is. */
  readonly run: RunStarted | null;
  readonly inControl: boolean;
  /** The swarm's join code (a swarm registered again after a restart gets a new one). */
  readonly joinCode: JoinCode;
  /** This request registered the swarm again: the server had forgotten it (it restarted). */
  readonly registeredAgain: boolean;
  /**
   * The server still held this member's place (its socket dropped within its grace period): its name stands.
   * False: it takes a new place under its peer id (after a restart, or past its grace), and tells its name again.
   */
  readonly placeKept: boolean;
  /**
   * The ICE servers as the server has them now, to make every connection with from here on, as `SwarmJoined` says
   * them: an operator who restarts the server with STUN/TURN (`SWARMLAB_ICE_SERVERS`) after the page said the network
   * keeps laptops apart reaches the tabs that take their places back, which kept connecting with the list they entered
   * with, every pair failing again (found by review). Absent from a server of an earlier version: the tab keeps its own.
   */
  readonly iceServers?: readonly IceServer[] | undefined;
}

export interface SwarmWatched {
  readonly swarmId: SwarmId;
  readonly manifest: Manifest;
  readonly contentId: string;
  readonly progress: SwarmProgress;
  /** The request carried the swarm's control secret: this screen may start, stop and configure runs. */
  readonly inControl: boolean;
  /** The swarm's join code, shown large while the swarm waits. */
  readonly joinCode: JoinCode;
  /**
   * The server registered the swarm again after a restart, and no run started since: its members, the seeder among
   * them, may still be coming back (a screen does not take the seeder's absence for its leaving yet).
   */
  readonly registeredAgain: boolean;
}

/** The swarm a join code names: what its share link holds, so the page can open that link. */
export interface CodeResolved {
  readonly swarmId: SwarmId;
  readonly contentId: string;
}

export type Ack<T extends object = object> = (result: SignallingResult<T>) => void;

export interface ClientToServerEvents {
  'swarm:create': (request: SwarmCreateRequest, ack: Ack<SwarmCreated>) => void;
  'swarm:join': (request: SwarmJoinRequest, ack: Ack<SwarmJoined>) => void;
  /** Takes a member's place back on a new connection, within the server's grace period or after a restart. */
  'swarm:resume': (request: SwarmResumeRequest, ack: Ack<SwarmResumed>) => void;
  /** Registers a swarm the server forgot, under its link, and takes the requester's place in it. */
  'swarm:restore': (request: SwarmRestoreRequest, ack: Ack<SwarmResumed>) => void;
  'swarm:leave': (ack: Ack) => void;
  'signal:send': (request: SignalSendRequest, ack: Ack) => void;
  'progress:report': (report: ProgressReport, ack: Ack) => void;
  'swarm:watch': (request: SwarmWatchRequest, ack: Ack<SwarmWatched>) => void;
  /** Starts a run for the whole swarm; a member or watcher in control of the swarm may. */
  'run:start': (request: RunStartRequest, ack: Ack<{ runNumber: number }>) => void;
  /** Stops the run going on (every tab drops its engine); the swarm waits for the next start. In control only. */
  'run:stop': (ack: Ack) => void;
  /**
   * Sets one peer's own settings for the runs that start from now on: a member its own, a socket in
   * control anyone's.
   */
  'peer:configure': (request: PeerConfigureRequest, ack: Ack) => void;
  /** Which swarm a join code names; failed lookups are limited per address (`too-many-code-lookups`). */
  'code:resolve': (request: CodeResolveRequest, ack: Ack<CodeResolved>) => void;
  /** Sets this member's display name for every screen (null: none). Members only. */
  'peer:name': (request: PeerNameRequest, ack: Ack) => void;
}

/**
 * The swarm news is about, where the news itself does not say (a run started or stopped): a client drops news of
 * another swarm than its own. Absent from a server before it was sent.
 */
export interface SwarmNamed {
  readonly swarmId?: SwarmId | undefined;
}

export interface ServerToClientEvents {
  'peer:joined': (event: { peerId: PeerId }) => void;
  'peer:left': (event: { peerId: PeerId }) => void;
  'signal:relay': (event: SignalRelay) => void;
  'swarm:progress': (progress: SwarmProgress) => void;
  /** Every member drops its engine and starts this run; its leechers start empty. */
  'run:started': (run: RunStarted & SwarmNamed) => void;
  /** The run was stopped before it finished: every member drops its engine. */
  'run:stopped': (event: { runNumber: number } & SwarmNamed) => void;
  /** To watchers only: the swarm's last member left, so the swarm is gone and they no longer watch it. */
  'swarm:ended': (event: { swarmId: SwarmId }) => void;
}

/** Issues of a schema failure told in its message; the others follow from fixing these. */
const MAX_SCHEMA_ISSUES_TOLD = 3;
/** Longest text of one issue in a schema failure's message, in UTF-16 code units, ellipsis included. */
export const MAX_SCHEMA_ISSUE_CHARS = 200;
/**
 * Longest schema failure's message, in UTF-16 code units: well within the 2,000 a client reads of a refusal (three
 * issues cut as above take 604 at most; the whole is cut too, so the bound holds whatever those numbers become).
 */
export const MAX_SCHEMA_ERROR_CHARS = 1000;

/** `text`, cut to `maxChars` code units with an ellipsis if longer, never between the halves of a surrogate pair. */
function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const kept = text.slice(0, maxChars - 1);
  const lastUnit = kept.charCodeAt(kept.length - 1);
  const isHighSurrogate = lastUnit >= 0xd800 && lastUnit <= 0xdbff;
  return `${isHighSurrogate ? kept.slice(0, -1) : kept}…`;
}

/**
 * Turns a schema failure into the one-line message an `invalid-payload` error carries. Each issue's text is cut
 * (`MAX_SCHEMA_ISSUE_CHARS`), and the whole (`MAX_SCHEMA_ERROR_CHARS`): zod writes an unknown key into its message
 * verbatim, so a request with one 80 KiB key was answered with it, and the client, which reads no refusal longer than
 * 2,000 characters, told its user `malformed-answer` instead (found by review).
 */
export function describeSchemaError(error: z.ZodError): string {
  const told = error.issues
    .slice(0, MAX_SCHEMA_ISSUES_TOLD)
    .map((issue) => cutText(`${issue.path.join('.') || 'payload'}: ${issue.message}`, MAX_SCHEMA_ISSUE_CHARS));
  return cutText(told.join('; '), MAX_SCHEMA_ERROR_CHARS);
}
