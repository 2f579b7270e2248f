import type { PeerId, ProgressReport } from '@swarmlab/protocol';
import { forgottenFirst } from './forgotten-first';
import { bytesThroughCapSpans } from './report-bounds';

/**
 * How far short of the file what the others say they sent a peer may fall and still corroborate its
 * completion. An honest receiver got at least the file through the senders' engines, which count every
 * block they send, so their sum reaches the file once their next reports arrive; 1 % spares rounding.
 */
export const CORROBORATION_SHORTFALL = 0.01;

/**
 * How long a completion may wait for its witnesses before it is taken for a lie. They report every
 * 300 ms (`PROGRESS_REPORT_INTERVAL_MS`) on timers a hidden tab does not slow, and a witness that leaves
 * is accounted for at once; what can hold a report back is a busy page (a completing tab hashing its file
 * without WebCrypto blocks for about 1.5 s per 16 MiB between yields). Ten seconds is several times that.
 */
export const CORROBORATION_WAIT_MS = 10_000;

/**
 * A witness whose last report is older than this counts as missing (as one whose socket the server saw drop):
 * ten report intervals, twice the longest pause of a busy page. A connection can die without the server
 * noticing for up to socket.io's ping interval and timeout (25 + 20 s); meanwhile the witness's reports are lost
 * and the completions it served must not be taken for lies.
 */
export const WITNESS_SILENCE_MS = 3000;

/**
 * What the participants of one run say they sent each other (issue #10 §3, corroboration): the honest
 * uploaders are the witnesses of every completion. Each sender's latest `sentTo` (engine totals, which
 * only grow) is kept, also after it left, with what it may have sent since its last report before it
 * left: that part nobody can report, so it is granted, no more than its upload cap passes in that time,
 * and towards a completion only the part of that time before the completion was heard (bytes sent later
 * cannot have completed it).
 */
export interface WitnessLedger {
  /**
   * `senderId`'s report, at `atMs`, of what it sent to each of `receivers` (others are ignored). `present`: the
   * senders still in the run, whose accounts are never the ones forgotten for room (absent: none).
   */
  record(
    senderId: PeerId,
    sentTo: ProgressReport['sentTo'],
    atMs: number,
    receivers: ReadonlySet<PeerId>,
    present?: (senderId: PeerId) => boolean,
  ): void;
  /**
   * `senderId`, which may have sent to others since `sinceMs` (its last report, or when it took part),
   * left at `atMs`; its upload cap bounds what it sent unreported. `address`, its network address if known, picks
   * which departed sender's grant goes first past `maxDepartedSenders` (see `forgottenFirst`).
   */
  left(senderId: PeerId, atMs: number, sinceMs: number, uploadBytesPerSec: number | null, address?: string): void;
  /** What the others report having sent `receiverId`. */
  witnessed(receiverId: PeerId): number;
  /** What the senders `among` picks report having sent `receiverId`. */
  witnessedFrom(receiverId: PeerId, among: (senderId: PeerId) => boolean): number;
  /**
   * Whether `witnessed` covers `fileBytes` for a completion heard at `heardAtMs`, with what departed senders may
   * have sent it unreported before then: generous, as a completion's confirmation must be (an honest one must
   * never wait on what a departed sender could not report), but never with time after the completion, nor towards a
   * receiver that neither the departed sender's reports nor any other sender's name (when its reports name anyone).
   */
  corroborates(receiverId: PeerId, fileBytes: number, heardAtMs: number): boolean;
  /**
   * Whether what the others reported, alone, covers `fileBytes`: strict, as an accusation must be. The grants
   * of departed senders are what they might have sent anyone, not what they sent this one (a leecher leaving an
   * uncapped run is granted the whole file towards every receiver).
   */
  reportsCover(receiverId: PeerId, fileBytes: number): boolean;
  /** When each sender last reported: the start of what it may send unreported. */
  lastReportAtMs(senderId: PeerId): number | undefined;
  /** What `senderId`'s earlier engines reported having sent, together (`restarted`): what its current one adds to. */
  carriedBytes(senderId: PeerId): number;
  /** What `senderId`'s current engine last reported having sent each receiver it names (kept: figures only grow). */
  sentOf(senderId: PeerId): ReadonlyMap<PeerId, number>;
  /**
   * `senderId` is back in the run with a new engine (its page reloaded), whose totals start again from zero:
   * what it reported before is carried, and its new totals add to it.
   */
  restarted(senderId: PeerId): void;
  /**
   * `senderId` is back in the run with the same engine (it resumed after leaving): its totals carry on, and
   * what it was granted as it left stays granted, no longer as a departed sender's.
   */
  returned(senderId: PeerId): void;
  /** `senderId` was flagged: nothing it said it sent counts any more. */
  discredit(senderId: PeerId): void;
  /**
   * Peer id `receiverId` is someone else's now (nobody can prove its old place theirs any more): what the
   * others said they sent under that id no longer counts for it.
   */
  forgetReceiver(receiverId: PeerId): void;
  /** Everything it holds, as plain data (a shared store keeps it between requests: `swarm-record.ts`). */
  exportState(): WitnessLedgerState;
}

/**
 * What a sender may have sent unreported: its upload cap (null: none) from its last report to its departure.
 * `spanMs`, when set, is the unreported time within `sinceMs`…`untilMs` of grants folded into one (see
 * `MAX_GRANTS_PER_SENDER`); all of it otherwise. A bare number is a grant stored before the times were kept: that
 * many bytes, whenever the completion.
 */
export type UnreportedGrant = TimedGrant | number;

export interface TimedGrant {
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly bytesPerSec: number | null;
  readonly spanMs?: number;
}

/**
 * Receivers a sender's account names at most, what its engines now and before its page reloaded reported together: a
 * run's participants and abandoned places are bounded at any moment (`maxDepartedParticipants`: 64 of each, beside 63
 * members at most), but one member naming each new puppet id with a byte, as the puppets came and went, grew its
 * account without end, and reloading between them its earlier engines' (`carried`; both found by review). Past it, a
 * receiver gone from the run makes room for a new one. 256 accounts of 1,024 were 20 MB, which a server on Redis
 * read and wrote at every report.
 */
export const MAX_RECEIVERS_PER_SENDER = 256;

/**
 * Grants a sender keeps apart; past them its two oldest are folded into one, which grants no less (its time before
 * a completion is taken as the whole span's up to it). A puppet reporting once between each leave and join made a
 * grant each cycle, without end (2,000 cycles, 2,000 grants, each scanned at every report).
 */
export const MAX_GRANTS_PER_SENDER = 8;

/**
 * Sender accounts kept, per departed sender kept (`maxDepartedSenders`): a departed sender's account is what
 * corroborates the completions it served, so it outlives its grant; past these, the account that vouches for fewest
 * bytes goes first (a puppet's that reported nothing, before any).
 */
export const SENDER_ACCOUNTS_PER_DEPARTED = 4;

const spanOf = (grant: TimedGrant): number => grant.spanMs ?? grant.untilMs - grant.sinceMs;

/** The larger of two caps (null, no cap, is the largest). */
const largerCap = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : Math.max(a, b);

/** Where the latest of an account's grants ends (−∞ when it has none with times). */
function grantedUntilMs(account: { readonly granted: readonly UnreportedGrant[] } | undefined): number {
  let untilMs = Number.NEGATIVE_INFINITY;
  for (const grant of account?.granted ?? []) if (typeof grant !== 'number') untilMs = Math.max(untilMs, grant.untilMs);
  return untilMs;
}

/**
 * Adds `grant` to `grants`, merged with the last when it carries straight on from it at the same cap; past
 * `MAX_GRANTS_PER_SENDER`, the two oldest with times are folded into one.
 */
function addGrant(grants: UnreportedGrant[], grant: UnreportedGrant): void {
  const last = grants.at(-1);
  if (
    typeof grant !== 'number' &&
    last !== undefined &&
    typeof last !== 'number' &&
    last.spanMs === undefined &&
    last.bytesPerSec === grant.bytesPerSec &&
    grant.sinceMs <= last.untilMs
  )
    grants[grants.length - 1] = { ...last, untilMs: Math.max(last.untilMs, grant.untilMs) };
  else grants.push(grant);
  if (grants.length <= MAX_GRANTS_PER_SENDER) return;
  const first = grants.findIndex((one) => typeof one !== 'number');
  const second = grants.findIndex((one, index) => index > first && typeof one !== 'number');
  if (first < 0 || second < 0) return;
  const [a, b] = [grants[first] as TimedGrant, grants[second] as TimedGrant];
  grants[first] = {
    sinceMs: Math.min(a.sinceMs, b.sinceMs),
    untilMs: Math.max(a.untilMs, b.untilMs),
    bytesPerSec: largerCap(a.bytesPerSec, b.bytesPerSec),
    spanMs: spanOf(a) + spanOf(b),
  };
  grants.splice(second, 1);
}

/**
 * What one sender's grants may have sent towards a completion heard at `heardAtMs`: the time of each before it
 * (none of a grant that began after it: each counted its burst, whatever its time, and a puppet's grants after a
 * liar's completion vouched for it), at its cap, with one burst among them all (`bytesThroughCapSpans`).
 */
export function grantsTowards(grants: readonly UnreportedGrant[], heardAtMs: number): number {
  let bare = 0;
  const spans: { cap: number | null; elapsedMs: number }[] = [];
  for (const grant of grants) {
    if (typeof grant === 'number') bare += grant;
    else if (grant.sinceMs < heardAtMs)
      spans.push({
        cap: grant.bytesPerSec,
        elapsedMs: Math.min(spanOf(grant), Math.min(heardAtMs, grant.untilMs) - grant.sinceMs),
      });
  }
  return bare + (spans.length > 0 ? bytesThroughCapSpans(spans) : 0);
}

/** A ledger as plain data: its maps as entry lists, in their order. */
export interface WitnessLedgerState {
  readonly senders: readonly (readonly [PeerId, SenderAccountState])[];
  readonly departed: readonly (readonly [PeerId, UnreportedGrant])[];
  /** The departed senders' network addresses, where known; absent in a record stored before they were kept. */
  readonly departedAddresses?: readonly (readonly [PeerId, string])[];
}

export interface SenderAccountState {
  readonly sent: readonly (readonly [PeerId, number])[];
  /** What an earlier engine of it reported (`restarted`); absent in a record stored before there was any. */
  readonly carried?: readonly (readonly [PeerId, number])[];
  /** What it was granted when it left before it came back (`restarted`), once per departure; absent when none. */
  readonly granted?: number | readonly UnreportedGrant[];
  /** Absent (or null, from a record stored before) for a sender back from a departure that has not reported since. */
  readonly lastReportAtMs?: number | null;
}

export interface WitnessLedgerOptions {
  /** Departed senders kept, oldest forgotten first: a run is joined and left indefinitely. */
  readonly maxDepartedSenders: number;
}

interface SenderAccount {
  /** Its latest account, by receiver. */
  sent: Map<PeerId, number>;
  /**
   * What its earlier engines reported, by receiver (`restarted`), less what it had sent under a peer id that
   * changed hands since (`forgetReceiver`: negative then, until it sends the new owner more).
   */
  carried: Map<PeerId, number>;
  /** What it was granted as it left, before it came back (`restarted`): it still counts towards completions. */
  granted: UnreportedGrant[];
  /**
   * Its latest report; undefined for a sender back from a departure that has not reported since (its silence counts
   * from when it took part). It was -Infinity, which a record in Redis stores as null: in memory such a sender was
   * silent at once, and a departure of it granted the whole file (found by review).
   */
  lastReportAtMs: number | undefined;
}

/** `state`: a ledger exported earlier, to carry on from (an empty one otherwise). */
export function createWitnessLedger(options: WitnessLedgerOptions, state?: WitnessLedgerState): WitnessLedger {
  const senders = new Map<PeerId, SenderAccount>(
    (state?.senders ?? []).map(([senderId, account]) => [
      senderId,
      {
        sent: new Map(account.sent),
        carried: new Map(account.carried ?? []),
        granted: grantsOf(account.granted),
        lastReportAtMs: account.lastReportAtMs ?? undefined,
      },
    ]),
  );
  /** Departed senders, in the order they left, with the most they sent after their last report. */
  const departed = new Map<PeerId, UnreportedGrant>(state?.departed ?? []);
  const departedAddresses = new Map<PeerId, string>(state?.departedAddresses ?? []);
  const maxAccounts = SENDER_ACCOUNTS_PER_DEPARTED * options.maxDepartedSenders;

  /** What an account vouches for: its bytes sent (positive entries), and whether it holds grants. */
  const vouchedBytes = (account: SenderAccount): number => {
    let bytes = 0;
    for (const [receiverId, sentBytes] of account.sent)
      bytes += Math.max(0, sentBytes + (account.carried.get(receiverId) ?? 0));
    for (const [receiverId, carriedBytes] of account.carried)
      if (!account.sent.has(receiverId)) bytes += Math.max(0, carriedBytes);
    return bytes;
  };

  /** A sender present again: no longer departed; its grant moves into its account (made if it has none yet). */
  const back = (senderId: PeerId): SenderAccount | undefined => {
    const grant = departed.get(senderId);
    departed.delete(senderId);
    departedAddresses.delete(senderId);
    if (grant === undefined) return senders.get(senderId);
    const account = senders.get(senderId) ?? {
      sent: new Map<PeerId, number>(),
      carried: new Map(),
      granted: [],
      lastReportAtMs: undefined,
    };
    addGrant(account.granted, grant);
    senders.set(senderId, account);
    return account;
  };

  const witnessedFrom = (receiverId: PeerId, among: (senderId: PeerId) => boolean): number => {
    let bytes = 0;
    for (const [senderId, account] of senders) {
      if (senderId === receiverId || !among(senderId)) continue;
      bytes += Math.max(0, (account.sent.get(receiverId) ?? 0) + (account.carried.get(receiverId) ?? 0));
    }
    return bytes;
  };
  const witnessed = (receiverId: PeerId): number => witnessedFrom(receiverId, () => true);

  return {
    record(senderId, sentTo, atMs, receivers, present = () => false) {
      const account = senders.get(senderId) ?? {
        sent: new Map<PeerId, number>(),
        carried: new Map(),
        granted: [],
        lastReportAtMs: atMs,
      };
      for (const { peerId, bytes } of sentTo) {
        // Engine totals only grow: a smaller figure is a report overtaken by a later one. Nothing sent is no entry:
        // every neighbour is listed, and one per puppet that ever joined the run piled up (2,000 for 2,000).
        const before = account.sent.get(peerId);
        if (before === undefined && (bytes <= 0 || peerId === senderId || !receivers.has(peerId))) continue;
        // Full: a receiver no longer in the run (nor an abandoned place) makes room; the first 1,024 were kept for good,
        // and whatever the sender sent anyone new was ignored (in client-server, every later completion unconfirmed).
        if (
          before === undefined &&
          !account.carried.has(peerId) &&
          receiversNamed(account) >= MAX_RECEIVERS_PER_SENDER &&
          !makeRoom(account, receivers)
        )
          continue;
        if (peerId !== senderId && receivers.has(peerId)) account.sent.set(peerId, Math.max(bytes, before ?? 0));
      }
      account.lastReportAtMs = atMs;
      senders.set(senderId, account);
      if (senders.size <= maxAccounts) return;
      // The account vouching for fewest bytes goes (never the one that just reported, nor one of a sender still in the
      // run: once puppets' accounts vouching more filled the ledger, honest senders' present accounts went each
      // other's way at every report, each time after a scan of every account; found by review). A run has at most
      // `maxDepartedSenders` present, a quarter of the accounts kept.
      let fewest: { senderId: PeerId; bytes: number } | undefined;
      for (const [otherId, other] of senders) {
        if (otherId === senderId || present(otherId)) continue;
        const bytes = vouchedBytes(other) + (other.granted.length > 0 || departed.has(otherId) ? 1 : 0);
        if (!fewest || bytes < fewest.bytes) fewest = { senderId: otherId, bytes };
      }
      if (fewest) senders.delete(fewest.senderId);
    },

    restarted(senderId) {
      // Present again: no longer a departed sender, whose grant could go past `maxDepartedSenders`. A sender that
      // left before its first report (its page still opening its store) has no account yet: one is made for it.
      const account = back(senderId);
      if (!account) return;
      for (const [receiverId, bytes] of account.sent)
        account.carried.set(receiverId, (account.carried.get(receiverId) ?? 0) + bytes);
      account.sent.clear();
    },

    returned(senderId) {
      back(senderId);
    },

    left(senderId, atMs, sinceMs, uploadBytesPerSec, address) {
      // A sender that left before and came back without reporting since is granted only the time after its last
      // grant: leaving and rejoining again and again must not grant the same span twice (each cycle did, and a
      // capped puppet's few unreported seconds then vouched for megabytes).
      const fromMs = Math.max(sinceMs, grantedUntilMs(senders.get(senderId)));
      departed.delete(senderId);
      departed.set(senderId, { sinceMs: fromMs, untilMs: Math.max(fromMs, atMs), bytesPerSec: uploadBytesPerSec });
      departedAddresses.delete(senderId);
      if (address !== undefined) departedAddresses.set(senderId, address);
      if (departed.size <= options.maxDepartedSenders) return;
      // Past the bound, a departed sender's grant goes, the address that left most first, never its account: one
      // socket joining and leaving 64 times erased an honest leecher's account, whose receiver was then flagged
      // "not confirmed", and the run ended on an earlier completion (70 s for a run of 150 s; found by review).
      const forgotten = forgottenFirst(
        [...departed.keys()].map((peerId) => [peerId, { address: departedAddresses.get(peerId) }] as const),
      )!;
      departed.delete(forgotten);
      departedAddresses.delete(forgotten);
      const account = senders.get(forgotten);
      if (account && account.granted.length === 0 && vouchedBytes(account) === 0) senders.delete(forgotten);
    },

    witnessed,
    witnessedFrom,

    corroborates(receiverId, fileBytes, heardAtMs) {
      /**
       * Whether `senderId`'s grant may go towards `receiverId`: its reports name it with bytes, or name nobody at all,
       * or another sender's name it (a receiver nobody else served is the liar's; a sender whose reports stopped
       * reaching the server may have begun serving one another sender also served).
       */
      const namesAny = (senderId: PeerId, receiverId: PeerId): boolean => {
        if (witnessedByOthers > 0) return true;
        const account = senders.get(senderId);
        if ((account?.sent.get(receiverId) ?? 0) + (account?.carried.get(receiverId) ?? 0) > 0) return true;
        for (const bytes of account?.sent.values() ?? []) if (bytes > 0) return false;
        for (const bytes of account?.carried.values() ?? []) if (bytes > 0) return false;
        return true;
      };
      const witnessedByOthers = witnessed(receiverId);
      let unreported = 0;
      const grantsOfSender = (senderId: PeerId): UnreportedGrant[] => {
        const grant = departed.get(senderId);
        const granted = senders.get(senderId)?.granted ?? [];
        return grant === undefined ? granted : [...granted, grant];
      };
      for (const senderId of new Set([...departed.keys(), ...senders.keys()])) {
        if (senderId === receiverId) continue;
        // Not towards a receiver nobody else reports serving and its own reports do not name, if they name anyone: its
        // grant went towards every receiver, so one honest student closing its tab confirmed a made-up completion of a
        // plain socket nobody had sent a byte (found by review). A sender that never named one (it left before its
        // first report) may have sent anyone anything: a puppet joining and leaving for this is the known "puppet".
        if (!namesAny(senderId, receiverId)) continue;
        const grants = grantsOfSender(senderId);
        if (grants.length > 0) unreported += Math.min(fileBytes, grantsTowards(grants, heardAtMs));
      }
      return witnessed(receiverId) + unreported >= fileBytes * (1 - CORROBORATION_SHORTFALL);
    },

    reportsCover(receiverId, fileBytes) {
      return witnessed(receiverId) >= fileBytes * (1 - CORROBORATION_SHORTFALL);
    },

    lastReportAtMs(senderId) {
      return senders.get(senderId)?.lastReportAtMs;
    },

    sentOf(senderId) {
      return senders.get(senderId)?.sent ?? new Map();
    },

    carriedBytes(senderId) {
      let bytes = 0;
      for (const carriedBytes of senders.get(senderId)?.carried.values() ?? []) bytes += Math.max(0, carriedBytes);
      return bytes;
    },

    discredit(senderId) {
      senders.delete(senderId);
      departed.delete(senderId);
      departedAddresses.delete(senderId);
    },

    forgetReceiver(receiverId) {
      for (const account of senders.values()) {
        // Engines keep their totals by peer id, so a sender's next report names this id with what it sent the
        // old owner again: only what it sends from now on may count. The carried amount offsets the rest.
        const beforeBytes = (account.sent.get(receiverId) ?? 0) + (account.carried.get(receiverId) ?? 0);
        if (beforeBytes > 0) account.carried.set(receiverId, (account.carried.get(receiverId) ?? 0) - beforeBytes);
      }
    },

    exportState: () => ({
      senders: [...senders].map(([senderId, account]) => [
        senderId,
        {
          sent: [...account.sent],
          carried: [...account.carried],
          ...(account.granted.length > 0 && { granted: [...account.granted] }),
          ...(account.lastReportAtMs !== undefined && { lastReportAtMs: account.lastReportAtMs }),
        },
      ]),
      departed: [...departed],
      ...(departedAddresses.size > 0 && { departedAddresses: [...departedAddresses] }),
    }),
  };
}

/** The receivers `account` names, by its current engine or earlier ones. */
function receiversNamed(account: SenderAccount): number {
  let named = account.sent.size;
  for (const receiverId of account.carried.keys()) if (!account.sent.has(receiverId)) named++;
  return named;
}

/**
 * Forgets one receiver of `account` that is not among `receivers` (gone from the run), in what its engines reported
 * now and before; false if there is none.
 */
function makeRoom(account: SenderAccount, receivers: ReadonlySet<PeerId>): boolean {
  for (const receiverId of new Set([...account.carried.keys(), ...account.sent.keys()])) {
    if (receivers.has(receiverId)) continue;
    account.sent.delete(receiverId);
    account.carried.delete(receiverId);
    return true;
  }
  return false;
}

/** A returned sender's grants as stored: a list, a total stored before the list was kept, or none. */
function grantsOf(stored: SenderAccountState['granted']): UnreportedGrant[] {
  if (stored === undefined) return [];
  return typeof stored === 'number' ? (stored > 0 ? [stored] : []) : [...stored];
}
