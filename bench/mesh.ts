// `pnpm bench mesh`: bare RTCDataChannels between N Chromium pages in the swarm's shape: its ceiling here.
import { availableParallelism } from 'node:os';
import { launchChromium } from '@swarmlab/test-kit/browser';
import { intFlag, parseFlags } from './args';
import { measureRawMesh, type RawMeshRun } from './raw-mesh';
import { fixed, medianOfMeasured, rateAtMedianTime, round, table } from './stats';

const MIB = 1024 * 1024;
/** Threads named in a run's line, the busiest first. */
const THREADS_SHOWN = 5;

export const USAGE = `usage: npx pnpm@12.4.2 bench mesh [--pages P] [--flows F] [--mib M] [--runs R] [--json]

Opens P pages in one headless Chromium (a browser context, so a renderer, each, as the swarm's tabs),
connects every pair with a bare RTCPeerConnection (one reliable ordered RTCDataChannel each, no ICE
servers, SDP passed by Playwright), then every page sends M MiB to each of the next F pages round a
ring, all at once, in 32 KiB messages between the app link's queue marks (256 KiB-1 MiB). No swarm
engine, no simple-peer, no server, no UI: what WebRTC alone delivers with the swarm's shape on this
machine, the ceiling for \`bench swarm\`'s aggregate goodput. The runs go one after another over the
same connections; the first is on fresh ones. Prints each run (aggregate MB/s = 10^6 bytes per second
received over all pages, browser CPU, CPU-seconds per MiB, packets WebRTC's sockets refused) and the medians
of the runs after the first (the ceiling: fresh connections start slow).

  --pages P   pages (default 9: a seeder and 8 leechers; 2..16)
  --flows F   flows out of each page at once (default 4, BitTorrent's unchoke slots; 1..P-1)
  --mib M     MiB each flow carries per run (default 8; 1..1024)
  --runs R    runs over the same connections (default 3, 1..20)
  --json      end stdout with one line of JSON holding the medians and every run
  --help      this text`;

interface MeshOptions {
  readonly pages: number;
  readonly flows: number;
  readonly mib: number;
  readonly runs: number;
  readonly json: boolean;
}

function parseMeshArgs(argv: readonly string[]): MeshOptions | 'help' {
  const values = parseFlags(argv, {
    pages: { type: 'string' },
    flows: { type: 'string' },
    mib: { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  const pages = intFlag('pages', values.pages, 9, 2, 16);
  return {
    pages,
    flows: intFlag('flows', values.flows, Math.min(4, pages - 1), 1, pages - 1),
    mib: intFlag('mib', values.mib, 8, 1, 1024),
    runs: intFlag('runs', values.runs, 3, 1, 20),
    json: values.json ?? false,
  };
}

function cpuSecPerMiB(run: RawMeshRun): number {
  return ((run.cores.browser ?? Number.NaN) * run.seconds) / (run.bytes / MIB);
}

function describeRun(run: RawMeshRun, index: number, runs: number): string {
  const threads = run.cores.browserByThread
    .slice(0, THREADS_SHOWN)
    .map(([label, cores]) => `${label} ${fixed(cores)}`)
    .join(', ');
  return (
    `run ${index + 1}/${runs}${index === 0 ? ' (fresh connections)' : ''}: ${fixed(run.seconds)} s, ` +
    `aggregate ${fixed(run.bytesPerSec / 1e6)} MB/s; CPU: browser ${fixed(run.cores.browser)} + other processes ` +
    `${fixed(run.cores.other)} cores, ${fixed(cpuSecPerMiB(run), 3)} CPU-s per MiB; packets sent ${run.packetsSent}, ` +
    `discarded on send ${run.packetsDiscardedOnSend} (${fixed((100 * run.packetsDiscardedOnSend) / run.packetsSent, 1)} %); ` +
    `UDP datagrams ${run.udp?.['OutDatagrams'] ?? '—'}` +
    `\n  by thread (cores): ${threads}`
  );
}

export interface MeshSummary {
  readonly bytesPerSec: number;
  readonly seconds: number;
  readonly browserCores: number;
  readonly cpuSecPerMiB: number;
  readonly discarded: number;
}

/** The medians of `runs`, each of which received `bytesPerRun` in all. */
export function summariseMeshRuns(runs: readonly RawMeshRun[], bytesPerRun: number): MeshSummary {
  const medianOf = (value: (run: RawMeshRun) => number | undefined): number => medianOfMeasured(runs.map(value));
  return {
    // The bytes over the median run's time printed beside it: the median of each run's rate is not that for an even
    // count, and the default 3 runs keep 2 (found by review).
    bytesPerSec: rateAtMedianTime(
      bytesPerRun,
      runs.map((run) => run.seconds),
    ),
    seconds: medianOf((run) => run.seconds),
    browserCores: medianOf((run) => run.cores.browser),
    cpuSecPerMiB: medianOf(cpuSecPerMiB),
    discarded: medianOf((run) => run.packetsDiscardedOnSend),
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseMeshArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const bytesPerFlow = options.mib * MIB;
  console.log(
    `mesh: ${options.pages} pages, one connection per pair, each page sending ${options.mib} MiB to each of ` +
      `${options.flows} others at once; ${options.runs} run(s); MB = 10^6 bytes`,
  );
  const browser = await launchChromium();
  let result;
  try {
    console.log(`Chromium ${browser.version()}, ${availableParallelism()} cores`);
    result = await measureRawMesh(
      browser,
      {
        pages: options.pages,
        flowsPerPage: options.flows,
        bytesPerFlow,
        runs: options.runs,
        // Slower than 1 MB/s in all is no measurement: 60 s plus a second per MB moved.
        runTimeoutMs: 60_000 + (options.pages * options.flows * bytesPerFlow) / 1e3,
      },
      (run, index) => console.log(describeRun(run, index, options.runs)),
    );
  } finally {
    await browser.close();
  }
  console.log(`(${result.connections} connections made in ${fixed(result.connectSeconds)} s)`);

  // The first run is on fresh connections, which start slow (see the README): the ceiling is the runs after it.
  const runs = result.runs.length > 1 ? result.runs.slice(1) : result.runs;
  const summary = summariseMeshRuns(runs, options.pages * options.flows * bytesPerFlow);
  console.log(
    result.runs.length > 1
      ? `\nmedians over the ${runs.length} run(s) after the first (on warm connections)`
      : `\nthe one run (on fresh connections)`,
  );
  console.log(
    table([
      ['figure', 'median'],
      ['aggregate received (MB/s)', fixed(summary.bytesPerSec / 1e6)],
      ['run (s)', fixed(summary.seconds)],
      [`browser CPU (cores of ${availableParallelism()})`, fixed(summary.browserCores)],
      ['browser CPU-seconds per MiB received', fixed(summary.cpuSecPerMiB, 3)],
      ['packets discarded on send', fixed(summary.discarded, 0)],
    ]),
  );
  if (options.json)
    console.log(
      JSON.stringify({
        pages: options.pages,
        flows: options.flows,
        bytesPerFlow,
        connectSeconds: round(result.connectSeconds),
        mediansOverRuns: runs.length,
        mbPerSec: round(summary.bytesPerSec / 1e6),
        seconds: round(summary.seconds),
        browserCores: round(summary.browserCores),
        cpuSecPerMiB: round(summary.cpuSecPerMiB),
        packetsDiscardedOnSend: summary.discarded,
        perRun: result.runs.map((run) => ({
          mbPerSec: round(run.bytesPerSec / 1e6),
          seconds: round(run.seconds),
          browserCores: run.cores.browser === undefined ? null : round(run.cores.browser),
          otherCores: run.cores.other === undefined ? null : round(run.cores.other),
          cpuSecPerMiB: round(cpuSecPerMiB(run)),
          packetsSent: run.packetsSent,
          packetsDiscardedOnSend: run.packetsDiscardedOnSend,
          udpDatagrams: run.udp?.['OutDatagrams'] ?? null,
        })),
      }),
    );
  return 0;
}
