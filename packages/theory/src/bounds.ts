import { TheoryInputError } from './errors';
import {
  requireBytes,
  requireFileBytes,
  requirePeerDownloadRate,
  requirePeerUploadRate,
  requirePerPeerRates,
  requirePositiveInteger,
  requireFiniteTotals,
  requirePositiveRate,
} from './validate';

/**
 * The lower bounds on distribution time from Kurose & Ross §2.5 (see `docs/THEORY.md`). Every
 * function takes bytes and bytes/s and returns seconds; the seed writes bits/s, the product does not.
 */

/**
 * The term of a bound's `max(…)` that is largest:
 * - `server-upload`: the server's upload link. Client-server: N·F/u_s (it sends N copies);
 *   peer-to-peer: F/u_s (it sends each bit at least once).
 * - `slowest-download`: F/d_min, the peer with the slowest download link.
 * - `total-upload`: N·F/(u_s + Σu_i), all upload capacity together delivering N copies (P2P only); less what
 *   peers outside the N delivered to them, in a run with churn (`P2pInput.uncountedUploadedBytes`).
 */
export type BoundTerm = 'server-upload' | 'slowest-download' | 'total-upload';

export type ClientServerTerm = Exclude<BoundTerm, 'total-upload'>;

/** A bound and the term that sets it. */
export interface Bound<Term extends BoundTerm> {
  readonly seconds: number;
  /** The largest term; on an exact tie, the one listed first in {@link BoundTerm}. */
  readonly bindingTerm: Term;
  /** Every term of the `max(…)`, so a display can show how close the others come. */
  readonly termSeconds: Readonly<Record<Term, number>>;
}

export type ClientServerBound = Bound<ClientServerTerm>;
export type P2pBound = Bound<BoundTerm>;

export interface ClientServerInput {
  /** N: peers that want the file; the server is not counted. */
  readonly peerCount: number;
  /** F */
  readonly fileBytes: number;
  /** u_s */
  readonly serverUploadBytesPerSec: number;
  /** d_i for each of the N peers; `Infinity` means unlimited. */
  readonly peerDownloadBytesPerSec: readonly number[];
}

export interface P2pInput extends ClientServerInput {
  /** u_i for each of the N peers; 0 is a peer that never uploads. */
  readonly peerUploadBytesPerSec: readonly number[];
  /**
   * Bytes that peers not among the N (not counted in N: leechers that left the swarm before completing, in a run
   * with churn) uploaded to them. They delivered that much of the N copies, so the total-upload term is (N·F − this)/(u_s + Σu_i), never
   * below 0. Absent: 0, the seed's model.
   */
  readonly uncountedUploadedBytes?: number;
}

/** The swarm reduced to the aggregates the bounds depend on, already validated. */
export interface SwarmTotals {
  readonly peerCount: number;
  readonly fileBytes: number;
  readonly serverUploadBytesPerSec: number;
  /** Σu_i */
  readonly totalPeerUploadBytesPerSec: number;
  /** d_min; `Infinity` when every peer's download is unlimited. */
  readonly minPeerDownloadBytesPerSec: number;
  /** What peers not among the N uploaded to them (`P2pInput.uncountedUploadedBytes`); absent: 0. */
  readonly uncountedUploadedBytes?: number;
}

/**
 * Client-server lower bound `D_cs = max(N·F/u_s, F/d_min)`: the server alone sends all N copies.
 * Throws {@link TheoryInputError} on inputs that make it meaningless.
 */
export function clientServerBound(input: ClientServerInput): ClientServerBound {
  validateCommon(input);
  return clientServerBoundFromTotals(totalsOf(input, 0));
}

/** {@link clientServerBound} in seconds only. */
export function clientServerBoundSec(input: ClientServerInput): number {
  return clientServerBound(input).seconds;
}

/**
 * Peer-to-peer lower bound `D_p2p = max(F/u_s, F/d_min, N·F/(u_s + Σu_i))`. The fluid model reaches
 * it exactly (Kumar & Ross 2006); a chunked swarm can get within a few chunk-times of it.
 * Throws {@link TheoryInputError} on inputs that make it meaningless.
 */
export function p2pBound(input: P2pInput): P2pBound {
  validateCommon(input);
  requirePerPeerRates('peerUploadBytesPerSec', input.peerUploadBytesPerSec, input.peerCount, requirePeerUploadRate);
  if (input.uncountedUploadedBytes !== undefined) requireBytes('uncountedUploadedBytes', input.uncountedUploadedBytes);
  const totalPeerUploadBytesPerSec = input.peerUploadBytesPerSec.reduce((sum, rate) => sum + rate, 0);
  return p2pBoundFromTotals({
    ...totalsOf(input, totalPeerUploadBytesPerSec),
    uncountedUploadedBytes: input.uncountedUploadedBytes ?? 0,
  });
}

/** {@link p2pBound} in seconds only. */
export function p2pBoundSec(input: P2pInput): number {
  return p2pBound(input).seconds;
}

/**
 * {@link clientServerBound} of a swarm given by its totals (N, u_s, d_min) rather than peer by peer: for a swarm
 * some of whose peers are known only in aggregate (a run's leechers past those the server lists), where a list of
 * N rates would be as long as N. Validated as the per-peer input is; Σu_i and `uncountedUploadedBytes` are ignored.
 */
export function clientServerBoundOfTotals(totals: SwarmTotals): ClientServerBound {
  // Σu_i and what departed peers uploaded are not looked at, as `clientServerBound` takes neither: one past a double,
  // or none known, cannot make D_cs unknown.
  const { uncountedUploadedBytes: _uncounted, ...common } = totals;
  return clientServerBoundFromTotals(validTotals({ ...common, totalPeerUploadBytesPerSec: 0 }));
}

/** {@link p2pBound} of a swarm given by its totals (N, u_s, Σu_i, d_min): see {@link clientServerBoundOfTotals}. */
export function p2pBoundOfTotals(totals: SwarmTotals): P2pBound {
  return p2pBoundFromTotals(validTotals(totals));
}

function validTotals(totals: SwarmTotals): SwarmTotals {
  requirePositiveInteger('peerCount', totals.peerCount);
  requireFileBytes('fileBytes', totals.fileBytes);
  requirePositiveRate('serverUploadBytesPerSec', totals.serverUploadBytesPerSec);
  requirePeerUploadRate('totalPeerUploadBytesPerSec', totals.totalPeerUploadBytesPerSec);
  requirePeerDownloadRate('minPeerDownloadBytesPerSec', totals.minPeerDownloadBytesPerSec);
  if (totals.uncountedUploadedBytes !== undefined)
    requireBytes('uncountedUploadedBytes', totals.uncountedUploadedBytes);
  requireFiniteTotals(
    totals.peerCount,
    totals.fileBytes,
    totals.serverUploadBytesPerSec,
    totals.totalPeerUploadBytesPerSec,
  );
  return totals;
}

/** `D_cs` from validated totals; Σu_i is ignored, since peers do not upload in client-server. */
export function clientServerBoundFromTotals(totals: SwarmTotals): ClientServerBound {
  const { peerCount, fileBytes, serverUploadBytesPerSec, minPeerDownloadBytesPerSec } = totals;
  return maxTerm({
    'server-upload': (peerCount * fileBytes) / serverUploadBytesPerSec,
    'slowest-download': fileBytes / minPeerDownloadBytesPerSec,
  });
}

/** `D_p2p` from validated totals. */
export function p2pBoundFromTotals(totals: SwarmTotals): P2pBound {
  const { peerCount, fileBytes, serverUploadBytesPerSec, totalPeerUploadBytesPerSec, minPeerDownloadBytesPerSec } =
    totals;
  return maxTerm({
    'server-upload': fileBytes / serverUploadBytesPerSec,
    'slowest-download': fileBytes / minPeerDownloadBytesPerSec,
    'total-upload':
      Math.max(0, peerCount * fileBytes - (totals.uncountedUploadedBytes ?? 0)) /
      (serverUploadBytesPerSec + totalPeerUploadBytesPerSec),
  });
}

function validateCommon(input: ClientServerInput): void {
  requirePositiveInteger('peerCount', input.peerCount);
  requireFileBytes('fileBytes', input.fileBytes);
  requirePositiveRate('serverUploadBytesPerSec', input.serverUploadBytesPerSec);
  requirePerPeerRates(
    'peerDownloadBytesPerSec',
    input.peerDownloadBytesPerSec,
    input.peerCount,
    requirePeerDownloadRate,
  );
}

function totalsOf(input: ClientServerInput, totalPeerUploadBytesPerSec: number): SwarmTotals {
  requireFiniteTotals(input.peerCount, input.fileBytes, input.serverUploadBytesPerSec, totalPeerUploadBytesPerSec);
  return {
    peerCount: input.peerCount,
    fileBytes: input.fileBytes,
    serverUploadBytesPerSec: input.serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec,
    // reduce, not Math.min(...rates): spreading a large swarm's list would overflow the call stack.
    minPeerDownloadBytesPerSec: input.peerDownloadBytesPerSec.reduce((min, rate) => Math.min(min, rate), Infinity),
  };
}

/** The input a term divides by: the one to blame when the term comes out infinite. */
const DIVISOR_OF_TERM: Readonly<Record<BoundTerm, string>> = {
  'server-upload': 'serverUploadBytesPerSec',
  'slowest-download': 'peerDownloadBytesPerSec',
  'total-upload': 'peerUploadBytesPerSec',
};

/**
 * Picks the largest term; object key order is the tie-break order. A term past what a double holds (a rate of
 * 1e-320 bytes/s is finite and above 0, F over it is not) is a `TheoryInputError`: the bound printed "∞ s".
 */
function maxTerm<Term extends BoundTerm>(termSeconds: Record<Term, number>): Bound<Term> {
  let bindingTerm: Term | undefined;
  for (const term of Object.keys(termSeconds) as Term[]) {
    if (!Number.isFinite(termSeconds[term]))
      throw new TheoryInputError(DIVISOR_OF_TERM[term], `is too small: the ${term} term is too large to compute`);
    if (bindingTerm === undefined || termSeconds[term] > termSeconds[bindingTerm]) bindingTerm = term;
  }
  return { seconds: termSeconds[bindingTerm!], bindingTerm: bindingTerm!, termSeconds };
}
