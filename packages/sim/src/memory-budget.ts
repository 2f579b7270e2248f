import type { Scenario } from './scenario';

/**
 * The most chunk copies a run may hold: every peer's store keeps its own copy of every chunk, about 221 B of heap
 * plus 64 B of bytes each (at 256 KiB chunks), so this is about 1.1 GB. 1,000 peers × 16,384 chunks (4 GiB in
 * 256 KiB chunks) was accepted and died of V8's out-of-memory error after 13 minutes (found by review). The
 * benchmark's largest run, 1,000 peers × 1,000 chunks, is a quarter of it.
 */
export const CHUNK_COPY_BUDGET = 4_000_000;

/**
 * The most link ends a run may hold (two a connection, about 1.7 KB each: the session, its holdings and its
 * messages in flight), about 0.85 GB. With the chunk copies' 1.1 GB and the engines' own state (about 15 KB each,
 * 1.5 GB at 100,000 peers), a run stays under node's default heap of about 4 GB. The benchmark's 1,000 peers
 * with 16 connections hold 32,032.
 */
export const LINK_END_BUDGET = 500_000;

/** What the budget's message tells the user to lower: the command line's flags or the library's fields. */
export type BudgetWords = 'flags' | 'fields';

const LOWER = {
  flags: {
    chunks: 'lower --peers or --file-bytes, or raise --chunk-bytes',
    links: 'lower --connections or --peers',
    star: 'lower --peers',
  },
  fields: {
    chunks: 'lower peerCount or fileBytes, or raise chunkBytes',
    links: 'lower connectionsPerPeer or peerCount',
    star: 'lower peerCount',
  },
} as const;

type BudgetedScenario = Pick<Scenario, 'peerCount' | 'fileBytes' | 'chunkBytes' | 'mode' | 'connectionsPerPeer'>;

/**
 * Link ends of a run's topology: client-server is a star (two a peer); p2p is a full mesh of the N + 1 nodes while
 * it has at most 2K + 1 of them, else about 2K a node (a few more where cut-off groups are joined).
 */
export function linkEndCount({ peerCount, mode, connectionsPerPeer }: BudgetedScenario): number {
  return mode === 'client-server' ? 2 * peerCount : (peerCount + 1) * Math.min(2 * connectionsPerPeer, peerCount);
}

/** Why `scenario` would not fit in memory, in one line naming the product and what to lower; or undefined. */
export function memoryBudgetProblem(scenario: BudgetedScenario, words: BudgetWords): string | undefined {
  const count = (value: number): string => value.toLocaleString('en-US');
  const chunkCount = Math.ceil(scenario.fileBytes / scenario.chunkBytes);
  const copies = scenario.peerCount * chunkCount;
  if (copies > CHUNK_COPY_BUDGET)
    return (
      `${count(scenario.peerCount)} peers × ${count(chunkCount)} chunks is ${count(copies)} chunk copies, over the ` +
      `budget of ${count(CHUNK_COPY_BUDGET)} (every peer stores each chunk; more would run out of memory): ` +
      LOWER[words].chunks
    );
  const linkEnds = linkEndCount(scenario);
  if (linkEnds > LINK_END_BUDGET)
    return (
      (scenario.mode === 'client-server'
        ? `${count(scenario.peerCount)} peers, each linked to the seeder, is `
        : `${count(scenario.peerCount + 1)} nodes × ${count(linkEnds / (scenario.peerCount + 1))} connections is `) +
      `${count(linkEnds)} link ends, over the budget of ${count(LINK_END_BUDGET)} (about 1.7 KB each; more would ` +
      `run out of memory): ${LOWER[words][scenario.mode === 'client-server' ? 'star' : 'links']}`
    );
  return undefined;
}
