// `pnpm bench signalling --processes N`: the signalling server as 1 process and as N processes sharing one Redis.
import { startRedisServer } from '@swarmlab/test-kit/server';
import { intFlag, parseFlags, UsageError } from './args';
import { BenchFailure, pollUntil } from './failure';
import {
  MAX_BENCH_CLIENTS,
  startLoadProcess,
  type LoadProcess,
  type PairsCommand,
  type PairsReply,
} from './signalling-load';
import type { ServerCommand, ServerReply } from './signalling-server-process';
import { fixed, table } from './stats';

/** How long a server process may take to answer `stop` (close its sockets and its Redis client) before it is killed. */
const STOP_ANSWER_TIMEOUT_MS = 10_000;

export const PROCESSES_USAGE = `usage: npx pnpm@12.4.2 bench signalling --processes N [--clients C] [--seconds S] [--rate R] [--json]

Starts a redis-server of its own (Debian's, on a free port, in memory only), then twice: 1 server process,
and N server processes, each a child process with its swarms in that Redis (SWARMLAB_REDIS_URL's path:
the Redis store and the socket.io Redis streams adapter). C honest clients come in pairs; a pair's creator
connects to process i mod P and its joiner to the next one, so with several processes every signal crosses
from one process to another. Both members of every pair relay signals to each other for S seconds, each
acknowledged before the next, at most R a second per sender. Prints, for 1 and N processes side by side:
the sockets connected, the relayed signals per second, the servers' CPU and their heap (after a full
collection) per socket above their idle heap. Traffic stays on 127.0.0.1.

  --processes N  server processes of the second configuration (default 2, 2..8)
  --clients C    honest clients, an even number (default 200, 2..2000)
  --seconds S    length of the relay phase (default 3, 1..60)
  --rate R       signals a second per sender at most (default 40, 1..1000)
  --json         end stdout with one line of JSON holding every figure`;

interface Configuration {
  readonly processes: number;
  readonly sockets: number;
  readonly relayedPerSec: number;
  readonly latencyP50Ms: number;
  readonly serverCores: number;
  readonly heapPerSocketBytes: number;
}

interface Measured {
  readonly connections: number;
  readonly heapBytes: number;
  readonly cpuMs: number;
}

async function measureAll(servers: readonly LoadProcess<ServerCommand, ServerReply>[]): Promise<Measured> {
  let connections = 0;
  let heapBytes = 0;
  let cpuMs = 0;
  for (const server of servers) {
    const reply = await server.ask({ type: 'measure' });
    if (reply.type !== 'measured') throw new BenchFailure(`a server answered ${reply.type}`);
    connections += reply.connections;
    heapBytes += reply.heapBytes;
    cpuMs += reply.cpuMs;
  }
  return { connections, heapBytes, cpuMs };
}

async function runConfiguration(
  redisUrl: string,
  processes: number,
  options: { clients: number; seconds: number; rate: number },
  log: (line: string) => void,
): Promise<Configuration> {
  const servers = Array.from({ length: processes }, () =>
    startLoadProcess<ServerCommand, ServerReply>('./signalling-server-process.ts'),
  );
  const pairs = Array.from({ length: processes }, () =>
    startLoadProcess<PairsCommand, PairsReply>('./signalling-pairs.ts'),
  );
  try {
    const keyPrefix = `bench${processes}:`;
    const urls: string[] = [];
    for (const server of servers) {
      const started = await server.ask({ type: 'start', redisUrl, keyPrefix });
      if (started.type !== 'started') throw new BenchFailure(`a server answered ${started.type}`);
      urls.push(started.url);
    }
    // One load process per server process: its pairs' creators there, their joiners on the next one. The
    // pairs are shared out whole, the first load processes taking one more where they do not divide evenly, so
    // that both configurations hold the same number of sockets.
    const clientsOf = (index: number): number =>
      2 * (Math.floor(options.clients / 2 / processes) + (index < (options.clients / 2) % processes ? 1 : 0));
    const connectAll = () =>
      Promise.all(
        pairs.map((load, index) =>
          load.ask({
            type: 'connect',
            url: urls[index]!,
            joinerUrl: urls[(index + 1) % processes]!,
            clients: clientsOf(index),
          }),
        ),
      );
    const leaveAll = async (): Promise<void> => {
      for (const load of pairs) await load.ask({ type: 'leave' });
      await pollUntil(async () => ((await measureAll(servers)).connections === 0 ? true : undefined), {
        intervalMs: 100,
        timeoutMs: 10_000,
        message: () => 'the servers still hold connections',
      });
    };
    // Warmed up first, as `bench signalling` is: a round of pairs connects and leaves, so the idle heap is not
    // a cold one (first-use compilation and pools would count, once per process, as heap per socket).
    await connectAll();
    await leaveAll();
    const idle = await measureAll(servers);
    const connected = await connectAll();
    let sockets = 0;
    for (const reply of connected) {
      if (reply.type !== 'connected') throw new BenchFailure(`the clients answered ${reply.type}`);
      if (reply.refused > 0)
        throw new BenchFailure(`the servers refused ${reply.refused} honest pairs: the figures would be of fewer`);
      sockets += reply.sockets;
    }
    const loaded = await measureAll(servers);
    const startMs = performance.now();
    const relayed = await Promise.all(
      pairs.map((load) => load.ask({ type: 'relay', seconds: options.seconds, signalsPerSecPerSender: options.rate })),
    );
    const elapsedMs = performance.now() - startMs;
    const after = await measureAll(servers);
    let delivered = 0;
    const latencies: number[] = [];
    for (const reply of relayed) {
      if (reply.type !== 'relayed') throw new BenchFailure(`the clients answered ${reply.type}`);
      delivered += reply.relay.delivered / reply.relay.seconds;
      latencies.push(reply.relay.latencyMs.p50);
    }
    await leaveAll();
    const result: Configuration = {
      processes,
      sockets,
      relayedPerSec: delivered,
      latencyP50Ms: Math.max(...latencies),
      serverCores: after.cpuMs / elapsedMs,
      heapPerSocketBytes: (loaded.heapBytes - idle.heapBytes) / Math.max(1, sockets),
    };
    log(`${processes} process(es): ${sockets} sockets, ${fixed(result.relayedPerSec, 0)} relayed signals/s`);
    return result;
  } finally {
    for (const server of servers) {
      await server.ask({ type: 'stop' }, STOP_ANSWER_TIMEOUT_MS).catch(() => undefined);
      server.stop();
    }
    for (const load of pairs) load.stop();
  }
}

export async function mainProcesses(argv: readonly string[]): Promise<number> {
  try {
    return await runProcesses(argv);
  } catch (error) {
    // Its own flags' usage, not the single-process one (found by review).
    if (error instanceof UsageError && error.usage === undefined) throw new UsageError(error.message, PROCESSES_USAGE);
    throw error;
  }
}

async function runProcesses(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, {
    processes: { type: 'string' },
    clients: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(PROCESSES_USAGE);
    return 0;
  }
  const processes = intFlag('processes', values.processes, 2, 2, 8);
  const clients = intFlag('clients', values.clients, 200, 2, MAX_BENCH_CLIENTS);
  if (clients % 2 !== 0 || clients < 2 * processes)
    throw new UsageError(
      `--clients must be even, and at least one pair per process (${2 * processes}); got ${clients}`,
    );
  const options = {
    clients,
    seconds: intFlag('seconds', values.seconds, 3, 1, 60),
    rate: intFlag('rate', values.rate, 40, 1, 1000),
  };
  const json = values.json ?? false;
  const log = (line: string): void => (json ? console.error(line) : console.log(line));
  const redis = await startRedisServer();
  try {
    log(
      `redis-server on ${redis.url}; ${options.clients} clients, ${options.seconds} s, ≤ ${options.rate} signals/s each`,
    );
    const results = [
      await runConfiguration(redis.url, 1, options, log),
      await runConfiguration(redis.url, processes, options, log),
    ];
    const column = (pick: (result: Configuration) => string): string[] => results.map(pick);
    console.log(
      table([
        ['', ...column((result) => `${result.processes} process${result.processes > 1 ? 'es' : ''}`)],
        ['sockets connected', ...column((result) => String(result.sockets))],
        ['relayed signals/s', ...column((result) => fixed(result.relayedPerSec, 0))],
        ['ack latency p50 (ms, worst load process)', ...column((result) => fixed(result.latencyP50Ms, 1))],
        ['server cores busy (all processes)', ...column((result) => fixed(result.serverCores, 2))],
        ['server heap per socket (KiB)', ...column((result) => fixed(result.heapPerSocketBytes / 1024, 1))],
      ]),
    );
    if (json) console.log(JSON.stringify({ benchmark: 'signalling --processes', options, results }));
    return 0;
  } finally {
    await redis.stop();
  }
}
