import type { IncomingMessage } from 'node:http';
import type { AddressKey } from './address-quotas';
import type { Handshake } from './client-address';
import type { ClockMs } from './clock-ms';
import { guardEngineFrames, type EngineConnection } from './engine-frames';
import type { SignallingIo } from './signalling-io';

/**
 * How long an engine.io connection may go without asking for a socket.io one (socket.io's default is 45 s): an
 * honest client asks at once.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/** socket.io's `allowRequest` and what counts the connections it decides on. */
export interface EngineAdmission {
  /** For `new Server(…, { allowRequest })`: refuses a new engine.io connection while its address is at its cap. */
  readonly allowRequest: (request: IncomingMessage, callback: (error: string | null, allowed: boolean) => void) => void;
  /**
   * Counts `io`'s engine.io connections, each from its opening to its close, and guards the frames of each that no
   * socket.io budget charges (`guardEngineFrames`).
   */
  attach(io: SignallingIo): void;
  /** Whether `address` holds an engine.io connection now (the LAN STUN responder answers it past its flood budget). */
  connectedFrom(address: AddressKey): boolean;
}

/**
 * Counts engine.io connections per address (`addressOfRequest`) and refuses a new one, at the websocket
 * handshake, while its address holds `maxEngineConnectionsPerAddress`. Per process, as the socket.io counts are.
 */
export function createEngineAdmission(options: {
  readonly maxEngineConnectionsPerAddress: number;
  readonly addressOfRequest: (request: IncomingMessage) => AddressKey;
  readonly log?: ((line: string) => void) | undefined;
  readonly nowMs?: ClockMs | undefined;
}): EngineAdmission {
  const { maxEngineConnectionsPerAddress: cap, addressOfRequest } = options;
  const connections = new Map<AddressKey, number>();
  /** socket.io connections riding on each engine.io connection now. */
  const attached = new WeakMap<object, number>();
  return {
    connectedFrom: (address) => connections.has(address),
    allowRequest(request, callback) {
      const allowed = (connections.get(addressOfRequest(request)) ?? 0) < cap;
      callback(allowed ? null : 'too many connections from this address', allowed);
    },
    attach(io) {
      io.engine.on(
        'connection',
        (socket: EngineConnection & { request: IncomingMessage; once(event: 'close', listener: () => void): void }) => {
          const address = addressOfRequest(socket.request);
          connections.set(address, (connections.get(address) ?? 0) + 1);
          socket.once('close', () => {
            const left = (connections.get(address) ?? 1) - 1;
            if (left > 0) connections.set(address, left);
            else connections.delete(address);
          });
          guardEngineFrames(socket, {
            attached: () => (attached.get(socket) ?? 0) > 0,
            closed: (why) => options.log?.(`refused: a websocket from ${address} ${why}: closed`),
            nowMs: options.nowMs,
          });
        },
      );
      // Registered before any other connection listener (`createSignallingServer`), so it sees every socket.io
      // connection before one is disconnected.
      io.on('connection', (socket) => {
        if (socket.disconnected) return;
        const connection: object = socket.conn;
        attached.set(connection, (attached.get(connection) ?? 0) + 1);
        socket.once('disconnect', () => attached.set(connection, (attached.get(connection) ?? 1) - 1));
      });
    },
  };
}

/**
 * What a `ClientAddress` can read of a request before socket.io made a handshake of it: its TCP peer and headers
 * (a proxy's forwarded header), no `auth` (it comes with the socket.io connection, later).
 */
export function handshakeOfRequest(request: IncomingMessage): Handshake {
  const handshake: Pick<Handshake, 'address' | 'headers' | 'auth' | 'query'> = {
    address: request.socket.remoteAddress ?? '',
    headers: request.headers,
    auth: {},
    query: {},
  };
  return handshake as Handshake;
}
