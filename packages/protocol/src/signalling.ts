import { z } from 'zod';
import { contentIdSchema, manifestSchema, type Manifest } from './manifest';

/**
 * The contract between a browser tab and the signalling server (socket.io), declared once and shared.
 * Event names are `noun:verb`; every request carries an acknowledgement that answers with a
 * `SignallingResult`. The server validates every payload with the schemas below before using it.
 */

/** 128 random bits, base64url: unguessable, so a swarm link is its own access token. */
export const swarmIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'not a swarm id');
/** Assigned by the server when a tab creates or joins a swarm. */
export const peerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a peer id');

export type SwarmId = z.infer<typeof swarmIdSchema>;
export type PeerId = z.infer<typeof peerIdSchema>;

const MAX_SDP_CHARS = 64 * 1024;
const MAX_CANDIDATE_CHARS = 1024;

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

export const swarmCreateRequestSchema = z.object({ manifest: manifestSchema, contentId: contentIdSchema }).strict();
export const swarmJoinRequestSchema = z.object({ swarmId: swarmIdSchema }).strict();
export const signalSendRequestSchema = z.object({ to: peerIdSchema, signal: signalDataSchema }).strict();

/**
 * What each tab tells the server about itself every `PROGRESS_REPORT_INTERVAL_MS`, so every screen
 * (a classroom projector included) can show the whole swarm and its measured distribution time.
 * Rates in bytes/s; peaks are the highest two-second averages seen, used as estimates of u_i and d_i
 * while links are unshaped.
 */
export const progressReportSchema = z
  .object({
    role: z.enum(['seeder', 'leecher']),
    chunksHeld: z.number().int().min(0),
    complete: z.boolean(),
    uploadedBytes: z.number().min(0).finite(),
    downloadedBytes: z.number().min(0).finite(),
    uploadBytesPerSec: z.number().min(0).finite(),
    downloadBytesPerSec: z.number().min(0).finite(),
    peakUploadBytesPerSec: z.number().min(0).finite(),
    peakDownloadBytesPerSec: z.number().min(0).finite(),
  })
  .strict();
export type ProgressReport = z.infer<typeof progressReportSchema>;

/** How often a tab reports its progress. */
export const PROGRESS_REPORT_INTERVAL_MS = 500;

/** One member's row in the swarm's progress table, with times measured on the server's clock. */
export interface PeerProgress {
  readonly peerId: PeerId;
  readonly report: ProgressReport | null;
  /** Since the swarm was created. */
  readonly joinedAfterMs: number;
  /** Since the first leecher joined; null until this leecher reported completion. */
  readonly completedAfterMs: number | null;
  /** False once the peer has left (a completed leecher stays in the table). */
  readonly present: boolean;
}

/** The server's view of a whole swarm, broadcast to its members a few times a second. */
export interface SwarmProgress {
  readonly swarmId: SwarmId;
  readonly peers: readonly PeerProgress[];
  /** Since the first leecher joined; null before anyone joined. */
  readonly elapsedMs: number | null;
  /** First leecher joined → last leecher complete; null until every leecher present has completed. */
  readonly distributionMs: number | null;
}

export type SwarmCreateRequest = z.infer<typeof swarmCreateRequestSchema>;
export type SwarmJoinRequest = z.infer<typeof swarmJoinRequestSchema>;
export type SignalSendRequest = z.infer<typeof signalSendRequestSchema>;

/** Why the server refused a request. Each code is a distinct, user-explainable cause. */
export type SignallingErrorCode =
  | 'invalid-payload'
  | 'payload-too-large'
  | 'rate-limited'
  | 'swarm-not-found'
  | 'swarm-full'
  | 'too-many-swarms'
  | 'already-in-swarm'
  | 'not-in-swarm'
  | 'peer-not-found'
  | 'content-mismatch'
  /** The server failed while handling the request; it logged the cause and kept running. */
  | 'internal-error'
  /** Client side only: the server did not answer in time (or the connection is down). */
  | 'timeout';

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
}

export interface SwarmJoined {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId;
  readonly manifest: Manifest;
  readonly contentId: string;
  /** Peers already in the swarm; the newcomer initiates a connection to each (up to its cap). */
  readonly peers: readonly PeerId[];
  readonly iceServers: readonly IceServer[];
}

export type Ack<T extends object = object> = (result: SignallingResult<T>) => void;

export interface ClientToServerEvents {
  'swarm:create': (request: SwarmCreateRequest, ack: Ack<SwarmCreated>) => void;
  'swarm:join': (request: SwarmJoinRequest, ack: Ack<SwarmJoined>) => void;
  'swarm:leave': (ack: Ack) => void;
  'signal:send': (request: SignalSendRequest, ack: Ack) => void;
  'progress:report': (report: ProgressReport, ack: Ack) => void;
}

export interface ServerToClientEvents {
  'peer:joined': (event: { peerId: PeerId }) => void;
  'peer:left': (event: { peerId: PeerId }) => void;
  'signal:relay': (event: { from: PeerId; signal: SignalData }) => void;
  'swarm:progress': (progress: SwarmProgress) => void;
}

/** Turns a schema failure into the one-line message an `invalid-payload` error carries. */
export function describeSchemaError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`)
    .join('; ');
}
