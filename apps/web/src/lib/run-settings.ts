import {
  capBytesPerSecSchema,
  DEFAULT_RUN_CONFIG,
  MIN_CAP_BYTES_PER_SEC,
  settingsInRun,
  swarmModeSchema,
  type PeerOverride,
  type PeerProgress,
  type RunConfig,
} from '@swarmlab/protocol';
import { parseByteQuantity } from '@swarmlab/theory';
import { MAX_TEST_FILE_MIB, MIN_TEST_FILE_MIB } from './test-file';

/**
 * Link caps and run settings as a person types them (`2MB/s`, `500kB/s`, empty for no cap) and as a
 * prepared link carries them in its query string, so a link reproduces a run:
 *
 * - swarm-wide, on the start page: `mode=p2p|client-server`, `server-up`, `peer-up`, `peer-down`,
 *   `selfish=1` (leechers leave on completion), `file-mib` (size of the generated test file);
 * - one peer's own, on a swarm link: `up`, `down`, `leave=1|0`.
 *
 * Every value is checked with the protocol's schema, the one the server applies too, so a bad cap is
 * refused here with the same sentence.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** `text` as a cap in bytes/s; empty means no cap (`null`). `label` names the field in the message, `noCap` how its form writes no cap. */
export function parseCap(text: string, label: string, noCap: NoCapWriting = 'empty'): Parsed<number | null> {
  const trimmed = text.trim();
  if (trimmed === '' || NO_CAP_WORDS.test(trimmed)) return { ok: true, value: null };
  const written = trimmed.replace(/\s+/g, '');
  const quantity = parseByteQuantity(written, 'rate');
  // Quoting what was typed ("2 MB/sec"), not the text read ("2MB/sec").
  if (!quantity.ok)
    return { ok: false, message: `${label}: ${quantity.reason.replace(`"${written}"`, `"${trimmed}"`)}` };
  // Where empty means the swarm's setting (a peer's links), the way to write "no cap" is `none`: the schema's advice
  // to leave the field empty set the opposite (found by review).
  if (noCap === 'none' && quantity.value < MIN_CAP_BYTES_PER_SEC)
    return {
      ok: false,
      message: `${label}: a cap must be at least ${MIN_CAP_BYTES_PER_SEC} B/s (10 kB/s); write none for no cap (empty follows the swarm's)`,
    };
  const checked = capBytesPerSecSchema.safeParse(quantity.value);
  if (!checked.success) return { ok: false, message: `${label}: ${checked.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, value: checked.data };
}

/**
 * Words for no cap, in any form: the page writes "no cap" where a link has none (the start page, the swarm table) and
 * the peer editor takes `none`; the run form refused both as "not a number of bytes" (found by review).
 */
const NO_CAP_WORDS = /^(none|no\s*cap|unlimited)$/i;

/** How a form writes "no cap": an empty field (the run form, a prepared link), or `none` (a peer's links). */
export type NoCapWriting = 'empty' | 'none';

/**
 * A cap as a form shows it: `2MB/s`, `1.5MB/s`, `250kB/s`, `2MiB/s`; empty for no cap. The shortest writing in a
 * unit that reads back exactly, bytes/s otherwise: 2 MiB/s read "2.097152MB/s", and a cap no unit divided exactly a
 * bare number, no unit at all ("1000100"), in the swarm table's links (found by review).
 */
export function formatCap(bytesPerSec: number | null): string {
  if (bytesPerSec === null) return '';
  let shortest = `${bytesPerSec}B/s`;
  for (const [unit, bytes] of [
    ['MB/s', 1e6],
    ['MiB/s', 2 ** 20],
    ['kB/s', 1e3],
    ['KiB/s', 2 ** 10],
  ] as const) {
    const value: number = bytesPerSec / bytes;
    const written = `${value}${unit}`;
    if (bytesPerSec >= bytes && value * bytes === bytesPerSec && written.length < shortest.length) shortest = written;
  }
  return shortest;
}

/** The texts of the run form, before parsing. */
export interface RunConfigText {
  mode: string;
  serverUp: string;
  peerUp: string;
  peerDown: string;
  selfish: boolean;
}

export function runConfigText(config: RunConfig): RunConfigText {
  return {
    mode: config.mode,
    serverUp: formatCap(config.seederUploadBytesPerSec),
    peerUp: formatCap(config.peerUploadBytesPerSec),
    peerDown: formatCap(config.peerDownloadBytesPerSec),
    selfish: config.leaveOnComplete,
  };
}

/** Every field's problem at once, so a person fixes the form in one go. */
export function parseRunConfig(text: RunConfigText): Parsed<RunConfig> {
  const mode = swarmModeSchema.safeParse(text.mode);
  const serverUp = parseCap(text.serverUp, 'Seeder upload u_s');
  const peerUp = parseCap(text.peerUp, 'Peer upload u_i');
  const peerDown = parseCap(text.peerDown, 'Peer download d_i');
  const problems = [
    ...(mode.success ? [] : [`Architecture: "${text.mode}" is neither p2p nor client-server`]),
    ...[serverUp, peerUp, peerDown].flatMap((parsed) => (parsed.ok ? [] : [parsed.message])),
  ];
  if (!mode.success || !serverUp.ok || !peerUp.ok || !peerDown.ok) return { ok: false, message: problems.join('. ') };
  return {
    ok: true,
    value: {
      mode: mode.data,
      seederUploadBytesPerSec: serverUp.value,
      peerUploadBytesPerSec: peerUp.value,
      peerDownloadBytesPerSec: peerDown.value,
      leaveOnComplete: text.selfish,
    },
  };
}

function parseFlag(value: string, name: string): Parsed<boolean> {
  if (value === '1' || value === 'true' || value === '') return { ok: true, value: true };
  if (value === '0' || value === 'false') return { ok: true, value: false };
  return { ok: false, message: `${name}: "${value}" is not 1 or 0` };
}

/** What a start-page link prepares: the run's settings, and the size of a generated test file. */
export interface PreparedStart {
  readonly config: RunConfig;
  readonly fileMib: number | undefined;
}

/** Reads `mode`, `server-up`, `peer-up`, `peer-down`, `selfish`, `file-mib` from a query string. */
export function parseStartParams(search: string): Parsed<PreparedStart> {
  const params = new URLSearchParams(search);
  const base = runConfigText(DEFAULT_RUN_CONFIG);
  const selfish = params.has('selfish') ? parseFlag(params.get('selfish') ?? '', 'selfish') : undefined;
  if (selfish && !selfish.ok) return { ok: false, message: `This link's settings are invalid: ${selfish.message}.` };
  const config = parseRunConfig({
    mode: params.get('mode') ?? base.mode,
    serverUp: params.get('server-up') ?? base.serverUp,
    peerUp: params.get('peer-up') ?? base.peerUp,
    peerDown: params.get('peer-down') ?? base.peerDown,
    selfish: selfish?.value ?? base.selfish,
  });
  if (!config.ok) return { ok: false, message: `This link's settings are invalid: ${config.message}.` };
  const fileMibText = params.get('file-mib');
  const fileMib = fileMibText === null ? undefined : Number(fileMibText);
  if (fileMib !== undefined && !(Number.isInteger(fileMib) && fileMib > 0))
    return { ok: false, message: `This link's settings are invalid: file-mib "${fileMibText}" is not a whole number.` };
  // Out of range, it was taken: the start page showed no error, and the browser's own bubble blocked Generate.
  if (fileMib !== undefined && (fileMib < MIN_TEST_FILE_MIB || fileMib > MAX_TEST_FILE_MIB))
    return {
      ok: false,
      message: `This link's settings are invalid: file-mib ${fileMib} is not a size from ${MIN_TEST_FILE_MIB} to ${MAX_TEST_FILE_MIB} MiB.`,
    };
  return { ok: true, value: { config: config.value, fileMib } };
}

/** The query parameters of one peer's settings. */
export const PEER_PARAMS = ['up', 'down', 'leave'] as const;

/** Whether a query string holds peer settings (`up`, `down`, `leave`), rather than a start page's or none. */
export function hasPeerParams(search: string): boolean {
  const params = new URLSearchParams(search);
  return PEER_PARAMS.some((name) => params.has(name));
}

/** Reads one peer's `up`, `down`, `leave` from a query string. */
export function parsePeerParams(search: string): Parsed<PeerOverride> {
  const params = new URLSearchParams(search);
  const override: { -readonly [K in keyof PeerOverride]: PeerOverride[K] } = {};
  const problems: string[] = [];
  for (const [name, key, label] of [
    ['up', 'uploadBytesPerSec', 'up (this peer’s upload)'],
    ['down', 'downloadBytesPerSec', 'down (this peer’s download)'],
  ] as const) {
    const text = params.get(name);
    if (text === null) continue;
    const parsed = parseCap(text, label);
    if (parsed.ok) override[key] = parsed.value;
    else problems.push(parsed.message);
  }
  const leave = params.get('leave');
  if (leave !== null) {
    const parsed = parseFlag(leave, 'leave');
    if (parsed.ok) override.leaveOnComplete = parsed.value;
    else problems.push(parsed.message);
  }
  if (problems.length > 0) return { ok: false, message: `This link's settings are invalid: ${problems.join('. ')}.` };
  return { ok: true, value: override };
}

/** The query string that prepares `config` on the start page (only what differs from the default). */
export function startParams(config: RunConfig, fileMib?: number): string {
  const params = new URLSearchParams();
  params.set('mode', config.mode);
  if (config.seederUploadBytesPerSec !== null) params.set('server-up', formatCap(config.seederUploadBytesPerSec));
  if (config.peerUploadBytesPerSec !== null) params.set('peer-up', formatCap(config.peerUploadBytesPerSec));
  if (config.peerDownloadBytesPerSec !== null) params.set('peer-down', formatCap(config.peerDownloadBytesPerSec));
  if (config.leaveOnComplete) params.set('selfish', '1');
  if (fileMib !== undefined) params.set('file-mib', String(fileMib));
  return `?${params.toString()}`;
}

/**
 * The seeder's upload a run started with `config` would give it, when the seeder's own link (set in its row) makes
 * it another than the run form's u_s; undefined when the form's stands. The form said 5 MB/s and the run went at
 * the seeder row's 2 MB/s, without a word (found by review). `null`: no cap.
 */
export function seederOwnUpload(
  config: RunConfig,
  peers: readonly Pick<PeerProgress, 'role' | 'override' | 'overrideByControl'>[],
): number | null | undefined {
  const seeder = peers.find((peer) => peer.role === 'seeder');
  if (!seeder) return undefined;
  const upload = settingsInRun(config, seeder.override, seeder.overrideByControl ?? false, 'seeder').uploadBytesPerSec;
  return upload === config.seederUploadBytesPerSec ? undefined : upload;
}

/**
 * The seeder's row as it would be with its own upload cleared (its other settings kept), for the run form's "use
 * this u_s" beside `seederOwnUpload`'s note: the teacher was told to find the row on another screen, under "In
 * detail". Undefined without a seeder, or when its row sets no upload.
 */
export function seederUploadCleared(
  peers: readonly Pick<PeerProgress, 'peerId' | 'role' | 'override'>[],
): { peerId: string; override: PeerOverride } | undefined {
  const seeder = peers.find((peer) => peer.role === 'seeder');
  if (seeder?.override.uploadBytesPerSec === undefined) return undefined;
  const { uploadBytesPerSec: _cleared, ...rest } = seeder.override;
  return { peerId: seeder.peerId, override: rest };
}
