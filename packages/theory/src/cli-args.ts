import { parseArgs } from 'node:util';
import { parseByteQuantity } from './byte-quantity';
import { joinNegativeValues } from './negative-values';
import { parseArgsMessage } from './parse-args-message';
import { repeatedFlag } from './repeated-flag';
import { THOUSANDS_SEPARATED_COUNT, thousandsSeparatedRun, thousandsSeparatorsMessage } from './thousands-separators';

/**
 * Command-line parsing for `pnpm theory`, kept apart from `cli.ts` so it can be tested without a
 * process. Parsing never throws: every outcome is a {@link TheoryArgs} value.
 */

/** Upper limit on `--peers`: one value expands to a list of N rates. */
export const MAX_CLI_PEER_COUNT = 1_000_000;

/** The swarm described on the command line, in bytes and bytes/s, ready for the bound functions. */
export interface TheoryCliInput {
  readonly peerCount: number;
  readonly fileBytes: number;
  readonly serverUploadBytesPerSec: number;
  readonly peerUploadBytesPerSec: readonly number[];
  /** `Infinity` where the download rate is unlimited. */
  readonly peerDownloadBytesPerSec: readonly number[];
}

export type TheoryArgs =
  | { readonly ok: true; readonly help: true }
  | { readonly ok: true; readonly help: false; readonly json: boolean; readonly input: TheoryCliInput }
  /** `message` is one line naming the flag. */
  | { readonly ok: false; readonly message: string };

export const USAGE = `Usage: pnpm theory --peers N --file-bytes F --server-up BPS --peer-up BPS[,BPS...]
                   [--peer-down BPS[,BPS...]] [--json]

Lower bounds on the time to distribute a file of F bytes from one server to N peers
(Kurose & Ross, section 2.5):
  D_cs  = max(N·F/u_s, F/d_min)                   client-server
  D_p2p = max(F/u_s, F/d_min, N·F/(u_s + Σu_i))   peer-to-peer

Options:
  --peers N                  N: peers that want the file, not counting the server (1..${MAX_CLI_PEER_COUNT})
  --file-bytes F             F: file size in bytes (> 0)
  --server-up BPS            u_s: the server's upload rate in bytes/s (> 0)
  --peer-up BPS[,BPS...]     u_i: each peer's upload rate in bytes/s (>= 0; 0 = never uploads)
  --peer-down BPS[,BPS...]   d_i: each peer's download rate in bytes/s (> 0), or "inf" for
                             unlimited; omitted = unlimited
  --json                     also print {"clientServerSec":...,"p2pSec":...,...} as the last line
  -h, --help                 print this help and exit

A per-peer option takes one value for every peer, or exactly N comma-separated values. Write
numbers without thousands separators: 10,000,000 is refused, not read as 10, 0 and 0.

Units are bytes and bytes/s, not bits. A value is an integer or decimal with an optional
suffix, its prefix in either case: K, KB = 1000; M, MB = 10^6; G, GB = 10^9; T, TB = 10^12;
KiB = 1024; MiB = 2^20; GiB = 2^30; TiB = 2^40; B = bytes, upper case (a lower-case b is a bit, and refused). Rates may end in "/s"
(2MB/s). From bits/s, divide by 8:
100 Mbit/s = 12.5MB/s.

Example (the textbook figure: F/u = 1 h, u_s = 10u, N = 30; D_cs = 3 h, D_p2p = 0.75 h):
  pnpm theory --peers 30 --file-bytes 3600MB --server-up 10MB/s --peer-up 1MB/s`;

const OPTIONS = {
  peers: { type: 'string' },
  'file-bytes': { type: 'string' },
  'server-up': { type: 'string' },
  'peer-up': { type: 'string' },
  'peer-down': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const UNLIMITED_WORDS: ReadonlySet<string> = new Set(['inf', 'infinity', 'unlimited']);

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Parses the arguments after the script name (`process.argv.slice(2)`). A leading `--` is dropped:
 * `pnpm theory -- --peers 3` (the npm habit) hands it to the script, where it would end the options.
 */
export function parseTheoryArgs(argv: readonly string[]): TheoryArgs {
  const args = joinNegativeValues(argv[0] === '--' ? argv.slice(1) : [...argv], OPTIONS);
  let values;
  try {
    let tokens;
    ({ values, tokens } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false, tokens: true }));
    const repeated = repeatedFlag(tokens);
    if (repeated !== undefined) return { ok: false, message: `${repeated} is given twice: give it once` };
  } catch (error) {
    return { ok: false, message: parseArgsMessage(error) };
  }
  if (values.help) return { ok: true, help: true };

  const peerCount = parsePeerCount(values.peers);
  if (!peerCount.ok) return peerCount;
  const fileBytes = parseRequiredQuantity('--file-bytes', values['file-bytes'], 'size');
  if (!fileBytes.ok) return fileBytes;
  const serverUpload = parseRequiredQuantity('--server-up', values['server-up'], 'rate');
  if (!serverUpload.ok) return serverUpload;
  if (values['peer-up'] === undefined) return missing('--peer-up');
  const peerUpload = parsePerPeerRates('--peer-up', values['peer-up'], peerCount.value, false);
  if (!peerUpload.ok) return peerUpload;
  const peerDownload = parsePerPeerRates('--peer-down', values['peer-down'] ?? 'inf', peerCount.value, true);
  if (!peerDownload.ok) return peerDownload;

  return {
    ok: true,
    help: false,
    json: values.json,
    input: {
      peerCount: peerCount.value,
      fileBytes: fileBytes.value,
      serverUploadBytesPerSec: serverUpload.value,
      peerUploadBytesPerSec: peerUpload.value,
      peerDownloadBytesPerSec: peerDownload.value,
    },
  };
}

function missing(flag: string): { ok: false; message: string } {
  return { ok: false, message: `${flag} is required` };
}

function parsePeerCount(text: string | undefined): Parsed<number> {
  if (text === undefined) return missing('--peers');
  if (THOUSANDS_SEPARATED_COUNT.test(text.trim()))
    return { ok: false, message: thousandsSeparatorsMessage('--peers', text.trim(), 'count') };
  const peerCount = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(peerCount) || peerCount < 1 || peerCount > MAX_CLI_PEER_COUNT) {
    return { ok: false, message: `--peers: "${text}" is not an integer from 1 to ${MAX_CLI_PEER_COUNT}` };
  }
  return { ok: true, value: peerCount };
}

function parseRequiredQuantity(flag: string, text: string | undefined, kind: 'size' | 'rate'): Parsed<number> {
  if (text === undefined) return missing(flag);
  const quantity = parseByteQuantity(text, kind);
  if (!quantity.ok) return { ok: false, message: `${flag}: ${quantity.reason}` };
  if (quantity.value <= 0) return { ok: false, message: `${flag}: "${text}" must be greater than 0` };
  if (kind === 'size' && !Number.isInteger(quantity.value))
    return { ok: false, message: `${flag}: "${text}" is ${quantity.value} bytes, not a whole number of bytes` };
  return quantity;
}

/**
 * One value for every peer, or exactly `peerCount` comma-separated values; not a number written with thousands
 * separators (`10,000,000`), whatever N is (see {@link thousandsSeparatedRun} for the rule).
 */
function parsePerPeerRates(
  flag: string,
  text: string,
  peerCount: number,
  isDownload: boolean,
): Parsed<readonly number[]> {
  const run = thousandsSeparatedRun(text);
  if (run !== undefined) return { ok: false, message: thousandsSeparatorsMessage(flag, run) };
  const items = text.split(',');
  if (items.length !== 1 && items.length !== peerCount) {
    return {
      ok: false,
      message: `${flag}: got ${items.length} values; give one for every peer or exactly ${peerCount} (--peers)`,
    };
  }
  const rates: number[] = [];
  for (const [index, item] of items.entries()) {
    const where = items.length === 1 ? flag : `${flag} (value ${index + 1} of ${items.length})`;
    if (isDownload && UNLIMITED_WORDS.has(item.trim().toLowerCase())) {
      rates.push(Infinity);
      continue;
    }
    const quantity = parseByteQuantity(item, 'rate');
    if (!quantity.ok) return { ok: false, message: `${where}: ${quantity.reason}` };
    if (isDownload && quantity.value <= 0) {
      return { ok: false, message: `${where}: "${item}" must be greater than 0 (use "inf" for unlimited)` };
    }
    rates.push(quantity.value);
  }
  return { ok: true, value: rates.length === 1 ? new Array<number>(peerCount).fill(rates[0]!) : rates };
}
