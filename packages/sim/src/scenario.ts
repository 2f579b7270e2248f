import type { EngineConfig } from '@swarmlab/engine';
import type { SwarmMode } from '@swarmlab/protocol';

/** One simulated distribution: the seed's model plus what a real swarm adds (chunks, latency, faults). */
export interface Scenario {
  /** N: peers that want the file (the seeder is not counted). */
  readonly peerCount: number;
  /** F */
  readonly fileBytes: number;
  /** A multiple of 16 bytes a 64 KiB block (any power of two does): see `scaled-bytes.ts`. */
  readonly chunkBytes: number;
  /** u_s */
  readonly serverUploadBytesPerSec: number;
  /** u_i: one value for every peer, or one per peer. */
  readonly peerUploadBytesPerSec: readonly number[];
  /** d_i: one value for every peer, or one per peer; `Infinity` is unlimited. */
  readonly peerDownloadBytesPerSec: readonly number[];
  readonly mode: SwarmMode;
  /** Seed of every random choice: the same scenario and seed give the same run. */
  readonly seed: number;
  /** One-way delay of every link. */
  readonly latencyMs: number;
  /** The seeder leaves (selfishly) as soon as every chunk exists somewhere among the peers. */
  readonly seederLeavesEarly: boolean;
  /** Fraction of peers whose uploads are corrupted (one flipped byte per chunk): from 0 to below 1. */
  readonly corruptFraction: number;
  /** K: each peer dials random others (as from a tracker's random subset) until it has 2K connections,
   * skipping peers already at 2K; a full mesh when the swarm has at most 2K + 1 nodes. */
  readonly connectionsPerPeer: number;
  /**
   * 1 (the default) or 2: two threads each run half the engines, exchanging the messages that cross
   * at every link latency. Same seed, same run; but not the same run as on one thread (messages that
   * cross are queued after same-instant local ones). Not with `seederLeavesEarly`.
   */
  readonly threads?: number;
  /**
   * Engine tunables to try (benchmarks and experiments); the engine's defaults otherwise. Not `blockBytes` or
   * `slowestCapBytesPerSec`: the simulator sets them in its real, scaled-down bytes, and refuses them here.
   */
  readonly engineConfig?: Partial<EngineConfig>;
}

export const SCENARIO_DEFAULTS = {
  chunkBytes: 256 * 1024,
  mode: 'p2p',
  seed: 1,
  latencyMs: 20,
  seederLeavesEarly: false,
  corruptFraction: 0,
  connectionsPerPeer: 16,
} as const satisfies Partial<Scenario>;

/** The rate of peer `index` from a list that holds one value for all or one per peer. */
export function rateOf(rates: readonly number[], index: number): number {
  return rates.length === 1 ? rates[0]! : rates[index]!;
}
