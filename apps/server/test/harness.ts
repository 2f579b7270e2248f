import {
  buildManifest,
  checkServerAnswer,
  checkServerEvent,
  contentIdOf,
  isClientRequest,
  isServerEvent,
  type ClientToServerEvents,
  type Manifest,
  type MemberKey,
  type PeerId,
  type PeerReport,
  type ProgressReport,
  type RunConfig,
  type RunStarted,
  type SwarmNamed,
  type ServerToClientEvents,
  type SignalData,
  type SwarmProgress,
  type SwarmSeal,
} from '@swarmlab/protocol';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterEach, inject, onTestFailed } from 'vitest';
import {
  connectRedisState,
  createSignallingServer,
  type ClientAddress,
  type SignallingServerDeps,
  type SignallingServerStats,
  type SignallingIo,
  type RedisState,
} from '../src/index';

/** A well-behaved client, typed with the shared contract. */
export type TypedClient = Socket<ServerToClientEvents, ClientToServerEvents>;
/** A client that may send anything, for malformed-input tests. */
export type RawClient = Socket;

/**
 * The Redis the behaviour suites keep their swarms in: the `server-on-redis` project's (vitest.config.ts), or one
 * named by `SWARMLAB_TEST_REDIS_URL` (a `redis-server` you started); none on the memory store.
 */
const sharedStoreUrl: string | undefined = inject('swarmlabRedisUrl') ?? process.env['SWARMLAB_TEST_REDIS_URL'];

/**
 * Whether `startHarness` keeps swarms in Redis (`sharedStoreUrl`, docs/TESTING.md). What only the memory
 * store holds in this process is asserted on it alone: `stats()`' counts of swarms, codes, names and seats (Redis's
 * are a heartbeat's or held there), and a member's create refused before its payload is read (a process cannot know
 * at once that a swarm it saw has not ended through another).
 */
export const ON_SHARED_STORE = sharedStoreUrl !== undefined;

/** Longest a test waits for an acknowledgement or an event. */
export const WAIT_MS = 2000;

export interface ConnectOptions {
  /** The network address the server counts this client against, with `addressFromAuth` as its `clientAddress`. */
  readonly address?: string;
  /** The `Host` header its handshake sends (the name or address it reached the server by), else the server's URL's. */
  readonly hostHeader?: string;
}

export interface Harness {
  readonly url: string;
  readonly logLines: string[];
  /** Connects a client; rejects with socket.io's `connect_error` when the server refuses it. */
  connect(options?: ConnectOptions): Promise<TypedClient>;
  connectRaw(options?: ConnectOptions): Promise<RawClient>;
  stats(): SignallingServerStats;
  /** The server's socket.io server, to look at a connection from the server's side. */
  readonly io: SignallingIo;
  /** Error lines matching `pattern` are what this test makes the server log on purpose (see `close`). */
  expectLogErrors(pattern: RegExp): void;
  /**
   * Disconnects every client, then closes the server; rejects if the server logged an error the test did not
   * expect (`expectLogErrors`): a handler that threw answered `internal-error`, or work nobody answers failed, and
   * every test still passed, the failure a line in a log nobody read (found by review).
   */
  close(): Promise<void>;
}

/** How long a harness's process goes unanswered by Redis before it lets its connections go (5 s by default). */
const HARNESS_PROCESS_TIMEOUT_MS = 30_000;

/**
 * The shared store in a behaviour suite: Redis keeps one clock for every swarm and run time (the wall clock, which
 * all processes share), where the memory store reads the server's monotonic `nowMs`; a test that moves a hand clock
 * gives it to the Redis store as that one clock, so both stores see the same time.
 */
async function harnessRedisState(
  url: string,
  handClockMs: SignallingServerDeps['nowMs'],
): Promise<Pick<RedisState, 'swarmState' | 'adapter'>> {
  // The behaviour suites test no process's liveness (redis-processes.test and redis-connection.test do): a worker
  // stalled for the default 5 s on a loaded CI machine must not close the process's connections mid-test (a
  // takeover test once saw its old connection end in "transport close", not the server's disconnect).
  const state = await connectRedisState({
    url,
    keyPrefix: `harness${randomBytes(6).toString('hex')}:`,
    processTimeoutMs: HARNESS_PROCESS_TIMEOUT_MS,
  });
  if (handClockMs === undefined) return state;
  return {
    ...state,
    swarmState: (context) => state.swarmState({ ...context, epochNowMs: context.epochNowMs ?? handClockMs }),
  };
}

/** Simulated addresses: the one a test client names in its `auth`, else the TCP peer's (127.0.0.1). */
export const addressFromAuth: ClientAddress = (handshake) => {
  const { address }: { address?: unknown } = handshake.auth;
  return typeof address === 'string' ? address : handshake.address;
};

/**
 * Starts a real server on 127.0.0.1, port 0; clients connect over websockets, without reconnecting. With
 * `SWARMLAB_TEST_REDIS_URL` set (a Redis the caller started), its swarms are kept in that Redis, under a prefix of its
 * own, unless the test chose a store: the behaviour suites on the shared store (docs/TESTING.md says what still fails
 * there).
 */
export async function startHarness(deps: SignallingServerDeps = {}): Promise<Harness> {
  const logLines: string[] = [];
  const redisState =
    sharedStoreUrl && !('swarmState' in deps) ? await harnessRedisState(sharedStoreUrl, deps.nowMs) : {};
  const server = createSignallingServer({ log: (line) => logLines.push(line), ...redisState, ...deps });
  // What the server said is what tells a failure under load from a wrong behaviour (a flake in CI said only
  // "transport close"): printed with the failure.
  onTestFailed(() => {
    if (logLines.length > 0) console.error(`the server's log:\n${logLines.join('\n')}`);
  });
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const clients: Socket[] = [];
  const unreadable: string[] = [];
  const expectedErrors: RegExp[] = [];

  const open = async (options: ConnectOptions = {}): Promise<Socket> => {
    const client = connectClient(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...(options.address !== undefined && { auth: { address: options.address } }),
      ...(options.hostHeader !== undefined && { extraHeaders: { host: options.hostHeader } }),
    });
    clients.push(client);
    serverOf.set(client, server.io);
    watchConformance(client, (problem) => unreadable.push(problem));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  };

  return {
    url,
    logLines,
    connect: open,
    connectRaw: open,
    stats: () => server.stats(),
    io: server.io,
    expectLogErrors(pattern) {
      expectedErrors.push(pattern);
    },
    async close() {
      for (const client of clients) client.disconnect();
      await server.close();
      if (unreadable.length > 0)
        throw new Error(`the server sent what its clients cannot read:\n${unreadable.slice(0, 5).join('\n')}`);
      const unexpected = logLines.filter(
        (line) => line.startsWith('error:') && !expectedErrors.some((pattern) => pattern.test(line)),
      );
      if (unexpected.length > 0)
        throw new Error(`the server logged errors the test did not expect:\n${unexpected.slice(0, 5).join('\n')}`);
    },
  };
}

/**
 * Checks everything the server sends `client` as the clients check it (`checkServerEvent`,
 * `checkServerAnswer`), telling `problem` what they could not read: every test of the server is then a
 * test that its messages are the protocol's.
 */
function watchConformance(client: Socket, problem: (line: string) => void): void {
  client.onAny((event: string, payload: unknown) => {
    if (event === CAUGHT_UP) return;
    if (!isServerEvent(event)) return problem(`${event}: not an event of the protocol`);
    const checked = checkServerEvent(event, payload);
    if (!checked.ok) problem(`${event}: ${checked.problem}`);
  });
  const emit = client.emit.bind(client);
  client.emit = (event: string, ...args: unknown[]) => {
    const ack = args.at(-1);
    if (isClientRequest(event) && typeof ack === 'function')
      // An ack of `timeout(…).emit` is called with an error (or null) first, then the answer.
      args[args.length - 1] = (...answerArgs: unknown[]) => {
        const timedOut = answerArgs[0] instanceof Error;
        const checked = checkServerAnswer(event, answerArgs.length > 1 ? answerArgs[1] : answerArgs[0]);
        if (!timedOut && !checked.ok) problem(`answer to ${event}: ${checked.problem}`);
        (ack as (...answerArgs: unknown[]) => void)(...answerArgs);
      };
    return emit(event, ...args);
  };
}

/** The server's monotonic time (its injected `nowMs`), set by the test. */
export interface HandClock {
  nowMs: number;
}

export interface ServerPerTest {
  /** What the server reads as `nowMs`; `start` sets it to 1000. */
  readonly clock: HandClock;
  /** The server `start` started in this test. */
  readonly harness: Harness;
  /** Starts this test's server, reading `clock` (unless `deps` says otherwise). */
  start(deps?: SignallingServerDeps): Promise<Harness>;
}

/** A server per test, on a clock the test moves by hand, closed after each test. Call it inside `describe`. */
export function serverPerTest(): ServerPerTest {
  const clock: HandClock = { nowMs: 0 };
  let current: Harness | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    clock,
    get harness() {
      if (!current) throw new Error('no server in this test: call start() first');
      return current;
    },
    async start(deps = {}) {
      clock.nowMs = 1000;
      current = await startHarness({ nowMs: () => clock.nowMs, ...deps });
      return current;
    },
  };
}

/** A valid manifest and its content id, over `sizeBytes` of in-memory bytes in 16 KiB chunks. */
export async function makeManifest(
  sizeBytes = 40 * 1024,
  name = 'lecture.pdf',
): Promise<{ manifest: Manifest; contentId: string }> {
  const bytes = new Uint8Array(sizeBytes).map((_, index) => (index * 31 + 7) & 0xff);
  const manifest = await buildManifest({
    name,
    sizeBytes,
    chunkBytes: 16 * 1024,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { manifest, contentId: await contentIdOf(manifest) };
}

/** What a client has received from the server, in arrival order. */
export interface Received {
  readonly joined: PeerId[];
  readonly left: PeerId[];
  readonly relays: { from: PeerId; signal: SignalData }[];
  readonly progress: SwarmProgress[];
  readonly runsStarted: (RunStarted & SwarmNamed)[];
  readonly runsStopped: number[];
  /** The swarm each `run:stopped` named (`runsStopped`' order). */
  readonly runsStoppedIn: (string | undefined)[];
  readonly swarmsEnded: string[];
}

export function record(client: TypedClient): Received {
  const received: Received = {
    joined: [],
    left: [],
    relays: [],
    progress: [],
    runsStarted: [],
    runsStopped: [],
    runsStoppedIn: [],
    swarmsEnded: [],
  };
  client.on('peer:joined', ({ peerId }) => received.joined.push(peerId));
  client.on('peer:left', ({ peerId }) => received.left.push(peerId));
  client.on('signal:relay', (relay) => received.relays.push(relay));
  client.on('swarm:progress', (progress) => received.progress.push(progress));
  client.on('run:started', (run) => received.runsStarted.push(run));
  client.on('run:stopped', ({ runNumber, swarmId }) => {
    received.runsStopped.push(runNumber);
    received.runsStoppedIn.push(swarmId);
  });
  client.on('swarm:ended', ({ swarmId }) => received.swarmsEnded.push(swarmId));
  return received;
}

/**
 * Waits until the latest `swarm:progress` the client received satisfies `condition`, and returns it. `afterCount`: only
 * a table received after the first `afterCount` counts (a table from before the change waited for may satisfy the
 * condition too: the one before a member joined has no row for it).
 */
export async function latestProgress(
  received: Received,
  condition: (progress: SwarmProgress) => boolean,
  what: string,
  afterCount = 0,
): Promise<SwarmProgress> {
  const latest = (): SwarmProgress | undefined =>
    received.progress.length > afterCount ? received.progress.at(-1) : undefined;
  try {
    await waitUntil(() => {
      const progress = latest();
      return progress !== undefined && condition(progress);
    }, what);
  } catch (error) {
    throw new Error(`${String(error)}; latest swarm:progress: ${JSON.stringify(latest())}`, { cause: error });
  }
  return latest()!;
}

/** Polls `condition` until it holds, failing after `WAIT_MS`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The server each harness client is connected to, for `roundTrip` on the shared store. */
const serverOf = new WeakMap<Socket, SignallingIo>();

/** The harness's own event, which `roundTrip` sends through the adapter (no event of the protocol). */
const CAUGHT_UP = 'harness:caught-up';

/**
 * A round trip through the server on `client`'s connection: anything the server sent to this client
 * before answering has arrived when it resolves (socket.io keeps each connection's order). On Redis what the server
 * sends to sockets (`io.to(…)`) goes out once the adapter has published it, after answers sent meanwhile: a marker
 * sent that way after the answer arrives after all of it (the adapter publishes in order, on one connection).
 */
export async function roundTrip(client: TypedClient): Promise<void> {
  await client.timeout(WAIT_MS).emitWithAck('signal:send', {
    to: 'no-such-peer',
    signal: { type: 'renegotiate', renegotiate: true },
  });
  const io = serverOf.get(client);
  if (!ON_SHARED_STORE || !io || client.id === undefined) return;
  const socketId = client.id;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the marker sent through the adapter never arrived')), WAIT_MS);
    (client as Socket).once(CAUGHT_UP, () => {
      clearTimeout(timer);
      resolve();
    });
    (io as unknown as Server).to(socketId).emit(CAUGHT_UP);
  });
}

/** Resolves when the server has closed `client`'s connection. */
export function disconnected(client: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.disconnected) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error('client was not disconnected')), WAIT_MS);
    client.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

export const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' };
export const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' },
};

/** A tab in a swarm, with what it received. */
export interface Tab {
  readonly client: TypedClient;
  readonly received: Received;
  readonly peerId: PeerId;
  readonly swarmId: string;
  /** The swarm's control secret, for the tab that created it. */
  readonly controlSecret?: string;
  /** Its member key and the swarm's seal, to resume its place (`swarm:resume`, `swarm:restore`). */
  readonly memberKey: MemberKey;
  readonly seal: SwarmSeal;
}

/** Connects a tab and creates a swarm over `makeManifest()`'s file (3 chunks), with `config` if given. */
export async function seedTab(harness: Harness, config?: RunConfig): Promise<Tab> {
  const client = await harness.connect();
  const received = record(client);
  const created = await client
    .timeout(WAIT_MS)
    .emitWithAck('swarm:create', { ...(await makeManifest()), ...(config && { config }) });
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  const { swarmId, peerId, controlSecret, memberKey, seal } = created;
  return { client, received, peerId, swarmId, controlSecret, memberKey, seal };
}

/**
 * Connects a tab and joins it to `swarmId` (presenting `control`, the swarm's control secret, if given);
 * also returns the run it took part in at once and whether it is in control.
 */
export async function joinTab(
  harness: Harness,
  swarmId: string,
  control?: string,
): Promise<Tab & { run: RunStarted | null; inControl: boolean }> {
  const client = await harness.connect();
  const received = record(client);
  const joined = await client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId, ...(control && { control }) });
  if (!joined.ok) throw new Error(`join refused: ${joined.error.message}`);
  const { peerId, run, inControl, memberKey, seal } = joined;
  return { client, received, peerId, swarmId, run, inControl, memberKey, seal };
}

/** A report of a leecher with one of `makeManifest()`'s 3 chunks, for run `runNumber`. */
export function leeching(runNumber: number | null): ProgressReport {
  return {
    role: 'leecher',
    runNumber,
    bitsBase64: 'gA==',
    chunksHeld: 1,
    complete: false,
    uploadedBytes: 1024,
    downloadedBytes: 16384,
    uploadBytesPerSec: 512,
    downloadBytesPerSec: 8192,
    peakUploadBytesPerSec: 600,
    peakDownloadBytesPerSec: 9000.5,
    sentTo: [],
  };
}

/** A report of a tab holding all 3 chunks, for run `runNumber`. */
export function complete(runNumber: number | null, role: ProgressReport['role'] = 'leecher'): ProgressReport {
  return { ...leeching(runNumber), role, bitsBase64: '4A==', chunksHeld: 3, complete: true, downloadedBytes: 40960 };
}

/** A report as the progress table shows it: without `sentTo`, which only the server reads. */
export function shown({ sentTo: _, ...report }: ProgressReport): PeerReport {
  return report;
}

/** `makeManifest()`'s file size: what each completion's witnesses must account for. */
export const FILE_BYTES = 40 * 1024;

/**
 * The seeder's report for run `runNumber` saying it sent each of `receivers` the whole file: it is the
 * witness of their completions (which count only once corroborated).
 */
export function vouching(runNumber: number, receivers: readonly { peerId: PeerId }[]): ProgressReport {
  return {
    ...complete(runNumber, 'seeder'),
    downloadedBytes: 0,
    uploadedBytes: FILE_BYTES * receivers.length,
    sentTo: receivers.map(({ peerId }) => ({ peerId, bytes: FILE_BYTES })),
  };
}

/**
 * A full garbage collection, where V8 lets this process expose one (it does on Node 20), for tests that
 * check memory comes back; undefined where it does not.
 */
export function garbageCollector(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
}

/** Heap in use, in bytes, after a full collection when one can be had. */
export function heapUsedBytes(gc = garbageCollector()): number {
  gc?.();
  return v8.getHeapStatistics().used_heap_size;
}
