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
 * refused here with the same sentence. So is every key that means a setting: misspelled, given twice, or the start
 * page's after a swarm link's hash, it is refused, naming the key meant, rather than ignored.
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

/** The query parameters of a start page's link: settings for a new swarm. */
export const START_PARAMS = ['mode', 'server-up', 'peer-up', 'peer-down', 'selfish', 'file-mib'] as const;

/** The query parameters of one peer's settings. */
export const PEER_PARAMS = ['up', 'down', 'leave'] as const;

type SettingName = (typeof START_PARAMS)[number] | (typeof PEER_PARAMS)[number];

/** A key with what a misspelling changes folded away: case, `_` and `-` (`server_up`, `serverUp`, `Server-Up`). */
function folded(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

const SETTING_BY_FOLDED_KEY: ReadonlyMap<string, SettingName> = new Map(
  [...START_PARAMS, ...PEER_PARAMS].map((name) => [folded(name), name]),
);

/**
 * The setting a query key names, spelled right or not; undefined for a key of no setting. Those are left alone: a
 * chat app or a mailer appends its own (`utm_source`, `fbclid`) to the links it shows.
 */
function settingNamed(key: string): SettingName | undefined {
  return SETTING_BY_FOLDED_KEY.get(folded(key));
}

/** `a`, `a and b`, `a, b and c`. */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What is wrong with the keys of a link's query, for a link that takes the settings `taken`: a misspelled one
 * (`server_up`, `Mode`, `serverUp`, `UP`), a setting given twice, and one of `refused`. A misspelled key was ignored
 * without a word, the link opening with the defaults (a student's link uncapped), and of a setting given twice the
 * first was taken (found by review).
 */
function keyProblems(
  params: URLSearchParams,
  taken: readonly SettingName[],
  refused: readonly SettingName[],
): string[] {
  const problems: string[] = [];
  const refusedGiven: string[] = [];
  for (const key of new Set(params.keys())) {
    const meant = settingNamed(key);
    if (meant === undefined) continue;
    if (key !== meant)
      problems.push(
        taken.includes(meant)
          ? `"${key}" is not a setting: write ${meant}`
          : `"${key}" is not a setting of this link, which takes ${listed(taken)}`,
      );
    else if (refused.includes(meant)) refusedGiven.push(meant);
    else if (params.getAll(key).length > 1) problems.push(`${key} is given more than once`);
  }
  if (refusedGiven.length > 0)
    problems.push(
      `${listed(refusedGiven)} ${refusedGiven.length === 1 ? 'is a setting' : 'are settings'} of the start page, for a new swarm; a swarm link takes ${listed(PEER_PARAMS)}`,
    );
  return problems;
}

/** A whole number of MiB as a link writes it: digits only (`Number` read `0x10` as 16 and `1e3` as 1000). */
const FILE_MIB_WRITING = /^\d+$/;

/**
 * Reads `mode`, `server-up`, `peer-up`, `peer-down`, `selfish`, `file-mib` from a query string. A peer's settings
 * (`up`, `down`, `leave`) are no start page's, and are left alone, as keys of no setting are.
 */
export function parseStartParams(search: string): Parsed<PreparedStart> {
  const params = new URLSearchParams(search);
  const misspelled = keyProblems(params, START_PARAMS, []);
  if (misspelled.length > 0)
    return { ok: false, message: `This link's settings are invalid: ${misspelled.join('. ')}.` };
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
  if (fileMibText !== null && !FILE_MIB_WRITING.test(fileMibText))
    return { ok: false, message: `This link's settings are invalid: file-mib "${fileMibText}" is not a whole number.` };
  const fileMib = fileMibText === null ? undefined : Number(fileMibText);
  // Out of range, it was taken: the start page showed no error, and the browser's own bubble blocked Generate.
  if (fileMib !== undefined && (fileMib < MIN_TEST_FILE_MIB || fileMib > MAX_TEST_FILE_MIB))
    return {
      ok: false,
      message: `This link's settings are invalid: file-mib ${fileMib} is not a size from ${MIN_TEST_FILE_MIB} to ${MAX_TEST_FILE_MIB} MiB.`,
    };
  return { ok: true, value: { config: config.value, fileMib } };
}

/** Whether a query string holds peer settings (`up`, `down`, `leave`, spelled right or not), rather than a start page's or none. */
export function hasPeerParams(search: string): boolean {
  return [...new URLSearchParams(search).keys()].some((key) =>
    (PEER_PARAMS as readonly string[]).includes(settingNamed(key) ?? ''),
  );
}

/**
 * Where a swarm link's peer settings stand: in the page's query (`?up=…#/swarm/…`, as links are made), beside which a
 * seeder's address keeps the start page's settings it was prepared with (`?mode=p2p&server-up=2MB/s#/swarm/…`, which
 * a reload, or the teacher's copy of the address, opens); or after its hash (`#/swarm/…?up=…`, `Route`'s `settings`),
 * where nothing of the page's writes a start page's.
 */
export type PeerSettingsPlace = 'query' | 'after-hash';

/**
 * Reads one peer's `up`, `down`, `leave` from a query string. After the hash, a start page's settings are refused: they
 * set nothing there (`peer-up` on a student's link, which joined uncapped).
 */
export function parsePeerParams(search: string, place: PeerSettingsPlace): Parsed<PeerOverride> {
  const params = new URLSearchParams(search);
  const override: { -readonly [K in keyof PeerOverride]: PeerOverride[K] } = {};
  const problems = keyProblems(params, PEER_PARAMS, place === 'after-hash' ? START_PARAMS : []);
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
