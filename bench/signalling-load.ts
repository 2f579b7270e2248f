// The load processes of `pnpm bench signalling`: their commands and reports, and how the benchmark runs them.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildManifest, contentIdOf, type SignallingResult, type SwarmCreateRequest } from '@swarmlab/protocol';
import { io, type Socket } from 'socket.io-client';
import { BenchFailure } from './failure';

/** The honest clients' process: pairs that create and join swarms, then relay signals. */
export type PairsCommand =
  | {
      readonly type: 'connect';
      readonly url: string;
      readonly clients: number;
      /** Where each pair's joiner connects (another server process); `url` when absent. */
      readonly joinerUrl?: string;
    }
  | { readonly type: 'relay'; readonly seconds: number; readonly signalsPerSecPerSender: number }
  | { readonly type: 'leave' };

export type PairsReply =
  | { readonly type: 'connected'; readonly sockets: number; readonly refused: number; readonly seconds: number }
  | { readonly type: 'relayed'; readonly relay: RelayReport }
  | { readonly type: 'left' };

export interface RelayReport {
  readonly seconds: number;
  readonly sent: number;
  /** Answered `{ ok: true }`. */
  readonly acknowledged: number;
  /** `signal:relay` events the addressees received. */
  readonly delivered: number;
  /** Refusals by code, and `timeout` for no answer in time. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** The flood's process: one address, its sockets spamming the largest events. */
export type FloodCommand =
  | {
      readonly type: 'prepare';
      readonly url: string;
      /** Sockets that will spam. */
      readonly sockets: number;
      /** Idle connections the address then tries to hold besides (the per-address cap refuses some). */
      readonly idleConnections: number;
    }
  | { readonly type: 'flood'; readonly seconds: number };

export type FloodReply =
  | {
      readonly type: 'ready';
      readonly spammers: number;
      readonly idleAccepted: number;
      /** Connections refused, by the code in socket.io's `connect_error` (`too-many-connections`). */
      readonly connectRefusals: Readonly<Record<string, number>>;
    }
  | { readonly type: 'flooded'; readonly flood: FloodReport };

export interface FloodReport {
  readonly seconds: number;
  readonly events: number;
  readonly bytes: number;
  readonly answers: Readonly<Record<string, number>>;
  /** Times the server dropped a spamming socket (its budget, or a frame past `maxHttpBufferSize`). */
  readonly disconnects: number;
  /** Reconnections refused, by code. */
  readonly reconnectRefusals: Readonly<Record<string, number>>;
}

/** The address the honest pair `index` connects from (its creator and its joiner share it). */
export const pairAddress = (index: number): string => `10.${(index >> 8) & 255}.${index & 255}.1`;
/** The flood's address. */
export const FLOOD_ADDRESS = '203.0.113.66';

/** Most honest clients a signalling benchmark takes (`--clients`). */
export const MAX_BENCH_CLIENTS = 2000;

/**
 * The server limits of a signalling benchmark: every simulated machine's websocket comes from 127.0.0.1, where
 * websockets are counted before their claimed address is known (that count is not what is measured), and a swarm for
 * each pair of the most clients taken: the default 320 swarms refused every pair past the 320th, and the README's own
 * 1,000 clients never got through (found by review).
 */
export const BENCH_SERVER_LIMITS = {
  maxEngineConnectionsPerAddress: Number.MAX_SAFE_INTEGER,
  maxSwarms: MAX_BENCH_CLIENTS / 2,
} as const;

/** A connected socket.io client that claims `address` (the benchmark's server believes its `auth`). */
export async function connectFrom(
  url: string,
  address: string,
): Promise<{ ok: true; socket: Socket } | { ok: false; code: string }> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { address } });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, socket }));
    socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      socket.close();
      resolve({ ok: false, code: typeof error.data?.code === 'string' ? error.data.code : error.message });
    });
  });
}

export const codeOf = (result: SignallingResult): string => (result.ok ? 'ok' : result.error.code);

export function countInto(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** A one-chunk file's create request: each honest pair's swarm. */
export async function smallCreateRequest(): Promise<SwarmCreateRequest> {
  const bytes = new Uint8Array(16 * 1024).map((_, index) => index & 0xff);
  const manifest = await buildManifest({
    name: 'bench.bin',
    sizeBytes: bytes.length,
    chunkBytes: bytes.length,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { manifest, contentId: await contentIdOf(manifest) };
}

/** A child process running `module` (a file of this directory) under tsx, as this one runs, and talking to it. */
export interface LoadProcess<Command, Reply> {
  /**
   * Sends a command and resolves with the process's next message; rejects, a `BenchFailure`, if the process is gone
   * or goes first, or gives no answer within `timeoutMs` (if given).
   */
  ask(command: Command, timeoutMs?: number): Promise<Reply>;
  stop(): void;
}

export function startLoadProcess<Command, Reply>(module: string): LoadProcess<Command, Reply> {
  const child: ChildProcess = fork(fileURLToPath(new URL(module, import.meta.url)), [], {
    execArgv: process.execArgv,
    serialization: 'advanced',
  });
  return {
    // A command to a process that is gone is refused, not sent: Node emits `error` on a send to a closed channel, and
    // a benchmark's clean-up after a process died (its `stop` to the others) ended in an uncaught stack trace, the
    // failure it cleaned up after unsaid (found by review).
    ask: (command, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (!child.connected) {
          reject(new BenchFailure(`${module} is gone (exit code ${child.exitCode ?? 'unknown'})`));
          return;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settle = (): void => {
          clearTimeout(timer);
          child.off('exit', onExit);
          child.off('message', onMessage);
        };
        const onExit = (code: number | null): void => {
          settle();
          reject(new BenchFailure(`${module} exited (${code}) early`));
        };
        const onMessage = (reply: unknown): void => {
          settle();
          resolve(reply as Reply);
        };
        child.once('exit', onExit);
        child.once('message', onMessage);
        if (timeoutMs !== undefined)
          timer = setTimeout(() => {
            settle();
            reject(new BenchFailure(`${module} gave no answer within ${timeoutMs / 1000} s`));
          }, timeoutMs);
        child.send(command as object, (error) => {
          if (!error) return;
          settle();
          reject(new BenchFailure(`${module}: the command could not be sent (${error.message})`));
        });
      }),
    stop: () => void child.kill(),
  };
}

/** In a load process: answers each command of the benchmark with `handle`'s reply. */
export function serveCommands<Command, Reply>(handle: (command: Command) => Promise<Reply>): void {
  // The benchmark gone (its `finally` never ran: stopped by a signal, which exits it, or killed), this process goes
  // too: a server process kept its port and its Redis client, and a pairs process its sockets, loading the machine
  // for later figures (found by review).
  process.on('disconnect', () => process.exit(1));
  if (!process.connected) process.exit(1);
  process.on('message', (command) => {
    handle(command as Command).then(
      (reply) => process.send?.(reply as object),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
