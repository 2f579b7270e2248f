import { MAX_BROADCAST_FLOWS, type PairFlow, type PeerId, type ProgressReport } from '@swarmlab/protocol';

/**
 * Time constant of the smoothing: a tab reports every 300 ms and its engine counts whole 16 KiB blocks, so
 * one interval's difference jumps by a block or two; a second (about three reports) settles an edge's width
 * without hiding a peer that starts or stops sending for longer than that.
 */
export const FLOW_SMOOTHING_MS = 1000;

/**
 * A sender silent this long (a hidden tab still reports every 300 ms, timers in a worker) is taken to have
 * stopped: its edges go rather than freeze on the map at their last width.
 */
export const FLOW_STALE_AFTER_MS = 2000;

/** Slower than this is no edge: a trickle of `have`-era stragglers is not "exchanging data now". */
export const MIN_FLOW_BYTES_PER_SEC = 1000;

/**
 * What the server allows for one pair when it broadcasts the flows: `undefined` leaves the pair out (a
 * flagged sender, a receiver that left, a leecher in a client-server run), a number caps its rate (the
 * smaller of the sender's upload cap and the receiver's download cap; `Infinity` without caps).
 */
export type PairAllowance = (from: PeerId, to: PeerId) => number | undefined;

/**
 * Who sends to whom now in one run, derived from each sender's successive `sentTo` totals (engine counts
 * that only grow, each on the server's clock at receipt). Per pair it keeps the latest total and a rate,
 * exponentially smoothed over `FLOW_SMOOTHING_MS`: O(1) per pair, at most one per ordered pair of the run's
 * participants. Pure: times come from the caller.
 */
export interface PairFlows {
  /**
   * `senderId`'s report, received at `atMs`, of what it has sent each neighbour in the run; only the
   * neighbours among `receivers` (the run's participants) are kept, so a report naming made-up peers
   * cannot grow the table.
   */
  record(senderId: PeerId, sentTo: ProgressReport['sentTo'], atMs: number, receivers: ReadonlySet<PeerId>): void;
  /** `peerId` left, or was flagged: nothing it sent or received is shown any more. */
  forget(peerId: PeerId): void;
  /**
   * The flows at `atMs`, the fastest `maxFlows` first (ties by sender then receiver, so a broadcast is the same
   * for the same state), each within its allowance, none from a stale sender or below `MIN_FLOW_BYTES_PER_SEC`.
   */
  top(atMs: number, allowance: PairAllowance, maxFlows?: number): PairFlow[];
  /** Pairs held (for tests and bounds). */
  readonly pairCount: number;
  /** Everything it holds, as plain data (JSON), for `createPairFlows` to carry on from. */
  exportState(): PairFlowsState;
}

/** `PairFlows` as plain data: each sender's latest report time and its pairs' totals and rates. */
export interface PairFlowsState {
  readonly senders: readonly {
    readonly senderId: PeerId;
    readonly lastReportAtMs: number;
    readonly pairs: readonly { readonly receiverId: PeerId; readonly state: Readonly<PairState> }[];
  }[];
}

interface PairState {
  totalBytes: number;
  atMs: number;
  /** Null until a second report gives a difference. */
  bytesPerSec: number | null;
}

interface SenderState {
  lastReportAtMs: number;
  readonly pairs: Map<PeerId, PairState>;
}

export function createPairFlows(state?: PairFlowsState): PairFlows {
  const senders = new Map<PeerId, SenderState>();
  let pairCount = 0;
  for (const { senderId, lastReportAtMs, pairs } of state?.senders ?? []) {
    senders.set(senderId, {
      lastReportAtMs,
      pairs: new Map(pairs.map(({ receiverId, state: pair }) => [receiverId, { ...pair }])),
    });
    pairCount += pairs.length;
  }

  const update = (pair: PairState, totalBytes: number, atMs: number): void => {
    const elapsedMs = atMs - pair.atMs;
    if (elapsedMs <= 0) {
      pair.totalBytes = Math.max(pair.totalBytes, totalBytes);
      return;
    }
    // Totals only grow: a smaller figure is a report overtaken by a later one, which sent nothing new.
    const sentBytes = Math.max(0, totalBytes - pair.totalBytes);
    const instantBytesPerSec = (sentBytes * 1000) / elapsedMs;
    const weight = 1 - Math.exp(-elapsedMs / FLOW_SMOOTHING_MS);
    pair.bytesPerSec =
      pair.bytesPerSec === null
        ? instantBytesPerSec
        : pair.bytesPerSec + weight * (instantBytesPerSec - pair.bytesPerSec);
    pair.totalBytes = Math.max(pair.totalBytes, totalBytes);
    pair.atMs = atMs;
  };

  return {
    record(senderId, sentTo, atMs, receivers) {
      const sender = senders.get(senderId) ?? { lastReportAtMs: atMs, pairs: new Map<PeerId, PairState>() };
      senders.set(senderId, sender);
      sender.lastReportAtMs = Math.max(sender.lastReportAtMs, atMs);
      const named = new Set<PeerId>();
      for (const { peerId, bytes } of sentTo) {
        if (peerId === senderId || !receivers.has(peerId)) continue;
        named.add(peerId);
        const pair = sender.pairs.get(peerId);
        if (pair) update(pair, bytes, atMs);
        else {
          sender.pairs.set(peerId, { totalBytes: bytes, atMs, bytesPerSec: null });
          pairCount++;
        }
      }
      // A neighbour the engine no longer lists got nothing more: its total stands still.
      for (const [peerId, pair] of sender.pairs) if (!named.has(peerId)) update(pair, pair.totalBytes, atMs);
    },

    forget(peerId) {
      const sender = senders.get(peerId);
      if (sender) {
        pairCount -= sender.pairs.size;
        senders.delete(peerId);
      }
      for (const other of senders.values()) if (other.pairs.delete(peerId)) pairCount--;
    },

    top(atMs, allowance, maxFlows = MAX_BROADCAST_FLOWS) {
      const flows: PairFlow[] = [];
      for (const [from, sender] of senders) {
        if (atMs - sender.lastReportAtMs > FLOW_STALE_AFTER_MS) continue;
        for (const [to, pair] of sender.pairs) {
          if (pair.bytesPerSec === null) continue;
          const limit = allowance(from, to);
          if (limit === undefined) continue;
          const bytesPerSec = Math.round(Math.min(pair.bytesPerSec, limit));
          if (bytesPerSec >= MIN_FLOW_BYTES_PER_SEC) flows.push({ from, to, bytesPerSec });
        }
      }
      flows.sort((a, b) => b.bytesPerSec - a.bytesPerSec || compareIds(a.from, b.from) || compareIds(a.to, b.to));
      return flows.slice(0, Math.max(0, maxFlows));
    },

    get pairCount() {
      return pairCount;
    },

    exportState() {
      return {
        senders: [...senders].map(([senderId, sender]) => ({
          senderId,
          lastReportAtMs: sender.lastReportAtMs,
          pairs: [...sender.pairs].map(([receiverId, pair]) => ({ receiverId, state: { ...pair } })),
        })),
      };
    },
  };
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
