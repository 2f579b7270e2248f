import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { IceServer } from '@swarmlab/protocol';
import { Server, type ServerOptions } from 'socket.io';
import { createAddressBudgets } from './address-budgets';
import { createAddressQuotas, type AddressQuotaSizes } from './address-quotas';
import { addressKey, peerAddress, type ClientAddress } from './client-address';
import { CONNECT_TIMEOUT_MS, createEngineAdmission, handshakeOfRequest } from './engine-admission';
import type { EngineConnection } from './engine-frames';
import { createCodeLookupBudgets } from './code-lookup-budgets';
import { createAnswerBudgets } from './answer-budgets';
import { createRelayBudgets } from './relay-budgets';
import { attachSignallingHandlers } from './handlers';
import { closeSilentConnections } from './first-request-timeout';
import { createHttpHandler } from './http-handler';
import { lanOriginsOf } from './lan-addresses';
import { lanStunServerFor, startLanStun, type LanStun } from './lan-stun';
import { resolveLimits, type ServerLimits } from './limits';
import { createMemorySwarmState, type SwarmStateFactory } from './memory-swarm-state';
import { createRandomIds, type RandomBytes } from './random-ids';
import type { ClockMs } from './clock-ms';
import type { SignallingIo, SignallingSocket } from './signalling-io';
import { attachSocketAdmission } from './socket-admission';
import { createUnknownSwarms } from './unknown-swarm';

/** Everything the signalling server depends on, all optional; tests lower the limits and inject the rest. */
export interface SignallingServerDeps {
  /** Overrides of `DEFAULT_LIMITS`. */
  readonly limits?: Partial<ServerLimits>;
  /** Handed to every client that creates or joins a swarm; none by default (host candidates only). */
  readonly iceServers?: readonly IceServer[];
  /**
   * Whether `listen` also answers STUN on its port number over UDP, and tells each client reaching it by a network
   * address to ask it (`lan-stun.ts`): for a classroom whose Wi-Fi blocks multicast. Off by default; `main.ts` turns it
   * on unless told not to, or behind a proxy.
   */
  readonly lanStun?: boolean;
  /** The built web app (`apps/web/dist`), served with an `index.html` fallback; it must exist. */
  readonly staticDir?: string | undefined;
  /** Where operational lines go (swarm counts, handler failures); `console.log` by default. */
  readonly log?: (line: string) => void;
  /** Source of swarm and peer ids; `node:crypto`'s `randomBytes` by default. */
  readonly randomBytes?: RandomBytes;
  /**
   * Monotonic clock, in milliseconds, of the per-socket rate limiter and of the progress and run times
   * (`performance.now()` by default). The progress broadcast throttle runs on real timers regardless.
   */
  readonly nowMs?: ClockMs;
  /** Wall clock of a run's `startedAtEpochMs` (`Date.now()` by default). */
  readonly epochNowMs?: ClockMs;
  /** How long a TCP connection may stay open without a request (`FIRST_REQUEST_TIMEOUT_MS` by default). */
  readonly firstRequestTimeoutMs?: number;
  /**
   * The address a client's per-address limits count against: the TCP peer's (`handshake.address`) by
   * default. Tests give each client an address of its own through it.
   */
  readonly clientAddress?: ClientAddress;
  /**
   * Where swarms live: this process's memory by default; `connectRedisState` (`redis-swarm-state.ts`)
   * shares them, through Redis, with every process given the same Redis.
   */
  readonly swarmState?: SwarmStateFactory;
  /**
   * The socket.io adapter that carries events between processes (`connectRedisState` gives it with the
   * state); socket.io's in-memory adapter by default.
   */
  readonly adapter?: ServerOptions['adapter'];
}

/** What the server holds right now: all zero but `connections` once every swarm has ended. */
export interface SignallingServerStats {
  readonly connections: number;
  readonly swarms: number;
  /** Swarms with a progress broadcast timer running. */
  readonly pendingBroadcasts: number;
  /** Members whose connection dropped, and restored runs, waited for (`memberGraceMs`). */
  readonly pendingGraces: number;
  /** Entries of the per-address bookkeeping. */
  readonly addressQuotas: AddressQuotaSizes;
  /** Addresses with a byte budget held: connected, or repaying a debt (until it is repaid). */
  readonly addressBudgets: number;
  /** Join codes held: one per live swarm. */
  readonly joinCodes: number;
  /** Display names held, over every swarm. */
  readonly peerNames: number;
  /** Manifests held (`SwarmStoreStats.manifests`). */
  readonly manifests: number;
}

export interface SignallingServer {
  readonly httpServer: HttpServer;
  readonly io: SignallingIo;
  /**
   * Starts listening; port 0 picks a free port, which the result reports. With `lanStun`, the STUN responder's port
   * too: the same number, or none when UDP could not be had there (a warning is logged; signalling works without).
   */
  listen(port: number, host?: string): Promise<{ port: number; lanStunPort?: number }>;
  /** Disconnects every client and stops listening; called again, the same close (a shared state is closed once). */
  close(): Promise<void>;
  stats(): SignallingServerStats;
}

/**
 * Creates (without starting) the HTTP server that serves the web app and `/healthz`, and the socket.io
 * signalling server on it: see the contract in `@swarmlab/protocol`'s `signalling.ts`.
 */
/** How long `close()` lets clients close as they should before it cuts them off. */
export const CLOSE_GRACE_MS = 1000;

export function createSignallingServer(deps: SignallingServerDeps = {}): SignallingServer {
  const limits = resolveLimits(deps.limits);
  const log = deps.log ?? ((line: string) => console.log(line));
  /** The host it listens on, once listening: the LAN origins are this machine's only on every interface. */
  let listeningHost: string | undefined;
  /** The LAN STUN responder, once `listen` started it (and the server is not closing). */
  let lanStun: LanStun | undefined;
  /** Its start, from `listen` on: the close waits for it, so that a responder bound after the close is closed too. */
  let lanStunStart: Promise<LanStun | undefined> | undefined;
  const httpServer = createHttpServer(
    createHttpHandler({
      staticDir: deps.staticDir,
      lanOrigins: (port) => (listeningHost === undefined ? [] : lanOriginsOf(listeningHost, port)),
      healthy: () => reachable(),
    }),
  );
  closeSilentConnections(httpServer, deps.firstRequestTimeoutMs);
  /** Whether the shared state answers this process (`SwarmState.reachable`), once it exists. */
  let reachable = (): boolean => true;
  const clientAddress = deps.clientAddress ?? peerAddress;
  const engineAdmission = createEngineAdmission({
    maxEngineConnectionsPerAddress: limits.maxEngineConnectionsPerAddress,
    addressOfRequest: (request) => addressKey(clientAddress(handshakeOfRequest(request))),
    log,
    nowMs: deps.nowMs,
  });
  const io: SignallingIo = new Server(httpServer, {
    // What the largest valid request needs: a larger frame is dropped, and its sender disconnected, unread.
    maxHttpBufferSize: limits.maxEventBytes,
    // Cut off from its shared state, the process takes no connection: its requests would wait for ever.
    allowRequest: (request, callback) =>
      reachable()
        ? engineAdmission.allowRequest(request, callback)
        : callback('this server cannot reach its shared state: try another', false),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // The web app bundles socket.io-client itself.
    serveClient: false,
    // Websockets only, as every client of this project connects: what a websocket holds unsent is counted
    // (`send-backlogs.ts`), where a polling response sent on a connection never read was held without bound
    // (found by review). A LAN has no proxy to need long-polling.
    transports: ['websocket'],
    ...(deps.adapter !== undefined && { adapter: deps.adapter }),
  });

  engineAdmission.attach(io);
  const nowMs = deps.nowMs ?? (() => performance.now());
  const addressOf = (socket: SignallingSocket): string => addressKey(clientAddress(socket.handshake));
  const quotas = createAddressQuotas(limits);
  const budgets = createAddressBudgets(limits, deps.nowMs);
  // Admission first: its connection listener and event middleware come before any handler.
  attachSocketAdmission({ io, limits, quotas, budgets, addressOf, log, nowMs });
  const randomBytes = deps.randomBytes ?? nodeRandomBytes;
  const state = (deps.swarmState ?? createMemorySwarmState)({
    limits,
    quotas,
    nowMs: deps.nowMs,
    epochNowMs: deps.epochNowMs,
    randomBytes,
    log,
  });
  reachable = () => state.reachable();
  const handlers = attachSignallingHandlers({
    io,
    state,
    ids: createRandomIds(randomBytes),
    limits,
    addressOf,
    iceServersFor: (socket) => {
      const configured = deps.iceServers ?? [];
      const own = lanStun && lanStunServerFor(socket.handshake.headers.host, lanStun.port);
      return own ? [own, ...configured] : configured;
    },
    log,
    codeLookups: createCodeLookupBudgets(limits, nowMs),
    answers: createAnswerBudgets(limits, nowMs),
    relays: createRelayBudgets(limits, nowMs),
    unknownSwarms: createUnknownSwarms({
      nowMs,
      graceMs: limits.memberGraceMs,
      startsEmpty: state.startsEmpty,
    }),
  });

  /** Closes the server (`SignallingServer.close`), once. */
  const closeOnce = async (): Promise<void> => {
    // Stops the progress broadcasts (disconnects below change swarms, and must not start new ones),
    // closes every socket.io connection, then the HTTP server (resolves even if it never listened).
    handlers.close();
    budgets.dispose();
    // No client holds the close up for long: an asleep laptop's websocket, or a request never finished, kept it
    // waiting for tens of seconds (ws's close handshake, the HTTP server's header timeout), and `main` gave up before
    // the state's last writes (found by review). Clients that answer close as they should, within
    // `CLOSE_GRACE_MS`; then HTTP connections are cut and websockets, no longer the HTTP server's, terminated (taken
    // before the close starts: engine.io forgets each at once, its websocket still waiting on the client).
    // (`clients` is engine.io's own list of its connections: public in JavaScript, protected in its typings.)
    const { clients } = io.engine as unknown as { readonly clients: Readonly<Record<string, EngineConnection>> };
    const websockets = Object.values(clients).flatMap((client) => client.transport?.socket ?? []);
    const ioClosed = io.close();
    const forced = setTimeout(() => {
      httpServer.closeAllConnections();
      for (const websocket of websockets) websocket.terminate?.();
    }, CLOSE_GRACE_MS);
    await ioClosed;
    clearTimeout(forced);
    // The disconnects of the close, and requests under way, write before the state closes.
    await handlers.settled(CLOSE_GRACE_MS);
    await (await lanStunStart)?.close();
    await state.close();
  };
  let serverClosing: Promise<void> | undefined;

  return {
    httpServer,
    io,
    listen(port, host) {
      const listening = new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          listeningHost = host ?? '';
          const address = httpServer.address();
          resolve(typeof address === 'object' && address !== null ? address.port : port);
        });
      });
      return listening.then(async (listeningPort) => {
        if (!deps.lanStun || serverClosing) return { port: listeningPort };
        lanStunStart = startLanStun({
          host: host ?? '::',
          port: listeningPort,
          onError: (error) => log(`error: LAN STUN socket: ${error.message}`),
          onBindError: (address, error) =>
            log(`warning: LAN STUN: UDP port ${listeningPort} on ${address} cannot be had (${error.message})`),
          connected: (address) => {
            const key = addressKey(address);
            return engineAdmission.connectedFrom(key) ? key : undefined;
          },
        }).catch((error: unknown) => {
          const reason = error instanceof Error ? error.message : String(error);
          log(
            `warning: no LAN STUN: UDP port ${listeningPort} cannot be had (${reason}); pairs on a network that blocks multicast will not connect`,
          );
          return undefined;
        });
        const started = await lanStunStart;
        // Closed meanwhile: the close closes it (it waits for the start).
        if (!started || serverClosing) return { port: listeningPort };
        lanStun = started;
        return { port: listeningPort, lanStunPort: started.port };
      });
    },
    close() {
      // Once: a second close closed the shared state again, its Redis client already closed (an error logged).
      serverClosing ??= closeOnce();
      return serverClosing;
    },
    stats: () => ({
      connections: io.of('/').sockets.size,
      pendingBroadcasts: handlers.pendingBroadcasts,
      pendingGraces: handlers.pendingGraces,
      addressQuotas: quotas.sizes(),
      addressBudgets: budgets.size,
      ...state.store.stats(),
    }),
  };
}
