// `pnpm bench signalling`: the real signalling server under honest load, with and without a flood from one address.
import v8 from 'node:v8';
import vm from 'node:vm';
import { createSignallingServer, DEFAULT_LIMITS, type ClientAddress, type SignallingServer } from '@swarmlab/server';
import { intFlag, parseFlags, UsageError } from './args';
import { BenchFailure, pollUntil, sleep } from './failure';
import {
  startLoadProcess,
  type FloodCommand,
  BENCH_SERVER_LIMITS,
  MAX_BENCH_CLIENTS,
  type FloodReply,
  type FloodReport,
  type LoadProcess,
  type PairsCommand,
  type PairsReply,
  type RelayReport,
} from './signalling-load';
import { fixed, round, table } from './stats';

export const USAGE = `usage: npx pnpm@12.4.2 bench signalling [--clients N] [--seconds S] [--rate R] [--flood-sockets F] [--flood-idle I] [--json]

Starts the signalling server in this process on 127.0.0.1 (a free port, the default limits but a swarm
for each pair and no cap on websockets from 127.0.0.1, where every simulated machine connects from) and N
socket.io clients in a child process, in pairs: each pair from an address of its own, its creator in a
swarm of its own and its joiner in it. Then two phases of S seconds each, side by side:
  quiet   both members of every pair send signal:send to each other, each acknowledged before the next,
          at most R a second per sender
  flood   the same, while another child process floods the server from one address: F sockets sending
          the largest valid swarm:create (about 1.05 MB) over and over, with and without an
          acknowledgement, a 5,000-deep payload and a 1.4 MiB frame; it first tries to open I idle
          connections besides, and reconnects (freeing one of them) whenever the server drops a spammer
Prints the sockets connected, the relayed signals per second, the acknowledgement latency, the server's
CPU and heap (after a full collection) per socket, and what became of the flood. Traffic stays on
127.0.0.1; every loop is bounded in time.

  --clients N        honest clients, an even number (default 200, 2..2000)
  --seconds S        length of each phase (default 3, 1..60)
  --rate R           signals a second per sender at most (default 40, 1..1000; the request limit is ${DEFAULT_LIMITS.messagesPerSec})
  --flood-sockets F  sockets spamming from the flood's address (default 4, 1..64)
  --flood-idle I     idle connections the flood's address tries to add (default 300, 0..5000)
  --json             end stdout with one line of JSON holding every figure
  --help             this text

With --processes N: 1 and N server processes sharing a redis-server of its own, side by side (its own
flags: bench signalling --processes 2 --help).`;

interface SignallingOptions {
  readonly clients: number;
  readonly seconds: number;
  readonly rate: number;
  readonly floodSockets: number;
  readonly floodIdle: number;
  readonly json: boolean;
}

interface Phase {
  readonly relay: RelayReport;
  /** Cores the server's process kept busy during the phase. */
  readonly serverCores: number;
  /** Server heap at the end of the phase, after a full collection. */
  readonly heapBytes: number;
}

const MIB = 1024 * 1024;
/** How long the flood runs before the honest clients start measuring. */
const FLOOD_LEAD_MS = 500;

function parseSignallingArgs(argv: readonly string[]): SignallingOptions | 'help' {
  const values = parseFlags(argv, {
    clients: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    'flood-sockets': { type: 'string' },
    'flood-idle': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const clients = intFlag('clients', values.clients, 200, 2, MAX_BENCH_CLIENTS);
  if (clients % 2 !== 0) throw new UsageError(`--clients must be even: clients come in pairs (got ${clients})`);
  return {
    clients,
    seconds: intFlag('seconds', values.seconds, 3, 1, 60),
    rate: intFlag('rate', values.rate, 40, 1, 1000),
    floodSockets: intFlag('flood-sockets', values['flood-sockets'], 4, 1, 64),
    floodIdle: intFlag('flood-idle', values['flood-idle'], 300, 0, 5000),
    json: values.json ?? false,
  };
}

/** A full collection, where V8 lets this process expose one; heap figures are after it. */
function exposeGarbageCollector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc !== 'function') throw new BenchFailure('cannot trigger a garbage collection here');
  return () => void (gc as () => void)();
}

/** Each client claims its address in its `auth`: the benchmark simulates many machines on 127.0.0.1. */
const claimedAddress: ClientAddress = (handshake) => {
  const { address }: { address?: unknown } = handshake.auth;
  return typeof address === 'string' ? address : handshake.address;
};

async function measurePhase(
  pairs: LoadProcess<PairsCommand, PairsReply>,
  options: SignallingOptions,
  heapBytes: () => number,
): Promise<Phase> {
  const cpuBefore = process.cpuUsage();
  const startMs = performance.now();
  const reply = await pairs.ask({ type: 'relay', seconds: options.seconds, signalsPerSecPerSender: options.rate });
  if (reply.type !== 'relayed') throw new BenchFailure(`the honest clients answered ${reply.type}`);
  const cpu = process.cpuUsage(cpuBefore);
  const serverCores = (cpu.user + cpu.system) / 1000 / (performance.now() - startMs);
  return { relay: reply.relay, serverCores, heapBytes: heapBytes() };
}

const perSec = (phase: Phase, count: number): number => count / phase.relay.seconds;
const describeCounts = (counts: Readonly<Record<string, number>>): string =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ') || 'none';

export async function main(argv: readonly string[]): Promise<number> {
  // Several processes sharing one Redis: a benchmark of its own (`signalling-processes.ts`).
  if (argv.some((arg) => arg === '--processes' || arg.startsWith('--processes='))) {
    return (await import('./signalling-processes')).mainProcesses(argv);
  }
  const options = parseSignallingArgs(argv);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const log = (line: string): void => (options.json ? console.error(line) : console.log(line));
  const collect = exposeGarbageCollector();
  const heapBytes = (): number => {
    collect();
    return v8.getHeapStatistics().used_heap_size;
  };

  const serverLog: string[] = [];
  const server: SignallingServer = createSignallingServer({
    clientAddress: claimedAddress,
    log: (line) => serverLog.push(line),
    limits: BENCH_SERVER_LIMITS,
  });
  const pairs = startLoadProcess<PairsCommand, PairsReply>('./signalling-pairs.ts');
  const flooder = startLoadProcess<FloodCommand, FloodReply>('./signalling-flood.ts');
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    log(
      `signalling: ${options.clients} clients, ${options.seconds} s per phase, ≤ ${options.rate} signals/s per sender`,
    );
    const serverEmpty = (): Promise<true> =>
      pollUntil(async () => (server.stats().connections === 0 ? true : undefined), {
        intervalMs: 50,
        timeoutMs: 10_000,
        message: () => `the server still holds ${JSON.stringify(server.stats())}`,
      });
    // A first round compiles every code path and grows socket.io's pools: the idle heap is measured after it,
    // so that the heap per socket is the sockets' own (against a cold baseline, the heap once everyone had
    // left came out larger than with everyone connected).
    await pairs.ask({ type: 'connect', url, clients: options.clients });
    await pairs.ask({ type: 'leave' });
    await serverEmpty();
    const baselineHeapBytes = heapBytes();

    const connected = await pairs.ask({ type: 'connect', url, clients: options.clients });
    if (connected.type !== 'connected') throw new BenchFailure(`the honest clients answered ${connected.type}`);
    if (connected.refused > 0)
      throw new BenchFailure(`the server refused ${connected.refused} honest pairs: the figures would be of fewer`);
    const connectedHeapBytes = heapBytes();
    log(
      `connected ${connected.sockets} sockets in ${fixed(connected.seconds)} s (${connected.refused} pairs refused); ` +
        `server heap ${fixed((connectedHeapBytes - baselineHeapBytes) / MIB, 1)} MiB above idle`,
    );

    const quiet = await measurePhase(pairs, options, heapBytes);
    log(`quiet: ${fixed(perSec(quiet, quiet.relay.delivered), 0)} relayed signals/s`);

    const ready = await flooder.ask({
      type: 'prepare',
      url,
      sockets: options.floodSockets,
      idleConnections: options.floodIdle,
    });
    if (ready.type !== 'ready') throw new BenchFailure(`the flood answered ${ready.type}`);
    log(
      `flood address: ${ready.spammers} spamming sockets, ${ready.idleAccepted} idle connections accepted, ` +
        `refused: ${describeCounts(ready.connectRefusals)}`,
    );
    const flooding = flooder.ask({ type: 'flood', seconds: options.seconds + FLOOD_LEAD_MS / 1000 + 0.5 });
    await sleep(FLOOD_LEAD_MS);
    const flooded = await measurePhase(pairs, options, heapBytes);
    const floodReply = await flooding;
    if (floodReply.type !== 'flooded') throw new BenchFailure(`the flood answered ${floodReply.type}`);
    const flood: FloodReport = floodReply.flood;

    await pairs.ask({ type: 'leave' });
    await serverEmpty();
    const afterHeapBytes = heapBytes();
    const heapPerSocketBytes = (connectedHeapBytes - baselineHeapBytes) / connected.sockets;

    const rows = [
      ['', 'quiet', 'flood'],
      ['honest sockets connected', String(connected.sockets), String(connected.sockets)],
      [
        'relayed signals/s',
        fixed(perSec(quiet, quiet.relay.delivered), 0),
        fixed(perSec(flooded, flooded.relay.delivered), 0),
      ],
      ['acknowledged ok', String(quiet.relay.acknowledged), String(flooded.relay.acknowledged)],
      ['honest refusals', describeCounts(quiet.relay.refusals), describeCounts(flooded.relay.refusals)],
      ['ack latency p50 (ms)', fixed(quiet.relay.latencyMs.p50), fixed(flooded.relay.latencyMs.p50)],
      ['ack latency p99 (ms)', fixed(quiet.relay.latencyMs.p99), fixed(flooded.relay.latencyMs.p99)],
      ['ack latency max (ms)', fixed(quiet.relay.latencyMs.max), fixed(flooded.relay.latencyMs.max)],
      ['server CPU (cores)', fixed(quiet.serverCores), fixed(flooded.serverCores)],
      [
        'server heap above idle (MiB)',
        fixed((quiet.heapBytes - baselineHeapBytes) / MIB, 1),
        fixed((flooded.heapBytes - baselineHeapBytes) / MIB, 1),
      ],
    ];
    log('');
    log(table(rows));
    log('');
    log(
      `server heap per honest socket (each pair in a swarm of its own; above the warmed-up idle server): ` +
        `${fixed(heapPerSocketBytes / 1024, 1)} KiB`,
    );
    log(
      `flood: ${flood.events} events, ${fixed(flood.bytes / MIB, 0)} MiB in ${fixed(flood.seconds, 1)} s; ` +
        `answers: ${describeCounts(flood.answers)}; dropped by the server ${flood.disconnects} times; ` +
        `reconnections refused: ${describeCounts(flood.reconnectRefusals)}`,
    );
    log(
      `after everyone left: server heap ${fixed((afterHeapBytes - baselineHeapBytes) / MIB, 1)} MiB above idle, ${JSON.stringify(server.stats())}`,
    );
    const budgetDrops = serverLog.filter((line) => line.includes('past its byte budget')).length;
    log(`server log: ${serverLog.length} lines, ${budgetDrops} of them a socket dropped for its byte budget`);

    if (options.json) {
      const phase = (p: Phase) => ({
        relayedPerSec: round(perSec(p, p.relay.delivered), 1),
        acknowledged: p.relay.acknowledged,
        refusals: p.relay.refusals,
        latencyMs: {
          p50: round(p.relay.latencyMs.p50),
          p99: round(p.relay.latencyMs.p99),
          max: round(p.relay.latencyMs.max),
        },
        serverCores: round(p.serverCores, 3),
        heapAboveIdleBytes: p.heapBytes - baselineHeapBytes,
      });
      console.log(
        JSON.stringify({
          clients: options.clients,
          seconds: options.seconds,
          ratePerSender: options.rate,
          socketsConnected: connected.sockets,
          heapPerSocketBytes: Math.round(heapPerSocketBytes),
          quiet: phase(quiet),
          flood: phase(flooded),
          flooder: { ...ready, ...flood },
          heapAfterBytes: afterHeapBytes - baselineHeapBytes,
        }),
      );
    }
    return 0;
  } finally {
    pairs.stop();
    flooder.stop();
    await Promise.race([server.close(), sleep(10_000)]);
  }
}
