import { describe, expect, it } from 'vitest';
import { MAX_BROADCAST_FLOWS } from '@swarmlab/protocol';
import {
  createPairFlows,
  FLOW_SMOOTHING_MS,
  FLOW_STALE_AFTER_MS,
  MIN_FLOW_BYTES_PER_SEC,
  type PairAllowance,
} from '../src/pair-flows';

const RUN = new Set(['s', 'a', 'b', 'c']);
const sent = (entries: Record<string, number>) => Object.entries(entries).map(([peerId, bytes]) => ({ peerId, bytes }));
const UNCAPPED: PairAllowance = () => Infinity;

/** A hand clock: the sender reports `bytesPerSec` to each receiver every `stepMs`, `steps` times from `startMs`. */
function reportSteadily(
  flows: ReturnType<typeof createPairFlows>,
  senderId: string,
  rates: Record<string, number>,
  { startMs = 0, stepMs = 300, steps = 10, startBytes = {} as Record<string, number> } = {},
): number {
  let atMs = startMs;
  for (let step = 0; step <= steps; step++) {
    atMs = startMs + step * stepMs;
    const totals = Object.fromEntries(
      Object.entries(rates).map(([to, rate]) => [to, (startBytes[to] ?? 0) + (rate * (atMs - startMs)) / 1000]),
    );
    flows.record(senderId, sent(totals), atMs, RUN);
  }
  return atMs;
}

describe('pair flows from successive sentTo totals', () => {
  it('turns steady totals into their rate, per ordered pair, on the server’s clock', () => {
    const flows = createPairFlows();
    const endMs = reportSteadily(flows, 's', { a: 1_000_000, b: 250_000 });
    reportSteadily(flows, 'a', { b: 500_000 });
    expect(flows.top(endMs, UNCAPPED)).toEqual([
      { from: 's', to: 'a', bytesPerSec: 1_000_000 },
      { from: 'a', to: 'b', bytesPerSec: 500_000 },
      { from: 's', to: 'b', bytesPerSec: 250_000 },
    ]);
  });

  it('needs two reports of a pair before it shows a rate', () => {
    const flows = createPairFlows();
    flows.record('s', sent({ a: 5_000_000 }), 100, RUN);
    expect(flows.top(100, UNCAPPED)).toEqual([]);
    flows.record('s', sent({ a: 5_300_000 }), 400, RUN);
    expect(flows.top(400, UNCAPPED)).toEqual([{ from: 's', to: 'a', bytesPerSec: 1_000_000 }]);
  });

  it('smooths a jump over about a second: one report’s burst does not set the width', () => {
    const flows = createPairFlows();
    const endMs = reportSteadily(flows, 's', { a: 100_000 });
    // 300 ms later, 300 kB arrive at once (1 MB/s for one interval).
    flows.record('s', sent({ a: 100_000 * (endMs / 1000) + 300_000 }), endMs + 300, RUN);
    const weight = 1 - Math.exp(-300 / FLOW_SMOOTHING_MS);
    const [flow] = flows.top(endMs + 300, UNCAPPED);
    expect(flow?.bytesPerSec).toBe(Math.round(100_000 + weight * (1_000_000 - 100_000)));
    expect(flow!.bytesPerSec).toBeLessThan(400_000);
  });

  it('lets an edge fade once the sender stops sending that neighbour, and drops it under the floor', () => {
    const flows = createPairFlows();
    let atMs = reportSteadily(flows, 's', { a: 200_000 });
    const total = 200_000 * (atMs / 1000);
    for (let step = 0; step < 20; step++) {
      atMs += 300;
      // The engine no longer lists `a` at all (it left the run): its total stands still.
      flows.record('s', step < 10 ? sent({ a: total }) : [], atMs, RUN);
    }
    expect(flows.top(atMs, UNCAPPED)).toEqual([]);
    expect(MIN_FLOW_BYTES_PER_SEC).toBeGreaterThan(0);
  });

  it('drops the flows of a sender silent for longer than FLOW_STALE_AFTER_MS', () => {
    const flows = createPairFlows();
    const endMs = reportSteadily(flows, 's', { a: 1_000_000 });
    expect(flows.top(endMs + FLOW_STALE_AFTER_MS, UNCAPPED)).toHaveLength(1);
    expect(flows.top(endMs + FLOW_STALE_AFTER_MS + 1, UNCAPPED)).toEqual([]);
  });

  it('never shows a pair above its allowance, nor one the allowance leaves out', () => {
    const flows = createPairFlows();
    const endMs = reportSteadily(flows, 's', { a: 3_000_000, b: 3_000_000 });
    reportSteadily(flows, 'c', { a: 2_000_000 });
    const allowance: PairAllowance = (from, to) => (from === 'c' ? undefined : to === 'a' ? 1_000_000 : Infinity);
    expect(flows.top(endMs, allowance)).toEqual([
      { from: 's', to: 'b', bytesPerSec: 3_000_000 },
      { from: 's', to: 'a', bytesPerSec: 1_000_000 },
    ]);
  });

  it('ignores a smaller total (an overtaken report) and a sender’s account of itself', () => {
    const flows = createPairFlows();
    flows.record('s', sent({ a: 1_000_000, s: 9e9 }), 0, RUN);
    flows.record('s', sent({ a: 1_300_000, s: 9e9 }), 300, RUN);
    flows.record('s', sent({ a: 1_000_000 }), 600, RUN);
    const [flow, ...others] = flows.top(600, UNCAPPED);
    expect(others).toEqual([]);
    expect(flow?.from).toBe('s');
    expect(flow?.to).toBe('a');
    // 1 MB/s, then an interval with nothing new.
    expect(flow?.bytesPerSec).toBe(Math.round(1_000_000 * Math.exp(-300 / FLOW_SMOOTHING_MS)));
  });

  it('keeps only receivers in the run, so made-up peer ids cannot grow the table', () => {
    const flows = createPairFlows();
    for (let report = 0; report < 50; report++) {
      const junk = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x${report}-${i}`, report * 1000]));
      flows.record('a', sent({ ...junk, b: report * 1000 }), report * 300, RUN);
    }
    expect(flows.pairCount).toBe(1);
  });

  it('forgets a peer as sender and as receiver', () => {
    const flows = createPairFlows();
    reportSteadily(flows, 's', { a: 1e6, b: 1e6 });
    const endMs = reportSteadily(flows, 'a', { b: 1e6, s: 1e6 });
    expect(flows.pairCount).toBe(4);
    flows.forget('a');
    expect(flows.pairCount).toBe(1);
    expect(flows.top(endMs, UNCAPPED).map(({ from, to }) => `${from}→${to}`)).toEqual(['s→b']);
  });

  it('broadcasts at most the fastest MAX_BROADCAST_FLOWS, in a stable order', () => {
    const peers = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const run = new Set(peers);
    const flows = createPairFlows();
    for (const [index, from] of peers.entries()) {
      const totals = (atMs: number) =>
        sent(Object.fromEntries(peers.filter((to) => to !== from).map((to) => [to, (10_000 + index) * atMs])));
      flows.record(from, totals(0), 0, run);
      flows.record(from, totals(1000), 1000, run);
    }
    const top = flows.top(1000, UNCAPPED);
    expect(flows.pairCount).toBe(12 * 11);
    expect(top).toHaveLength(MAX_BROADCAST_FLOWS);
    expect(top[0]).toEqual({ from: 'p11', to: 'p00', bytesPerSec: 10_011_000 });
    for (let i = 1; i < top.length; i++) expect(top[i]!.bytesPerSec).toBeLessThanOrEqual(top[i - 1]!.bytesPerSec);
    expect(flows.top(1000, UNCAPPED, 3).map(({ to }) => to)).toEqual(['p00', 'p01', 'p02']);
  });
});
