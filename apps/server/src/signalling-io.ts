import type { ClientToServerEvents, ServerToClientEvents } from '@swarmlab/protocol';
import type { Server, Socket } from 'socket.io';

/** No events of our own between server processes: on Redis they share the swarms' records and socket.io's adapter. */
export type InterServerEvents = Record<never, never>;

/** Per-socket state lives in the swarm registry and in handler closures, not on `socket.data`. */
export type SocketData = Record<never, never>;

/** The socket.io server, typed with the shared signalling contract. */
export type SignallingIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type SignallingSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
