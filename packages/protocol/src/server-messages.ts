import { z } from 'zod';
import { displayNameSchema } from './display-name';
import { joinCodeSchema } from './join-code';
import { contentIdSchema, manifestSchema } from './manifest';
import type { PairFlow } from './pair-flow';
import {
  NO_UNLISTED_PARTICIPANTS,
  peerOverrideSchema as strictPeerOverrideSchema,
  peerRoleSchema,
  peerRunSettingsSchema as strictPeerRunSettingsSchema,
  runConfigSchema as strictRunConfigSchema,
  type PeerFlag,
  type PeerRunSettings,
  type RunParticipant,
  type RunStarted,
  type RunState,
  type UnlistedParticipants,
} from './run';
import { MAX_RUN_NUMBER } from './run-control';
import {
  controlSecretSchema,
  describeSchemaError,
  iceServerSchema,
  memberKeySchema,
  peerIdSchema,
  progressReportSchema as strictProgressReportSchema,
  signalAttemptSchema,
  signalDataSchema,
  swarmIdSchema,
  swarmSealSchema as strictSwarmSealSchema,
  type ClientToServerEvents,
  type CodeResolved,
  type PeerProgress,
  type ServerToClientEvents,
  type SignallingError,
  type SignallingResult,
  type SwarmCreated,
  type SwarmJoined,
  type SwarmProgress,
  type SwarmResumed,
  type SwarmWatched,
} from './signalling';

/**
 * What the signalling server sends, as schemas its clients check before they act on it: a server of
 * another version, or one that is not swarmlab's, must not be able to throw inside a tab's or a headless
 * peer's handlers (in Node, a throw in a socket.io listener ends the process). Each schema is typed
 * against the interface it checks (`z.ZodType<…>`), so the two cannot drift apart.
 *
 * The checks are of shape and range (what the clients' code relies on), not of the server's judgement;
 * objects are loose, so a newer server may add fields. Every payload is checked where it arrives,
 * in `SignallingClient`.
 */

/**
 * What the server accepts from clients is strict (an unknown field is refused); what a client accepts from the
 * server is not, down to the objects nested in its messages: a server a version ahead, with one more run option,
 * would otherwise have every `run:started` and `swarm:progress` dropped by the tabs still open from before.
 * (The manifest stays strict: its bytes are the content id's.)
 */
const runConfigSchema = strictRunConfigSchema.loose();
const peerRunSettingsSchema = strictPeerRunSettingsSchema.loose();
const peerOverrideSchema = strictPeerOverrideSchema.loose();
const reportSchema = strictProgressReportSchema.omit({ sentTo: true }).loose();
const swarmSealSchema = strictSwarmSealSchema.loose();

const runNumberSchema = z.number().int().min(1).max(MAX_RUN_NUMBER);
const millisecondsSchema = z.number().min(0).finite();
/** The farthest from 1970 a JavaScript `Date` goes, either way (ECMA-262 §21.4.1.1). */
const MAX_DATE_MS = 8.64e15;
const bytesSchema = z.number().min(0).finite();

/**
 * Every member's settings, keyed by peer id. Checked in place rather than parsed into a new object: a
 * parsed record would drop a key such as `__proto__`, which is a peer id like any other.
 */
const runSettingsByPeerSchema = z.custom<Readonly<Record<string, PeerRunSettings>>>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([peerId, settings]) =>
        peerIdSchema.safeParse(peerId).success && peerRunSettingsSchema.safeParse(settings).success,
    ),
  'not every member’s run settings',
);

export const runStartedSchema: z.ZodType<RunStarted> = z.looseObject({
  runNumber: runNumberSchema,
  config: runConfigSchema,
  settings: runSettingsByPeerSchema,
  elapsedMs: millisecondsSchema.optional(),
});

const peerFlagSchema: z.ZodType<PeerFlag> = z.looseObject({
  reason: z.string(),
  refusedReports: z.number().int().min(0),
});

const runParticipantSchema: z.ZodType<RunParticipant> = z.looseObject({
  peerId: peerIdSchema,
  role: peerRoleSchema,
  settings: peerRunSettingsSchema,
  completedAfterMs: millisecondsSchema.nullable(),
  uploadedBytes: bytesSchema,
  downloadedBytes: bytesSchema,
  present: z.boolean(),
  leftRun: z.boolean(),
  flagged: peerFlagSchema.nullable(),
  witnessedBytes: bytesSchema,
  corroborated: z.boolean(),
  // Absent from a server of an earlier version (a rolling update): no peak, there from the start.
  peakUploadBytesPerSec: bytesSchema.default(0),
  tookPartAfterMs: millisecondsSchema.default(0),
});

/**
 * A list in which no two entries share a key: a table with a peer, a participant or a flow listed twice is refused
 * (the page's keyed lists throw on it and stop drawing; a participant listed twice counted twice in N and D_p2p, in
 * the run recorded for good; found by review).
 */
function distinct<T>(list: z.ZodType<T[]>, keyOf: (entry: T) => string, what: string): z.ZodType<T[]> {
  return list.refine((entries) => new Set(entries.map(keyOf)).size === entries.length, `a ${what} listed twice`);
}

const unlistedParticipantsSchema: z.ZodType<UnlistedParticipants> = z.looseObject({
  leechers: z.number().int().min(0),
  uploadBytesPerSec: bytesSchema,
  uploadEstimated: z.boolean(),
  minDownloadBytesPerSec: bytesSchema.positive().nullable(),
  uploadedBytes: bytesSchema,
  downloadedBytes: bytesSchema,
});

export const runStateSchema: z.ZodType<RunState> = z.looseObject({
  runNumber: runNumberSchema,
  phase: z.enum(['running', 'finished', 'stopped', 'interrupted']),
  config: runConfigSchema,
  // A time a Date holds (±8.64e15 ms): past it, the run's record threw making its date, in the table's handler.
  startedAtEpochMs: z.number().min(-MAX_DATE_MS).max(MAX_DATE_MS),
  elapsedMs: millisecondsSchema,
  distributionMs: millisecondsSchema.nullable(),
  participants: distinct(z.array(runParticipantSchema), (participant) => participant.peerId, 'participant'),
  // Absent from a server of an earlier version: nobody unlisted.
  unlisted: unlistedParticipantsSchema.default(NO_UNLISTED_PARTICIPANTS),
  abandonedLeechers: z.number().int().min(0),
  // Absent from a server of an earlier version: none counted.
  uncountedUploadedBytes: bytesSchema.default(0),
  restoredAfterMs: millisecondsSchema.nullable(),
  interruption: z.string().nullable(),
});

const peerProgressSchema: z.ZodType<PeerProgress> = z.looseObject({
  peerId: peerIdSchema,
  // A name the rules of this version refuse, told by a server of an earlier one (a rolling update; a name kept in Redis
  // from before): the row is shown unnamed, rather than the whole table refused and the page's view frozen.
  name: displayNameSchema.nullable().catch(null).exactOptional(),
  role: peerRoleSchema,
  report: reportSchema.nullable(),
  joinedAfterMs: millisecondsSchema,
  override: peerOverrideSchema,
  overrideByControl: z.boolean().exactOptional(),
  flagged: peerFlagSchema.nullable(),
  away: z.boolean(),
});

const pairFlowSchema: z.ZodType<PairFlow> = z.looseObject({
  from: peerIdSchema,
  to: peerIdSchema,
  bytesPerSec: bytesSchema,
});

export const swarmProgressSchema: z.ZodType<SwarmProgress> = z.looseObject({
  swarmId: swarmIdSchema,
  peers: distinct(z.array(peerProgressSchema), (peer) => peer.peerId, 'peer'),
  config: runConfigSchema,
  run: runStateSchema.nullable(),
  flows: distinct(z.array(pairFlowSchema), (flow) => `${flow.from}>${flow.to}`, 'flow'),
});

const peerEventSchema = z.looseObject({ peerId: peerIdSchema });
/** `SwarmNamed`: the swarm a run's news is about, from a server that says so. */
const swarmNamedSchema = z.looseObject({ swarmId: swarmIdSchema.optional() });

/** What the server pushes with `event`. */
export type ServerEventPayload<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/** The payload of each event the server pushes. */
const serverEventSchemas: { readonly [E in keyof ServerToClientEvents]: z.ZodType<ServerEventPayload<E>> } = {
  'peer:joined': peerEventSchema,
  'peer:left': peerEventSchema,
  'signal:relay': z.looseObject({
    from: peerIdSchema,
    signal: signalDataSchema,
    attempt: signalAttemptSchema.optional(),
  }),
  'swarm:progress': swarmProgressSchema,
  'run:started': z.intersection(runStartedSchema, swarmNamedSchema),
  'run:stopped': z.looseObject({ runNumber: runNumberSchema, swarmId: swarmIdSchema.optional() }),
  'swarm:ended': z.looseObject({ swarmId: swarmIdSchema }),
};

/** A refusal, as any server words it: a code this version does not know is kept, and read by its message. */
const refusalSchema = z.looseObject({
  ok: z.literal(false),
  error: z.looseObject({ code: z.string().min(1).max(100), message: z.string().max(2000) }),
}) as unknown as z.ZodType<{ readonly ok: false; readonly error: SignallingError }>;

const iceServersSchema = z.array(iceServerSchema);

const swarmCreatedSchema: z.ZodType<SwarmCreated> = z.looseObject({
  swarmId: swarmIdSchema,
  peerId: peerIdSchema,
  iceServers: iceServersSchema,
  controlSecret: controlSecretSchema,
  memberKey: memberKeySchema,
  seal: swarmSealSchema,
  joinCode: joinCodeSchema,
});

const swarmJoinedSchema: z.ZodType<SwarmJoined> = z.looseObject({
  swarmId: swarmIdSchema,
  peerId: peerIdSchema,
  manifest: manifestSchema,
  contentId: contentIdSchema,
  peers: z.array(peerIdSchema),
  iceServers: iceServersSchema,
  run: runStartedSchema.nullable(),
  inControl: z.boolean(),
  memberKey: memberKeySchema,
  seal: swarmSealSchema,
  joinCode: joinCodeSchema,
  // Absent from a server of an earlier version: nothing known of a restart.
  registeredAgain: z.boolean().default(false),
});

const swarmResumedSchema: z.ZodType<SwarmResumed> = z.looseObject({
  swarmId: swarmIdSchema,
  peers: z.array(peerIdSchema),
  run: runStartedSchema.nullable(),
  inControl: z.boolean(),
  joinCode: joinCodeSchema,
  // Absent from a server of an earlier version (a rolling update): taken as a new place, which tells its name.
  registeredAgain: z.boolean().default(false),
  placeKept: z.boolean().default(false),
  // Absent from a server of an earlier version: the tab keeps the ICE servers it has.
  iceServers: iceServersSchema.optional(),
});

const swarmWatchedSchema: z.ZodType<SwarmWatched> = z.looseObject({
  swarmId: swarmIdSchema,
  manifest: manifestSchema,
  contentId: contentIdSchema,
  progress: swarmProgressSchema,
  inControl: z.boolean(),
  joinCode: joinCodeSchema,
  // Absent from a server of an earlier version: nothing known of a restart.
  registeredAgain: z.boolean().default(false),
});

const codeResolvedSchema: z.ZodType<CodeResolved> = z.looseObject({
  swarmId: swarmIdSchema,
  contentId: contentIdSchema,
});

/** What the answer to each kind of request carries when it is `ok`. */
export interface ServerAnswers {
  /** An acknowledgement that carries nothing but whether it worked. */
  readonly done: object;
  readonly swarmCreated: SwarmCreated;
  readonly swarmJoined: SwarmJoined;
  readonly swarmResumed: SwarmResumed;
  readonly swarmWatched: SwarmWatched;
  readonly codeResolved: CodeResolved;
  readonly runStarted: { readonly runNumber: number };
}

/** What the answer to each request carries. */
export const ANSWER_KINDS = {
  'swarm:create': 'swarmCreated',
  'swarm:join': 'swarmJoined',
  'swarm:resume': 'swarmResumed',
  'swarm:restore': 'swarmResumed',
  'swarm:leave': 'done',
  'signal:send': 'done',
  'progress:report': 'done',
  'swarm:watch': 'swarmWatched',
  'run:start': 'runStarted',
  'run:stop': 'done',
  'peer:configure': 'done',
  'code:resolve': 'codeResolved',
  'peer:name': 'done',
} as const satisfies { readonly [E in keyof ClientToServerEvents]: keyof ServerAnswers };

/** What the `ok` answer to `request` carries. */
export type AnswerTo<R extends keyof ClientToServerEvents> = ServerAnswers[(typeof ANSWER_KINDS)[R]];

/** What each kind of `ok` answer carries besides `ok: true`. */
const serverAnswerSchemas: { readonly [K in keyof ServerAnswers]: z.ZodType<ServerAnswers[K]> } = {
  done: z.looseObject({}),
  swarmCreated: swarmCreatedSchema,
  swarmJoined: swarmJoinedSchema,
  swarmResumed: swarmResumedSchema,
  swarmWatched: swarmWatchedSchema,
  codeResolved: codeResolvedSchema,
  runStarted: z.looseObject({ runNumber: runNumberSchema }),
};

/** A message from the server, checked: its value if it can be read, else what is wrong with it in one line. */
export type CheckedServerMessage<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function check<T>(schema: z.ZodType<T>, message: unknown): CheckedServerMessage<T> {
  const checked = schema.safeParse(message);
  return checked.success
    ? { ok: true, value: checked.data }
    : { ok: false, problem: describeSchemaError(checked.error) };
}

/** Whether `name` is an event the server pushes. */
export function isServerEvent(name: string): name is keyof ServerToClientEvents {
  return Object.hasOwn(serverEventSchemas, name);
}

/** Whether `name` is a request a client sends. */
export function isClientRequest(name: string): name is keyof ClientToServerEvents {
  return Object.hasOwn(ANSWER_KINDS, name);
}

/** Checks the payload of a pushed `event`. */
export function checkServerEvent<E extends keyof ServerToClientEvents>(
  event: E,
  payload: unknown,
): CheckedServerMessage<ServerEventPayload<E>> {
  return check(serverEventSchemas[event] as z.ZodType<ServerEventPayload<E>>, payload);
}

/** Checks the server's answer to `request`. */
export function checkServerAnswer<R extends keyof ClientToServerEvents>(
  request: R,
  answer: unknown,
): CheckedServerMessage<SignallingResult<AnswerTo<R>>> {
  const kind = ANSWER_KINDS[request];
  const ok = typeof answer === 'object' && answer !== null ? (answer as { ok?: unknown }).ok : undefined;
  if (ok === false) return check(refusalSchema, answer);
  if (ok !== true) return { ok: false, problem: 'ok: neither true nor false' };
  const checked = check(serverAnswerSchemas[kind] as z.ZodType<AnswerTo<R>>, answer);
  return checked.ok ? { ok: true, value: { ...checked.value, ok: true } } : checked;
}
