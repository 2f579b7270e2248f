import { parseArgs } from 'node:util';
import { MIN_CAP_BYTES_PER_SEC } from '@swarmlab/protocol';
import {
  joinNegativeValues,
  parseArgsMessage,
  parseByteQuantity,
  repeatedFlag,
  THOUSANDS_SEPARATED_COUNT,
  thousandsSeparatedRun,
  thousandsSeparatorsMessage,
  type ByteQuantityKind,
} from '@swarmlab/theory';
import { CHUNK_COPY_BUDGET, LINK_END_BUDGET, memoryBudgetProblem } from './memory-budget';
import { chunkBytesProblem } from './scaled-bytes';
import { SCENARIO_DEFAULTS, type Scenario } from './scenario';

export const USAGE = `Usage: pnpm sim --peers N --file-bytes F --server-up BPS --peer-up BPS[,BPS…] [--peer-down BPS[,BPS…]]
                [--chunk-bytes C] [--mode p2p|client-server] [--seed S] [--latency-ms MS] [--connections K]
                [--seeder-leaves] [--corrupt-fraction P] [--threads 1|2] [--json]
       pnpm sim --sweep --peers N1,N2,… --file-bytes F --server-up BPS --peer-up BPS [--peer-down BPS]

Runs the real swarm engine for one seeder and N peers in simulated time and compares the measured
distribution time with the seed's bound for the mode (D_p2p or D_cs). Sizes in bytes, rates in bytes/s;
suffixes K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB, TiB (MB = 10^6, MiB = 2^20); --peer-down "inf" is unlimited.
Rates are at least ${MIN_CAP_BYTES_PER_SEC / 1000}kB/s, the app's least cap ("--server-up 1" is 1 byte/s, refused).
Numbers take no thousands separators (10,000,000 is refused, not read as a list). Memory limits a run to
${CHUNK_COPY_BUDGET.toLocaleString('en-US')} chunk copies (peers × chunks) and ${LINK_END_BUDGET.toLocaleString('en-US')} link ends (nodes × about 2K connections each).

  --chunk-bytes C       chunk size (default 256KiB)
  --latency-ms MS       one-way delay of every link (default ${SCENARIO_DEFAULTS.latencyMs})
  --connections K       each peer ends with about 2K connections (default ${SCENARIO_DEFAULTS.connectionsPerPeer})
  --seeder-leaves       the seeder leaves once every chunk is held by some honest peer
  --corrupt-fraction P  fraction of peers that send corrupted blocks (default 0)
  --threads 1|2         run half the engines on a second thread (default 1; not with --seeder-leaves)
  --json                last line: {"distributionSec":…,"boundSec":…,"ratio":…}; with --sweep, {"rows":[…]}
  --sweep               one run per N in --peers, both modes: the table behind the seed's figure

Exit status: 0 when every honest peer completed with an intact file, 1 when one did not (in any run of a
sweep), 2 on a bad flag or a scenario the simulator cannot run. An error of the simulator's own prints its
stack and exits 1.`;

export type SimArgs =
  | { readonly ok: true; readonly help: true }
  | {
      readonly ok: true;
      readonly help: false;
      readonly json: boolean;
      readonly sweepPeerCounts: readonly number[] | undefined;
      readonly scenario: Scenario;
    }
  | { readonly ok: false; readonly message: string };

/** The most peers a run may have (`--peers`). */
const MAX_PEERS = 100_000;

const OPTIONS = {
  peers: { type: 'string' },
  'file-bytes': { type: 'string' },
  'chunk-bytes': { type: 'string' },
  'server-up': { type: 'string' },
  'peer-up': { type: 'string' },
  'peer-down': { type: 'string' },
  mode: { type: 'string' },
  seed: { type: 'string' },
  'latency-ms': { type: 'string' },
  connections: { type: 'string' },
  'seeder-leaves': { type: 'boolean' },
  threads: { type: 'string' },
  'corrupt-fraction': { type: 'string' },
  json: { type: 'boolean' },
  sweep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses the `pnpm sim` command line; never throws. */
export function parseSimArgs(argv: readonly string[]): SimArgs {
  let values;
  try {
    let tokens;
    ({ values, tokens } = parseArgs({
      // `--latency-ms -5` was node's three lines on an "ambiguous" argument, not "is negative" (found by review).
      args: joinNegativeValues(argv[0] === '--' ? argv.slice(1) : [...argv], OPTIONS),
      strict: true,
      tokens: true,
      options: OPTIONS,
    }));
    const repeated = repeatedFlag(tokens);
    if (repeated !== undefined) return { ok: false, message: `${repeated} is given twice: give it once` };
  } catch (error) {
    return { ok: false, message: parseArgsMessage(error) };
  }
  if (values.help) return { ok: true, help: true };
  try {
    const sweep = values.sweep === true;
    const peersText = required(values.peers, '--peers');
    // `--peers 10,000` is one count written with thousands separators. A sweep's list is often of 3-digit counts
    // (`50,100,200`), so there only a count written with a leading zero (`1,000`, `2,050`) says so: none is. Nor,
    // without a sweep, is a list whose digits joined are past the largest count: `50,100,200` is a sweep's list
    // without its `--sweep`, and "write 50100200" sent its user the wrong way (found by review).
    const joinedCount = Number(peersText.replaceAll(',', ''));
    if (
      THOUSANDS_SEPARATED_COUNT.test(peersText) &&
      (sweep ? /,0/.test(peersText) : joinedCount <= MAX_PEERS || /,0/.test(peersText))
    )
      throw new ArgError(thousandsSeparatorsMessage('--peers', peersText, 'count'));
    const peerCounts = list(peersText, '--peers').map((text) => integer(text, '--peers', 1, MAX_PEERS));
    if (!sweep && peerCounts.length !== 1) throw new ArgError('--peers: give one count (a list needs --sweep)');
    const n = peerCounts[0]!;
    const rates = (flag: string, text: string | undefined, fallback: string | undefined, allowInfinite: boolean) => {
      // The same rule as `pnpm theory`'s: `10,000,000` was three rates, 10 B/s first, refused as under the least rate.
      const run = thousandsSeparatedRun(text ?? '');
      if (run !== undefined) throw new ArgError(thousandsSeparatorsMessage(flag, run));
      const values = list(text ?? fallback ?? required(text, flag), flag).map((item) =>
        allowInfinite && /^(inf|infinity|unlimited)$/i.test(item) ? Infinity : rate(item, flag),
      );
      if (values.length !== 1 && sweep) throw new ArgError(`${flag}: one value with --sweep (every N shares it)`);
      if (values.length !== 1 && values.length !== n)
        throw new ArgError(`${flag}: got ${values.length} values; give one for every peer or exactly ${n}`);
      return values;
    };
    if (sweep && values.mode !== undefined) throw new ArgError('--mode: --sweep runs both modes');
    const mode = values.mode ?? 'p2p';
    if (mode !== 'p2p' && mode !== 'client-server') throw new ArgError('--mode: use p2p or client-server');
    const fraction = decimal(values['corrupt-fraction'] ?? '0', '--corrupt-fraction');
    if (!(fraction >= 0 && fraction < 1)) throw new ArgError('--corrupt-fraction: a number from 0 to below 1');
    for (const count of peerCounts)
      if (Math.round(count * fraction) >= count)
        throw new ArgError(`--corrupt-fraction: ${fraction} of ${count} peer(s) leaves no honest peer to measure`);
    const scenario: Scenario = {
      ...SCENARIO_DEFAULTS,
      peerCount: n,
      fileBytes: quantity(required(values['file-bytes'], '--file-bytes'), 'size', '--file-bytes'),
      chunkBytes: quantity(values['chunk-bytes'] ?? '256KiB', 'size', '--chunk-bytes'),
      serverUploadBytesPerSec: rate(required(values['server-up'], '--server-up'), '--server-up'),
      peerUploadBytesPerSec: rates('--peer-up', values['peer-up'], undefined, false),
      peerDownloadBytesPerSec: rates('--peer-down', values['peer-down'], 'inf', true),
      mode,
      seed: integer(values.seed ?? '1', '--seed', 0, 2 ** 32 - 1),
      latencyMs: decimal(values['latency-ms'] ?? String(SCENARIO_DEFAULTS.latencyMs), '--latency-ms'),
      connectionsPerPeer: integer(
        values.connections ?? String(SCENARIO_DEFAULTS.connectionsPerPeer),
        '--connections',
        1,
        1000,
      ),
      seederLeavesEarly: values['seeder-leaves'] === true,
      corruptFraction: fraction,
      threads: integer(values.threads ?? '1', '--threads', 1, 2),
    };
    if (scenario.threads === 2 && scenario.seederLeavesEarly) throw new ArgError('--seeder-leaves: one thread only');
    // Only the seeder uploads in client-server: without it, no leecher gets what it lacks, and the run cannot end.
    if (scenario.seederLeavesEarly && (mode === 'client-server' || sweep))
      throw new ArgError(
        `--seeder-leaves: ${sweep ? '--sweep runs client-server too, where' : 'in client-server'} the seeder is the only uploader, so no run could finish without it`,
      );
    // The same: only the seeder uploads, so a corrupting peer sends nothing, and the run was only measured against a
    // bound over fewer peers (a ratio of 2.0 for the same times at 0.5).
    if (scenario.corruptFraction > 0 && (mode === 'client-server' || sweep))
      throw new ArgError(
        `--corrupt-fraction: ${sweep ? '--sweep runs client-server too, where' : 'in client-server'} only the seeder uploads, so no peer could corrupt a block`,
      );
    // The count of corrupt peers is rounded: 0.1 of 4 was none, and the run said nothing of it (found by review).
    if (fraction > 0 && Math.round(n * fraction) === 0)
      throw new ArgError(
        `--corrupt-fraction: ${fraction} of ${n} ${n === 1 ? 'peer' : 'peers'} is no corrupt peer (${fraction} × ${n} rounds to 0)`,
      );
    if (!(scenario.latencyMs >= 0 && scenario.latencyMs <= 10_000)) throw new ArgError('--latency-ms: 0 to 10000');
    // The threads meet once per latency of simulated time: below a millisecond a run would take for ever.
    if (scenario.threads === 2 && scenario.latencyMs < 1)
      throw new ArgError('--latency-ms: at least 1 with --threads 2');
    if (scenario.chunkBytes < 1024 || scenario.chunkBytes > 16 * 2 ** 20)
      throw new ArgError('--chunk-bytes: 1 KiB to 16 MiB');
    const chunkProblem = chunkBytesProblem(scenario.chunkBytes);
    if (chunkProblem !== undefined) throw new ArgError(`--chunk-bytes: ${chunkProblem}`);
    if (scenario.fileBytes / scenario.chunkBytes > 100_000) throw new ArgError('--file-bytes: at most 100,000 chunks');
    // As simulate() checks it, but before a sweep's first runs: each run of it, both modes, must fit.
    for (const peerCount of peerCounts)
      for (const runMode of sweep ? (['client-server', 'p2p'] as const) : [scenario.mode]) {
        const problem = memoryBudgetProblem({ ...scenario, peerCount, mode: runMode }, 'flags');
        if (problem !== undefined) throw new ArgError(problem);
      }
    return {
      ok: true,
      help: false,
      json: values.json === true,
      sweepPeerCounts: sweep ? peerCounts : undefined,
      scenario,
    };
  } catch (error) {
    if (error instanceof ArgError) return { ok: false, message: error.message };
    throw error;
  }
}

class ArgError extends Error {}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new ArgError(`${flag} is required`);
  return value;
}

function list(text: string, flag: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ArgError(`${flag}: empty value in "${text}"`);
  return items;
}

/** Digits only: `Number` would take `0x10`, `1e2` and an empty string (0) as well. */
function integer(text: string, flag: string, min: number, max: number): number {
  if (/^-\d+$/.test(text)) throw new ArgError(`${flag}: "${text}" is negative`);
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ArgError(`${flag}: "${text}" is not a whole number from ${min} to ${max}`);
  return value;
}

/**
 * A plain decimal number (`20`, `0.5`, `.5`, `5.`, as the byte sizes take them), nothing `Number` alone would also take
 * (`0x1`, `1e3`, ``). `.5` was "not a number" (found by review).
 */
function decimal(text: string, flag: string): number {
  const digits = /^(-?)(\d+\.?\d*|\.\d+)$/.exec(text);
  if (!digits) throw new ArgError(`${flag}: "${text}" is not a number`);
  if (digits[1] === '-') throw new ArgError(`${flag}: "${text}" is negative`);
  return Number(text);
}

function quantity(text: string, kind: ByteQuantityKind, flag: string): number {
  const parsed = parseByteQuantity(text, kind);
  if (!parsed.ok) throw new ArgError(`${flag}: ${parsed.reason}`);
  if (!(parsed.value > 0) || !Number.isFinite(parsed.value)) throw new ArgError(`${flag}: must be above zero`);
  if (kind === 'size' && !Number.isInteger(parsed.value))
    throw new ArgError(`${flag}: "${text}" is ${parsed.value} bytes, not a whole number of bytes`);
  return parsed.value;
}

/**
 * A link rate: at least the app's least cap, `MIN_CAP_BYTES_PER_SEC`, as the run form and the benchmarks take. Any
 * positive rate was taken: a forgotten unit (`--server-up 1`, 1 B/s) ran for hours without a word, and the engine is
 * configured for no link slower than that cap (`slowestCapBytesPerSec`) (found by review).
 */
function rate(text: string, flag: string): number {
  const value = quantity(text, 'rate', flag);
  if (value < MIN_CAP_BYTES_PER_SEC)
    throw new ArgError(
      `${flag}: "${text}" is ${value} B/s, under the least rate, ${MIN_CAP_BYTES_PER_SEC} B/s ` +
        `(${MIN_CAP_BYTES_PER_SEC / 1000}kB/s, the app's least cap); rates are bytes per second, such as 2MB/s`,
    );
  return value;
}
