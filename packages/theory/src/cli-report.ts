import type { BoundTerm, ClientServerBound, P2pBound } from './bounds';
import type { TheoryCliInput } from './cli-args';

/** The bounds computed for one command line, ready to print. */
export interface TheoryReport {
  readonly input: TheoryCliInput;
  readonly clientServer: ClientServerBound;
  readonly p2p: P2pBound;
}

const CLIENT_SERVER_TERM_LABEL: Readonly<Record<ClientServerBound['bindingTerm'], string>> = {
  'server-upload': 'N·F/u_s (server upload)',
  'slowest-download': 'F/d_min (slowest download)',
};

const P2P_TERM_LABEL: Readonly<Record<BoundTerm, string>> = {
  'server-upload': 'F/u_s (server upload)',
  'slowest-download': 'F/d_min (slowest download)',
  'total-upload': 'N·F/(u_s + Σu_i) (total upload)',
};

const BINARY_PREFIXES = ['KiB', 'MiB', 'GiB', 'TiB'] as const;
const DECIMAL_PREFIXES = ['KB', 'MB', 'GB', 'TB'] as const;

/** The human-readable table: every input and both bounds, each with its unit. */
export function formatReport({ input, clientServer, p2p }: TheoryReport): string {
  const rows: (readonly [symbol: string, meaning: string, value: string])[] = [
    ['F', 'file size', formatBytes(input.fileBytes, 'bytes')],
    ['N', 'peers (server not counted)', formatNumber(input.peerCount)],
    ['u_s', 'server upload', formatBytes(input.serverUploadBytesPerSec, 'bytes/s')],
    ['Σu_i', 'total peer upload', formatBytes(totalPeerUpload(input), 'bytes/s')],
    ['d_min', 'slowest peer download', formatDownload(minPeerDownload(input))],
    [
      'D_cs',
      'client-server bound',
      `${formatSeconds(clientServer.seconds)}, bound by ${CLIENT_SERVER_TERM_LABEL[clientServer.bindingTerm]}`,
    ],
    ['D_p2p', 'peer-to-peer bound', `${formatSeconds(p2p.seconds)}, bound by ${P2P_TERM_LABEL[p2p.bindingTerm]}`],
  ];
  const symbolWidth = Math.max(...rows.map(([symbol]) => symbol.length));
  const meaningWidth = Math.max(...rows.map(([, meaning]) => meaning.length));
  const table = rows
    .map(([symbol, meaning, value]) => `${symbol.padEnd(symbolWidth)}  ${meaning.padEnd(meaningWidth)}  ${value}`)
    .join('\n');
  return `Distribution-time lower bounds (Kurose & Ross, section 2.5)\n${table}`;
}

/**
 * One line of JSON for scripts: `clientServerSec` and `p2pSec` first, then the binding terms and the
 * inputs. An unlimited d_min is `null`, since JSON has no Infinity.
 */
export function formatReportJson({ input, clientServer, p2p }: TheoryReport): string {
  const minDownload = minPeerDownload(input);
  return JSON.stringify({
    clientServerSec: clientServer.seconds,
    p2pSec: p2p.seconds,
    clientServerBindingTerm: clientServer.bindingTerm,
    p2pBindingTerm: p2p.bindingTerm,
    peerCount: input.peerCount,
    fileBytes: input.fileBytes,
    serverUploadBytesPerSec: input.serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec: totalPeerUpload(input),
    minPeerDownloadBytesPerSec: Number.isFinite(minDownload) ? minDownload : null,
  });
}

function totalPeerUpload(input: TheoryCliInput): number {
  return input.peerUploadBytesPerSec.reduce((sum, rate) => sum + rate, 0);
}

function minPeerDownload(input: TheoryCliInput): number {
  return input.peerDownloadBytesPerSec.reduce((min, rate) => Math.min(min, rate), Infinity);
}

/** Three decimals at most; a value that would round to 0 in them (a rate of 0.0000001 bytes/s) in exponent form. */
function formatNumber(value: number): string {
  if (value !== 0 && Math.abs(value) < 0.0005) return value.toExponential(2);
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/**
 * `67,108,864 bytes (64 MiB)`: exact bytes, and a prefixed size a person can read, in whichever of
 * binary (KiB…) or decimal (KB…) prefixes writes it shorter, so `64MiB` and `3600MB` read back as typed.
 */
function formatBytes(value: number, unit: 'bytes' | 'bytes/s'): string {
  const exact = `${formatNumber(value)} ${unit}`;
  const candidates = [withPrefix(value, 1000, DECIMAL_PREFIXES), withPrefix(value, 1024, BINARY_PREFIXES)].filter(
    (candidate) => candidate !== undefined,
  );
  const shortest = candidates.sort((a, b) => a.length - b.length)[0];
  if (shortest === undefined) return exact;
  return `${exact} (${shortest}${unit === 'bytes/s' ? '/s' : ''})`;
}

/**
 * `value` scaled to the largest prefix it reaches once rounded to 4 significant digits (999,999 bytes is "1 MB", not
 * "1,000 KB": the unit was chosen before rounding; found by review); undefined below `base`.
 */
function withPrefix(value: number, base: number, prefixes: readonly string[]): string | undefined {
  const rounded = (scaled: number): number => Number(scaled.toPrecision(4));
  let scaled = value;
  let prefix: string | undefined;
  for (const candidate of prefixes) {
    if (rounded(scaled) < base) break;
    scaled /= base;
    prefix = candidate;
  }
  if (prefix === undefined) return undefined;
  return `${rounded(scaled).toLocaleString('en-US', { maximumSignificantDigits: 4 })} ${prefix}`;
}

function formatDownload(bytesPerSec: number): string {
  return Number.isFinite(bytesPerSec) ? formatBytes(bytesPerSec, 'bytes/s') : 'unlimited';
}

/** `2,700 s (45 min)`: seconds, the unit the bounds are in, with minutes or hours when long. */
function formatSeconds(seconds: number): string {
  const exact = `${seconds.toLocaleString('en-US', { maximumSignificantDigits: 6 })} s`;
  const readable = (value: number, unit: string): string =>
    `${exact} (${value.toLocaleString('en-US', { maximumSignificantDigits: 3 })} ${unit})`;
  // Chosen by the rounded minutes: 3,599.9999 s was "(60 min)".
  const minutes = Number((seconds / 60).toPrecision(3));
  if (minutes >= 60) return readable(seconds / 3600, 'h');
  if (minutes >= 1) return readable(seconds / 60, 'min');
  return exact;
}
