import { isClientRequest } from '@swarmlab/protocol';
import type { ExtendedError } from 'socket.io';
import type { AddressBudgets } from './address-budgets';
import type { AddressKey, AddressQuotas } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';
import { refuse } from './refusals';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import { SendBacklogs } from './send-backlogs';
import { createSocketBudget } from './socket-budget';

/**
 * How long a connection the server ended itself may take to read what is queued for it, its disconnect packet last,
 * before it is torn down: a tab reads it in milliseconds.
 */
export const SERVER_CLOSE_DRAIN_MS = 3000;

/** How much of an unknown event's name its refusal repeats: the name is the client's, of any length. */
const MAX_EVENT_NAME_TOLD_CHARS = 64;

export interface SocketAdmissionDeps {
  readonly io: SignallingIo;
  readonly limits: ServerLimits;
  readonly quotas: AddressQuotas;
  readonly budgets: AddressBudgets;
  /** The address key a socket's per-address limits count against. */
  readonly addressOf: (socket: SignallingSocket) => AddressKey;
  readonly log: (line: string) => void;
  readonly nowMs?: ClockMs | undefined;
}

/** What engine.io reports for each packet it receives; `data` is a message's text or binary frame. */
interface EnginePacket {
  readonly type: string;
  readonly data?: unknown;
}

function frameBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/** The bytes of a packet engine.io queues or flushes (strings by their length: what JSON mostly is). */
function packetBytes(packet: EnginePacket): number {
  return typeof packet.data === 'string' ? packet.data.length : frameBytes(packet.data);
}

/** What engine.io's socket under a socket.io one exposes of its queue (not in its typings). */
interface EngineQueue {
  /** engine.io's `Socket.readyState`: 'opening', 'open', 'closing' or 'closed'. */
  readonly readyState?: string;
  readonly writeBuffer?: readonly EnginePacket[];
  /** The websocket transport's `ws` socket (the only transport served). */
  readonly transport?: { readonly socket?: { readonly bufferedAmount?: number; terminate?(): void } };
}

/**
 * What every connection and every event passes before any handler sees it:
 * - a connection is refused (socket.io's `connect_error`, with the refusal as its `data`)
 *   `too-many-connections` when its address already has `maxConnectionsPerAddress`, and `rate-limited`
 *   while its address owes bytes;
 * - every frame a socket sends is charged to its byte budget and its address's as it arrives, before
 *   socket.io parses it, and a socket that runs either a whole burst into debt is disconnected (one log
 *   line);
 * - every event, with or without an acknowledgement, known or not, takes a request token and needs a
 *   budget out of debt: otherwise it is answered `rate-limited` if it has an acknowledgement, and
 *   dropped either way;
 * - an admitted event that is no request of the protocol is answered `invalid-payload` if it has an
 *   acknowledgement (no handler would answer it), and dropped either way.
 */
export function attachSocketAdmission(deps: SocketAdmissionDeps): void {
  const { io, limits, quotas, budgets, addressOf, log } = deps;
  const backlogs = new SendBacklogs(limits, deps.nowMs ?? (() => performance.now()));

  io.use((socket, next) => {
    const address = addressOf(socket);
    const code = !quotas.canConnect(address)
      ? 'too-many-connections'
      : budgets.inDebt(address)
        ? 'rate-limited'
        : undefined;
    if (code === undefined) return next();
    const { error } = refuse(code);
    const refusal: ExtendedError = Object.assign(new Error(error.message), { data: error });
    next(refusal);
  });

  io.on('connection', (socket) => {
    const address = addressOf(socket);
    // Two handshakes from one address may pass the middleware in the same tick: the count decides.
    if (!quotas.tryConnect(address)) {
      socket.disconnect(true);
      return;
    }
    const budget = createSocketBudget(limits, budgets.open(address), deps.nowMs);
    const engine = socket.conn as unknown as EngineQueue;
    // Checked as each packet is queued for the client (an answer, a broadcast): one that does not read is cut
    // off, as a network drop is, rather than buffered without limit (`send-backlogs.ts`).
    const backlog = backlogs.open(
      address,
      {
        get writeBufferPackets() {
          return engine.writeBuffer?.length ?? 0;
        },
        get transportBufferedBytes() {
          return engine.transport?.socket?.bufferedAmount ?? 0;
        },
      },
      (why) => {
        const bound =
          why === 'socket'
            ? `${limits.maxSocketBacklogBytes} bytes queued for it`
            : `${limits.maxAddressBacklogBytes} bytes queued for its address, the most of them for it`;
        log(`refused: a socket from ${address} read nothing of ${bound}: closed`);
        // Discarding what is queued: a close that waits for the client to read it would wait for ever. engine.io
        // drops its own queue; the websocket's, closed gracefully, would be held 30 s more: it is torn down.
        socket.conn.close(true);
        engine.transport?.socket?.terminate?.();
      },
    );
    const onPacketCreate = (packet: EnginePacket): void => {
      if (!socket.disconnected) backlog.queued(packetBytes(packet));
    };
    const onFlush = (flushed: readonly EnginePacket[]): void => {
      let bytes = 0;
      for (const packet of flushed) bytes += packetBytes(packet);
      backlog.flushed(bytes);
    };
    // Every frame, whatever its engine.io type: a flood of `noop` or unprompted `pong` frames went uncharged
    // (found by review). An honest client sends one pong every 25 s.
    const onPacket = (packet: EnginePacket): void => {
      if (socket.disconnected) return;
      const verdict = budget.received(frameBytes(packet.data));
      if (verdict === 'within') return;
      if (verdict === 'own-debt') {
        log(`refused: a socket from ${address} kept sending far past its byte budget: disconnected`);
        socket.disconnect(true);
        return;
      }
      // Maybe a classmate of a flooder behind the same NAT: closed as a drop, it keeps its place for its grace period
      // (its reconnection is refused until the address repaid).
      log(
        `refused: a socket from ${address} spent more than a bystander while its address was a whole burst in ` +
          `debt: its connection closed (a drop: its place is kept for its grace period)`,
      );
      socket.conn.close(true);
      engine.transport?.socket?.terminate?.();
    };
    socket.conn.on('packetCreate', onPacketCreate);
    socket.conn.on('flush', onFlush);
    socket.conn.on('packet', onPacket);
    socket.on('disconnect', (reason) => {
      quotas.disconnected(address);
      budgets.close(address);
      backlog.close();
      // Its engine.io connection may live on (a namespace disconnect, or a close waiting for the client to read) with
      // packets still queued for it, which no backlog counts any more: a client that read nothing and connected,
      // asked and disconnected in a loop on one connection had 30 MB queued past its 8 MB bound (found by review).
      const unsent = (engine.writeBuffer?.length ?? 0) > 0 || (engine.transport?.socket?.bufferedAmount ?? 0) > 0;
      // Not as the server shuts down, nor when the server ended this socket.io connection itself: it closes the
      // connection next, once the disconnect packet it just queued is written (torn down here, that packet was
      // lost, and a tab whose place another connection took over saw a network drop and reconnected). A client
      // leaving as it should may have answers still queued too: closed the same, without a word of refusal.
      const closedByServer = reason === 'server shutting down' || reason === 'server namespace disconnect';
      if (!closedByServer && engine.readyState === 'open' && unsent) {
        log(`a socket from ${address} ended its socket.io connection with packets still queued: its connection closed`);
        socket.conn.close(true);
        engine.transport?.socket?.terminate?.();
      } else if (reason === 'server namespace disconnect' && unsent) {
        // The server's own close waits for the client to read what is queued, the disconnect packet last: one that
        // reads nothing held megabytes no backlog counts for 75 s (engine.io's ping timeout, then the websocket's
        // close handshake; found by review). It is given a moment, then torn down.
        // (engine.io's side may be closed already, its queue handed to the websocket, whose close waits 30 s for the
        // client's answer: the websocket goes too.)
        const websocket = engine.transport?.socket;
        setTimeout(() => {
          if (engine.readyState !== 'closed') socket.conn.close(true);
          websocket?.terminate?.();
        }, SERVER_CLOSE_DRAIN_MS).unref();
      }
      // Its engine.io connection may carry another socket.io connection after it (a client connecting and
      // disconnecting in a loop on one connection): left on, each socket's listeners piled up on it for good.
      socket.conn.off('packetCreate', onPacketCreate);
      socket.conn.off('flush', onFlush);
      socket.conn.off('packet', onPacket);
    });
    socket.use((event, next) => {
      const ack: unknown = event.at(-1);
      if (!budget.admit()) {
        if (typeof ack === 'function') ack(refuse('rate-limited'));
        return;
      }
      const name = String(event[0]);
      // An event no handler listens to was never answered: its client (a typo, a newer client than this server)
      // waited its whole timeout to learn nothing (found by review).
      if (typeof ack === 'function' && !isClientRequest(name)) {
        const told = JSON.stringify(name.slice(0, MAX_EVENT_NAME_TOLD_CHARS));
        ack(refuse('invalid-payload', `unknown event ${told}`));
        return;
      }
      next();
    });
  });
}
