import {
  checkServerAnswer,
  checkServerEvent,
  type AnswerTo,
  type ServerEventPayload,
  type ClientToServerEvents,
  type CodeResolved,
  type CodeResolveRequest,
  type PeerNameRequest,
  type PeerConfigureRequest,
  type ProgressReport,
  type RunStartRequest,
  type ServerToClientEvents,
  type SignallingResult,
  type SignalSendRequest,
  type SwarmCreated,
  type SwarmId,
  type SwarmCreateRequest,
  type SwarmJoined,
  type SwarmJoinRequest,
  type SwarmRestoreRequest,
  type SwarmResumed,
  type SwarmResumeRequest,
  type SwarmWatched,
  type SwarmWatchRequest,
  type SignallingError,
  type SignallingErrorCode,
} from '@swarmlab/protocol';
import { io, type Socket } from 'socket.io-client';

export type SignallingSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The refusals a server gives a connection itself (in `connect_error`), rather than a request. */
const CONNECTION_REFUSALS: ReadonlySet<string> = new Set<SignallingErrorCode>(['too-many-connections', 'rate-limited']);

/** The server's refusal carried by a `connect_error`, if that is what it is (untrusted input: checked). */
function connectionRefusalOf(data: unknown): SignallingError | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { code, message } = data as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !CONNECTION_REFUSALS.has(code)) return undefined;
  if (typeof message !== 'string' || message.length > 500) return undefined;
  return { code: code as SignallingErrorCode, message };
}

/** How long a request waits for the server's acknowledgement. */
export const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/**
 * The first new try after the server turned a reconnection away (`connect_error`), doubling to
 * `MAX_REFUSED_RECONNECT_DELAY_MS`, each randomised by half: socket.io would not try again, and the tabs
 * of a classroom turned away together should not all come back at once.
 */
export const DEFAULT_REFUSED_RECONNECT_DELAY_MS = 5000;
const MAX_REFUSED_RECONNECT_DELAY_MS = 30_000;

/** How a client waits on its server (tests shorten it). */
export interface SignallingTiming {
  /** How long a request waits for its acknowledgement; `DEFAULT_ACK_TIMEOUT_MS` by default. */
  readonly ackTimeoutMs?: number;
  /** The first wait after a reconnection was turned away; `DEFAULT_REFUSED_RECONNECT_DELAY_MS` by default. */
  readonly refusedReconnectDelayMs?: number;
}

/**
 * The signalling connection as a tab's user should know it:
 * - `connecting`: before the first connection;
 * - `connected`;
 * - `lost`: it dropped (the server restarted, Wi-Fi roamed); socket.io reconnects with backoff (1 s, doubling,
 *   at most 5 s, randomised by half), `attempt` counting the tries since. A reconnection the server turns
 *   away (`too-many-connections`, `rate-limited`: both pass) is tried again later, the state staying `lost`;
 * - `refused`: the server refused the first connection itself (`error` says why); no more tries. A first
 *   connection refused `rate-limited` (its address owes bytes: that passes) is not refused for good: it stays
 *   `connecting` and is tried again later, every request meanwhile answered that refusal at once.
 */
export type SignallingConnection =
  | { readonly state: 'connecting' }
  | { readonly state: 'connected' }
  | { readonly state: 'lost'; readonly attempt: number }
  | { readonly state: 'refused'; readonly error: SignallingError };

/** What a request sent while the connection is lost resolves to at once (socket.io would hold it until it is back). */
export const SIGNALLING_LOST: SignallingError = {
  code: 'signalling-lost',
  message: 'The signalling server is out of reach: reconnecting.',
};

/**
 * What a request resolves to at once once this client closed its connection (`disconnect`, `dropConnection`): socket.io
 * would hold it for a connection that never comes, until its time-out. Nothing reconnects, unlike `SIGNALLING_LOST`, so
 * its code is its own: the loops that ask again on `signalling-lost` (`untilRegistered`, `sentUntilTaken`) would have
 * asked a closed client for their whole patience.
 */
export const SIGNALLING_CLOSED: SignallingError = {
  code: 'signalling-closed',
  message: 'The connection to the signalling server was closed.',
};

/** A socket's listeners as socket.io keeps them, for one event named by a type parameter. */
interface UntypedEvents {
  on(event: string, listener: (payload: unknown) => void): unknown;
  off(event: string, listener: (payload: unknown) => void): unknown;
}

/** A message from the server that this client did not act on, because it could not read it. */
export interface MalformedServerMessage {
  /** The event pushed, or the request whose answer it was. */
  readonly name: string;
  /** What was wrong with it, in one line. */
  readonly problem: string;
}

/** The first retry after the server itself closed the connection (it shut down): socket.io would not retry. */
const RECONNECT_AFTER_SERVER_CLOSE_MS = 1000;

/** How an answer names the swarm a request is about (`SignallingClient.swarmId`). */
interface SwarmAnswer<T> {
  /** The swarm the request is about: the one asked for, or the one the answer made. */
  readonly follows: (answer: T) => SwarmId;
  /** Every swarm id the answer carries (default: its `swarmId`), all of which must be `follows`'. */
  readonly names?: (answer: T) => readonly unknown[];
  /** The swarm asked for, known before the answer; null for one the answer makes (a create). */
  readonly asked: SwarmId | null;
}

/**
 * The signalling server as a typed API: each request resolves to the server's `SignallingResult`,
 * or to a `timeout` error when no answer comes. Never rejects.
 */
export class SignallingClient {
  readonly socket: SignallingSocket;
  readonly #ackTimeoutMs: number;
  readonly #refusedReconnectDelayMs: number;
  /** Reconnections turned away in a row. */
  #refusedReconnects = 0;
  /** The server's refusal of the connection itself (e.g. `too-many-connections`), once it said so. */
  #refusal: SignallingError | undefined;
  /** The first connection's refusal that passes (`rate-limited`), until a later try is let in. */
  #passingRefusal: SignallingError | undefined;
  readonly #waiting = new Set<(error: SignallingError) => void>();
  #connection: SignallingConnection = { state: 'connecting' };
  readonly #connectionListeners = new Set<(connection: SignallingConnection) => void>();
  readonly #malformedListeners = new Set<(message: MalformedServerMessage) => void>();
  #closedByUs = false;
  /** The swarm this connection created, joined or watches, once the server's answer said so (`swarmId`). */
  #swarmId: SwarmId | undefined;
  /** The swarm each request waiting for its answer asks about (null: the one a create makes). */
  readonly #asking: Array<{ readonly swarmId: SwarmId | null }> = [];
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connections = 0;

  constructor(socket: SignallingSocket, timing: SignallingTiming = {}) {
    this.socket = socket;
    this.#ackTimeoutMs = timing.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.#refusedReconnectDelayMs = timing.refusedReconnectDelayMs ?? DEFAULT_REFUSED_RECONNECT_DELAY_MS;
    // A server that refuses the connection says why in the error's `data`; socket.io does not retry then.
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      const refusal = connectionRefusalOf(error.data);
      if (this.#closedByUs) return;
      // Turned away while coming back (a classroom reconnecting at once after a restart): the limits it hit
      // pass, and this member's place and transfers wait for it, so it tries again later. So is any refusal
      // after which socket.io will not try again itself (`active` false), one this version does not know
      // included (a newer server's, a middleware that threw): it would otherwise stay lost for ever.
      if (this.#connection.state === 'lost' && (refusal || !this.socket.active))
        return this.#reconnectAfterRefusal(this.#connection.attempt);
      // The first connection, turned away by a refusal this version does not know: tried again later, as above (it
      // stayed connecting for ever, with no further try, and every request timed out).
      if (!refusal) {
        if (!this.socket.active) this.#connectLater();
        return;
      }
      // The first connection: every request waiting, and every later one, gets that answer at once; for good,
      // unless it passes. A page opened while its classroom's address owed bytes (everyone registering their
      // swarm again after a restart) was otherwise refused for good, and its join asked again in vain.
      if (refusal.code === 'rate-limited') {
        this.#passingRefusal = refusal;
        // Answered here, each taken back from what socket.io holds (with its answer handler): it would send it once a
        // later try is let in, a join refused here among it (the tab then asks again: two members).
        this.#answerWaiting(refusal);
        this.socket.sendBuffer = [];
        this.#connectLater();
        return;
      }
      this.#refusal = refusal;
      this.#setConnection({ state: 'refused', error: refusal });
      this.#answerWaiting(refusal);
    });
    socket.on('connect', () => {
      this.#passingRefusal = undefined;
      this.#connections++;
      this.#refusedReconnects = 0;
      this.#setConnection({ state: 'connected' });
    });
    socket.on('disconnect', (reason) => {
      if (this.#closedByUs) return;
      // Whatever was waiting for an answer will get none on this connection.
      this.#answerWaiting(SIGNALLING_LOST);
      this.#setConnection({ state: 'lost', attempt: 0 });
      // socket.io retries by itself, except after the server closed the connection (it shut down).
      if (reason === 'io server disconnect') {
        this.#retryTimer = setTimeout(() => this.socket.connect(), RECONNECT_AFTER_SERVER_CLOSE_MS);
      }
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      if (this.#connection.state === 'lost') this.#setConnection({ state: 'lost', attempt });
    });
  }

  /** The connection's state now. */
  get connection(): SignallingConnection {
    return this.#connection;
  }

  /**
   * Connections made so far (1 once the first is up): an answer received on connection n belongs to the server's
   * view of that connection, which a later one does not share.
   */
  get connectionNumber(): number {
    return this.#connections;
  }

  /** Calls `listener` on every change of `connection` (not with the current one); returns the unsubscription. */
  onConnectionChange(listener: (connection: SignallingConnection) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /**
   * Calls `handler` with each `event` the server pushes whose payload checks out (`serverEventSchemas`);
   * one that does not is dropped and told to `onMalformedMessage`'s listeners. Returns the unsubscription.
   */
  on<E extends keyof ServerToClientEvents>(event: E, handler: (payload: ServerEventPayload<E>) => void): () => void {
    const listener = (payload: unknown): void => {
      const checked = checkServerEvent(event, payload);
      if (!checked.ok) return this.#malformed({ name: event, problem: checked.problem });
      const other = this.#otherSwarmIn(checked.value);
      if (other === undefined) handler(checked.value);
      else {
        const own = this.#swarmId ?? `${this.#asking.map(({ swarmId }) => swarmId).join(' or ')}, the one asked for`;
        this.#malformed({ name: event, problem: `it is about swarm ${other}, not this page's ${own}` });
      }
    };
    // socket.io's typed `on` cannot be named for a generic event: what it hands over is checked above instead.
    const socket = this.socket as unknown as UntypedEvents;
    socket.on(event, listener);
    return () => void socket.off(event, listener);
  }

  /** Calls `listener` with each message from the server that was dropped unread; returns the unsubscription. */
  onMalformedMessage(listener: (message: MalformedServerMessage) => void): () => void {
    this.#malformedListeners.add(listener);
    return () => this.#malformedListeners.delete(listener);
  }

  /**
   * The swarm this connection created, joined, watches or took its place back in, once the server's answer said
   * so (or asked for, once an answer about another was refused): news the server pushes of another swarm (a table,
   * an end, a run started or stopped) is dropped as malformed. Before, another swarm's
   * table was drawn, and recorded in the run history, as this page's swarm's, and its end ended this page's.
   */
  get swarmId(): SwarmId | undefined {
    return this.#swarmId;
  }

  /**
   * The swarm `value` names, when it names one and that is not this connection's: once an answer said which that is,
   * any other; before, one that no request waiting for its answer asked about (the server may send a swarm's news
   * before its answer, but news of another swarm was drawn, and recorded, as the one asked for; found by review).
   */
  #otherSwarmIn(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null || !('swarmId' in value)) return undefined;
    // A run's news from a server before it named the swarm carries none.
    const named = value.swarmId;
    if (named === undefined) return undefined;
    if (this.#swarmId !== undefined) return named === this.#swarmId ? undefined : String(named);
    if (this.#asking.length === 0 || this.#asking.some(({ swarmId }) => swarmId === null || swarmId === named))
      return undefined;
    return String(named);
  }

  /** Why the server refused this connection, if it did (then no request can succeed). */
  get refusal(): SignallingError | undefined {
    return this.#refusal;
  }

  /** Why the server turned the first connection away for a moment (`rate-limited`), until a later try is let in. */
  get passingRefusal(): SignallingError | undefined {
    return this.#passingRefusal;
  }

  /**
   * Drops this connection's transport, as a network drop does, and lets socket.io reconnect: the server takes
   * the old connection for a drop (a member's place is kept for the grace period), where closing the socket.io
   * connection itself (`disconnect`) would tell it this tab left for good. For a request whose outcome is
   * unknown (it timed out, or failed inside the server), which the same connection cannot simply ask again.
   */
  reconnect(): void {
    if (this.#closedByUs || !this.socket.connected) return;
    this.socket.io.engine.close();
  }

  /**
   * Connects to the server at `url` (the page's own origin by default), on a socket.io manager of its own: socket.io
   * keeps the first manager made for a URL for the page's life, and with it that client's socket and listeners,
   * which held a session left long ago (its manifest, tables, finished run) until the tab closed (found by review).
   */
  static connect(url?: string, timing?: SignallingTiming): SignallingClient {
    const options = { transports: ['websocket'], forceNew: true };
    const socket: SignallingSocket = url === undefined ? io(options) : io(url, options);
    return new SignallingClient(socket, timing);
  }

  createSwarm(request: SwarmCreateRequest): Promise<SignallingResult<SwarmCreated>> {
    return this.#request('swarm:create', (ack) => this.socket.emit('swarm:create', request, ack), {
      follows: (created) => created.swarmId,
      asked: null,
    });
  }

  joinSwarm(request: SwarmJoinRequest): Promise<SignallingResult<SwarmJoined>> {
    return this.#request('swarm:join', (ack) => this.socket.emit('swarm:join', request, ack), {
      follows: () => request.swarmId,
      asked: request.swarmId,
    });
  }

  sendSignal(request: SignalSendRequest): Promise<SignallingResult> {
    return this.#request('signal:send', (ack) => this.socket.emit('signal:send', request, ack));
  }

  reportProgress(report: ProgressReport): Promise<SignallingResult> {
    return this.#request('progress:report', (ack) => this.socket.emit('progress:report', report, ack));
  }

  /** Follows a swarm without being a peer in it (an overview screen). */
  watchSwarm(request: SwarmWatchRequest): Promise<SignallingResult<SwarmWatched>> {
    return this.#request('swarm:watch', (ack) => this.socket.emit('swarm:watch', request, ack), {
      follows: () => request.swarmId,
      asked: request.swarmId,
      // Its table too: the screen draws it at once.
      names: (watched) => [watched.swarmId, watched.progress.swarmId],
    });
  }

  startRun(request: RunStartRequest): Promise<SignallingResult<{ runNumber: number }>> {
    return this.#request('run:start', (ack) => this.socket.emit('run:start', request, ack));
  }

  stopRun(): Promise<SignallingResult> {
    return this.#request('run:stop', (ack) => this.socket.emit('run:stop', ack));
  }

  configurePeer(request: PeerConfigureRequest): Promise<SignallingResult> {
    return this.#request('peer:configure', (ack) => this.socket.emit('peer:configure', request, ack));
  }

  /** Which swarm a join code names (its share link's swarm id and content id). */
  resolveCode(request: CodeResolveRequest): Promise<SignallingResult<CodeResolved>> {
    return this.#request('code:resolve', (ack) => this.socket.emit('code:resolve', request, ack));
  }

  /** Sets this member's display name for every screen (null: none). */
  setName(request: PeerNameRequest): Promise<SignallingResult> {
    return this.#request('peer:name', (ack) => this.socket.emit('peer:name', request, ack));
  }

  leaveSwarm(): Promise<SignallingResult> {
    return this.#request('swarm:leave', (ack) => this.socket.emit('swarm:leave', ack));
  }

  /** Takes this tab's place in its swarm back on a new connection. */
  resumeSwarm(request: SwarmResumeRequest): Promise<SignallingResult<SwarmResumed>> {
    return this.#request('swarm:resume', (ack) => this.socket.emit('swarm:resume', request, ack), {
      follows: () => request.swarmId,
      asked: request.swarmId,
    });
  }

  /** Registers the swarm again (the server forgot it), with its file, and takes this tab's place in it. */
  restoreSwarm(request: SwarmRestoreRequest): Promise<SignallingResult<SwarmResumed>> {
    return this.#request('swarm:restore', (ack) => this.socket.emit('swarm:restore', request, ack), {
      follows: () => request.swarmId,
      asked: request.swarmId,
    });
  }

  /**
   * Closes the connection for good as a network drop does (no reconnection): the server keeps this member's place for
   * its grace period, where `disconnect` would tell it this tab left. For a page unloading as its swarm's last member:
   * a reload then finds the swarm still there (left, the swarm ended with it, and the reloaded teacher's tab was
   * told its swarm was unknown; found by review).
   */
  dropConnection(): void {
    this.#closedByUs = true;
    clearTimeout(this.#retryTimer);
    this.socket.io.reconnection(false);
    this.socket.io.engine?.close();
    this.#answerWaiting(SIGNALLING_CLOSED);
    this.#forgetListeners();
  }

  /**
   * Closes the connection for good: the server takes it as this tab leaving. A request still waiting is answered
   * `signalling-closed` at once (socket.io would never call its acknowledgement, and it would wait its time-out), and so
   * is every later one (`SIGNALLING_CLOSED`).
   */
  disconnect(): void {
    this.#closedByUs = true;
    clearTimeout(this.#retryTimer);
    this.socket.disconnect();
    this.#answerWaiting(SIGNALLING_CLOSED);
    this.#forgetListeners();
  }

  /**
   * Drops every listener of the socket and its manager, once this client closed them (their handlers ignore whatever
   * comes after): what they reach (a session's state, a screen's tables) is no longer held by a socket.io object that
   * something may still hold (found by review).
   */
  #forgetListeners(): void {
    this.socket.removeAllListeners();
    this.socket.io.removeAllListeners();
  }

  #reconnectAfterRefusal(attempt: number): void {
    this.#connectLater();
    this.#setConnection({ state: 'lost', attempt: attempt + 1 });
  }

  /** Tries to connect again after the server turned a try away, later after each refusal in a row. */
  #connectLater(): void {
    const doubled = this.#refusedReconnectDelayMs * 2 ** this.#refusedReconnects++;
    const delayMs = Math.min(doubled, MAX_REFUSED_RECONNECT_DELAY_MS) * (0.5 + Math.random());
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.socket.connect(), delayMs);
  }

  #setConnection(connection: SignallingConnection): void {
    this.#connection = connection;
    for (const listener of this.#connectionListeners) listener(connection);
  }

  #answerWaiting(error: SignallingError): void {
    for (const answer of this.#waiting) answer(error);
    this.#waiting.clear();
  }

  /**
   * Why an answer that names a swarm (`swarm`) cannot be this request's: it names another (`names`; by default its
   * `swarmId`) than the one asked for, or than this connection's. Undefined if it can; an accepted answer's swarm
   * is this connection's from then on.
   */
  #swarmProblem<T extends object>(result: SignallingResult<T>, swarm: SwarmAnswer<T> | undefined): string | undefined {
    if (!result.ok || !swarm) return undefined;
    const answer: T = result;
    const follows = swarm.follows(answer);
    const named = swarm.names?.(answer) ?? [(answer as { readonly swarmId?: unknown }).swarmId];
    const other = named.find((swarmId) => swarmId !== follows);
    if (other !== undefined) {
      // The swarm asked for is this connection's all the same: news of the other one, which the server may now send
      // it, is dropped.
      this.#swarmId ??= follows;
      return `it is about swarm ${String(other)}, not ${follows}, the one asked for`;
    }
    if (this.#swarmId !== undefined && follows !== this.#swarmId)
      return `it is about swarm ${follows}, not this page's ${this.#swarmId}`;
    this.#swarmId = follows;
    return undefined;
  }

  /** The refusal an answer that cannot be read resolves to; `onMalformedMessage`'s listeners are told. */
  #unreadable(name: string, problem: string): { readonly ok: false; readonly error: SignallingError } {
    this.#malformed({ name, problem });
    return {
      ok: false,
      error: {
        code: 'malformed-answer',
        message: `The signalling server's answer could not be read (is it another version of swarmlab?): ${problem}`,
      },
    };
  }

  #malformed(message: MalformedServerMessage): void {
    for (const listener of this.#malformedListeners) listener(message);
  }

  /**
   * Sends a request and resolves to the server's answer to it, checked (`checkServerAnswer`; one the client
   * cannot read resolves to a `malformed-answer` refusal, and is told to `onMalformedMessage`'s listeners).
   */
  #request<R extends keyof ClientToServerEvents>(
    name: R,
    emit: (ack: (result: SignallingResult<AnswerTo<R>>) => void) => void,
    swarm?: SwarmAnswer<AnswerTo<R>>,
  ): Promise<SignallingResult<AnswerTo<R>>> {
    // Closed here, its state stays as it was (`connected`, say): a request waited its whole time-out, then said the
    // server was out of reach and reconnecting (found by review).
    if (this.#closedByUs) return Promise.resolve({ ok: false, error: SIGNALLING_CLOSED });
    const refusal = this.#refusal ?? this.#passingRefusal;
    if (refusal) return Promise.resolve({ ok: false, error: refusal });
    // socket.io would keep it, and send it first thing on the new connection: before this tab took its place back.
    if (this.#connection.state === 'lost') return Promise.resolve({ ok: false, error: SIGNALLING_LOST });
    const asking = swarm && { swarmId: swarm.asked };
    if (asking) this.#asking.push(asking);
    return new Promise<SignallingResult<AnswerTo<R>>>((settled) => {
      const resolve = (result: SignallingResult<AnswerTo<R>>): void => {
        const index = asking ? this.#asking.indexOf(asking) : -1;
        if (index >= 0) this.#asking.splice(index, 1);
        settled(result);
      };
      // socket.io holds a request made while not connected, to send it on the next connection.
      let held: SignallingSocket['sendBuffer'][number] | undefined;
      const refused = (error: SignallingError): void => {
        clearTimeout(timer);
        this.#unsend(held);
        resolve({ ok: false, error });
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(refused);
        // Still held for a connection that never came (a first try stalled, a server down past the timeout): not
        // sent, so not sent later either (the server would act on what its asker was told had failed), and an
        // asker may ask again once connected (`untilRegistered`). Sent and unanswered: the outcome is unknown.
        if (this.#unsend(held)) return resolve({ ok: false, error: SIGNALLING_LOST });
        resolve({ ok: false, error: { code: 'timeout', message: 'The signalling server did not answer in time.' } });
      }, this.#ackTimeoutMs);
      this.#waiting.add(refused);
      const heldBefore = this.socket.sendBuffer.length;
      emit((result: unknown) => {
        clearTimeout(timer);
        this.#waiting.delete(refused);
        const checked = checkServerAnswer(name, result);
        if (!checked.ok) return resolve(this.#unreadable(name, checked.problem));
        const problem = this.#swarmProblem(checked.value, swarm);
        resolve(problem === undefined ? checked.value : this.#unreadable(name, problem));
      });
      if (this.socket.sendBuffer.length > heldBefore) held = this.socket.sendBuffer.at(-1);
    });
  }

  /** Takes `packet` out of what socket.io holds for the next connection; whether it was still there. */
  #unsend(packet: SignallingSocket['sendBuffer'][number] | undefined): boolean {
    if (packet === undefined) return false;
    const index = this.socket.sendBuffer.indexOf(packet);
    if (index < 0) return false;
    this.socket.sendBuffer.splice(index, 1);
    // Its answer handler too: never sent, it is never answered (socket.io dropped it only at a later disconnect).
    const { acks } = this.socket as unknown as { acks?: unknown };
    if (packet.id !== undefined && typeof acks === 'object' && acks !== null) Reflect.deleteProperty(acks, packet.id);
    return true;
  }
}
