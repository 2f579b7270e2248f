// `pnpm bench sim`: the simulator's targets from issue #3, each run printed with its bound and ratio.
import { seededRandom } from '@swarmlab/engine';
import { SCENARIO_DEFAULTS, simulate, type Scenario, type SimulationResult } from '@swarmlab/sim';
import { intFlag, parseFlags } from './args';

/** The fewest peers a scenario has: `--max-peers` below it ran nothing and exited 0 (found by review). */
const SMALLEST_SCENARIO_PEERS = 2;

export const USAGE = `usage: npx pnpm@12.4.2 bench sim [--max-peers N] [--json]

Runs the simulator (packages/sim) on the scenarios of issue #3 and prints, for each, the measured
distribution time, the seed's bound and their ratio:
  homogeneous p2p   u_s = u_i = 1 MB/s, d unlimited, 64 MiB in 256 KiB chunks (M = 256), N = 2 … 1000
  heterogeneous p2p u_s = 10·ū, u_i log-uniform in 0.25ū … 4ū (ū = 1 MB/s), N = 10, 100, 1000
  client-server     only the seeder uploads, N = 20
  seeder leaves     the seeder leaves once every chunk is in the swarm, N = 100
  corrupt peers     10 % of peers send corrupted blocks, N = 100
  scale             1,000 peers × 1,000 chunks (64 KiB each) on two threads; its wall time is the simulator's speed
  --max-peers N     skip scenarios with more peers (default 1000)
  --json            last line: every row as JSON`;

const MB = 1e6;
const CHUNK_BYTES = 256 * 1024;
const CHUNKS = 256;

interface Row {
  readonly scenario: string;
  readonly peers: number;
  readonly distributionSec: number | null;
  readonly boundSec: number;
  readonly ratio: number | null;
  readonly target: number | null;
  readonly note: string;
  readonly wallSec: number;
  /** The scenario did not complete, or a peer's file differs from the seeder's: the benchmark exits 1. */
  readonly failed: boolean;
}

function base(peerCount: number): Scenario {
  return {
    ...SCENARIO_DEFAULTS,
    peerCount,
    fileBytes: CHUNKS * CHUNK_BYTES,
    chunkBytes: CHUNK_BYTES,
    serverUploadBytesPerSec: 1 * MB,
    peerUploadBytesPerSec: [1 * MB],
    peerDownloadBytesPerSec: [Infinity],
  };
}

function row(scenario: string, peers: number, result: SimulationResult, target: number | null, note: string): Row {
  return {
    scenario,
    peers,
    distributionSec: result.distributionSec ?? null,
    boundSec: result.boundSec,
    ratio: result.ratio ?? null,
    target,
    note: `${note}${result.allFilesIntact ? '' : ' FILES DIFFER'}${result.distributionSec === undefined ? ' DID NOT COMPLETE' : ''}`,
    wallSec: result.wallMs / 1000,
    failed: rowFailed(result),
  };
}

/** Whether a scenario's result fails the benchmark: it never completed, or a file differs. */
export function rowFailed(result: Pick<SimulationResult, 'distributionSec' | 'allFilesIntact'>): boolean {
  return result.distributionSec === undefined || !result.allFilesIntact;
}

export async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, {
    'max-peers': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const maxPeers = intFlag('max-peers', flags['max-peers'], 1000, SMALLEST_SCENARIO_PEERS, 100_000);
  const rows: Row[] = [];
  const print = (r: Row): void => {
    rows.push(r);
    const fmt = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));
    console.log(
      [
        r.scenario.padEnd(18),
        String(r.peers).padStart(5),
        fmt(r.distributionSec, 2).padStart(9),
        fmt(r.boundSec, 2).padStart(9),
        fmt(r.ratio, 4).padStart(7),
        fmt(r.target, 3).padStart(7),
        `${r.wallSec.toFixed(1)}s`.padStart(7),
        ` ${r.note}`,
      ].join(' '),
    );
  };
  console.log(
    `${'scenario'.padEnd(18)} ${'N'.padStart(5)} ${'measured'.padStart(9)} ${'bound'.padStart(9)} ${'ratio'.padStart(7)} ${'target'.padStart(7)} ${'wall'.padStart(7)}  note`,
  );

  for (const n of [2, 5, 10, 20, 50, 100, 200, 500, 1000].filter((n) => n <= maxPeers)) {
    const aim = 1 + (Math.floor(Math.log2(n)) + 2) / CHUNKS;
    print(row('homogeneous p2p', n, simulate(base(n)), 1.1, `aim ${aim.toFixed(4)}`));
  }
  for (const n of [10, 100, 1000].filter((n) => n <= maxPeers)) {
    const random = seededRandom(n);
    const uploads = Array.from({ length: n }, () => MB * 0.25 * 16 ** random());
    const mean = uploads.reduce((a, b) => a + b, 0) / n;
    print(
      row(
        'heterogeneous p2p',
        n,
        simulate({ ...base(n), serverUploadBytesPerSec: 10 * MB, peerUploadBytesPerSec: uploads }),
        1.1,
        `mean u_i ${(mean / MB).toFixed(2)} MB/s`,
      ),
    );
  }
  if (maxPeers >= 20) print(row('client-server', 20, simulate({ ...base(20), mode: 'client-server' }), 1.02, ''));
  if (maxPeers >= 100) {
    const left = simulate({ ...base(100), seederLeavesEarly: true });
    print(
      row(
        'seeder leaves',
        100,
        left,
        null,
        `left at ${left.seederLeftAtSec?.toFixed(1) ?? '—'} s; all complete: ${left.distributionSec !== undefined}`,
      ),
    );
    const corrupt = simulate({ ...base(100), corruptFraction: 0.1 });
    print(
      row(
        '10 % corrupt peers',
        100,
        corrupt,
        null,
        `honest complete: ${corrupt.distributionSec !== undefined}, intact: ${corrupt.allFilesIntact}, drops: ${corrupt.droppedPeers - corrupt.honestPeersDropped} of corrupt peers, ${corrupt.honestPeersDropped} of honest ones`,
      ),
    );
  }
  if (maxPeers >= 1000) {
    const scale = simulate({ ...base(1000), fileBytes: 1000 * 64 * 1024, chunkBytes: 64 * 1024, threads: 2 });
    print(row('scale 1000 × 1000', 1000, scale, 1.1, `${(scale.events / 1e6).toFixed(1)} M events`));
  }
  if (flags.json) console.log(JSON.stringify(rows));
  const failed = rows.filter((r) => r.failed);
  if (failed.length > 0) {
    console.error(`failed: ${failed.map((r) => `${r.scenario} (${r.peers})`).join(', ')}`);
    return 1;
  }
  return 0;
}
