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
  | 'content-mismatch';

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
}

export interface ServerToClientEvents {
  'peer:joined': (event: { peerId: PeerId }) => void;
  'peer:left': (event: { peerId: PeerId }) => void;
  'signal:relay': (event: { from: PeerId; signal: SignalData }) => void;
}

/** Turns a schema failure into the one-line message an `invalid-payload` error carries. */
export function describeSchemaError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`)
    .join('; ');
}
