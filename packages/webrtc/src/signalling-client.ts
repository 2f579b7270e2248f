import type {
  ClientToServerEvents,
  PeerConfigureRequest,
  ProgressReport,
  RunStartRequest,
  ServerToClientEvents,
  SignallingResult,
  SignalSendRequest,
  SwarmCreated,
  SwarmCreateRequest,
  SwarmJoined,
  SwarmJoinRequest,
  SwarmWatched,
  SwarmWatchRequest,
} from '@swarmlab/protocol';
import { io, type Socket } from 'socket.io-client';

export type SignallingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a request waits for the server's acknowledgement. */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * The signalling server as a typed API: each request resolves to the server's `SignallingResult`,
 * or to a `timeout` error when no answer comes. Never rejects.
 */
export class SignallingClient {
  readonly socket: SignallingSocket;
  readonly #ackTimeoutMs: number;

  constructor(socket: SignallingSocket, ackTimeoutMs = DEFAULT_ACK_TIMEOUT_MS) {
    this.socket = socket;
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  /** Connects to the server at `url` (the page's own origin by default). */
  static connect(url?: string, ackTimeoutMs?: number): SignallingClient {
    const socket: SignallingSocket =
      url === undefined ? io({ transports: ['websocket'] }) : io(url, { transports: ['websocket'] });
    return new SignallingClient(socket, ackTimeoutMs);
  }

  createSwarm(request: SwarmCreateRequest): Promise<SignallingResult<SwarmCreated>> {
    return this.#request((ack) => this.socket.emit('swarm:create', request, ack));
  }

  joinSwarm(request: SwarmJoinRequest): Promise<SignallingResult<SwarmJoined>> {
    return this.#request((ack) => this.socket.emit('swarm:join', request, ack));
  }

  sendSignal(request: SignalSendRequest): Promise<SignallingResult> {
    return this.#request((ack) => this.socket.emit('signal:send', request, ack));
  }

  reportProgress(report: ProgressReport): Promise<SignallingResult> {
    return this.#request((ack) => this.socket.emit('progress:report', report, ack));
  }

  /** Follows a swarm without being a peer in it (an overview screen). */
  watchSwarm(request: SwarmWatchRequest): Promise<SignallingResult<SwarmWatched>> {
    return this.#request((ack) => this.socket.emit('swarm:watch', request, ack));
  }

  startRun(request: RunStartRequest): Promise<SignallingResult<{ runNumber: number }>> {
    return this.#request((ack) => this.socket.emit('run:start', request, ack));
  }

  stopRun(): Promise<SignallingResult> {
    return this.#request((ack) => this.socket.emit('run:stop', ack));
  }

  configurePeer(request: PeerConfigureRequest): Promise<SignallingResult> {
    return this.#request((ack) => this.socket.emit('peer:configure', request, ack));
  }

  leaveSwarm(): Promise<SignallingResult> {
    return this.#request((ack) => this.socket.emit('swarm:leave', ack));
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  #request<T extends object>(emit: (ack: (result: SignallingResult<T>) => void) => void): Promise<SignallingResult<T>> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () =>
          resolve({ ok: false, error: { code: 'timeout', message: 'The signalling server did not answer in time.' } }),
        this.#ackTimeoutMs,
      );
      emit((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }
}
