import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a TCP connection may stay open without a request (a page, the health check, a websocket's upgrade): a
 * browser sends its request at once; 10 s spares a slow phone on a crowded Wi-Fi.
 */
export const FIRST_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Closes every connection to `server` that has made no request within `timeoutMs`. Node's own timeouts start with a
 * request's first byte: a connection that sent nothing stayed open for good (seen open after two minutes), counted
 * by no per-address limit (those count socket.io's connections), each holding a file descriptor; a few hundred
 * left the server unable to answer anyone (found by review).
 */
export function closeSilentConnections(server: HttpServer, timeoutMs = FIRST_REQUEST_TIMEOUT_MS): void {
  const waiting = new Map<Socket, ReturnType<typeof setTimeout>>();
  const answered = (socket: Socket): void => {
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
  };
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      waiting.delete(socket);
      socket.destroy();
    }, timeoutMs);
    timer.unref();
    waiting.set(socket, timer);
    socket.once('close', () => answered(socket));
  });
  server.on('request', (request: { socket: Socket }) => answered(request.socket));
  // A websocket's upgrade is a request too; socket.io listens for it as well (Node hands the socket over to it).
  server.prependListener('upgrade', (request: { socket: Socket }) => answered(request.socket));
}
