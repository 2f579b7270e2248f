import { randomInt, type Random } from './random';

/** What the choker knows of one connected peer. */
export interface ChokeCandidate {
  readonly peerId: string;
  /** The peer wants something we hold. */
  readonly interested: boolean;
  /** Bytes/s this peer sends us: what tit-for-tat reciprocates. */
  readonly downloadBytesPerSec: number;
  /** Unchoked us, yet sent nothing for a while although we wait on it. */
  readonly snubbed: boolean;
  /** When we last unchoked it, for the seeders' round robin; -Infinity if never. */
  readonly lastUnchokedAtMs: number;
}

/**
 * A downloading peer's unchokes (BitTorrent's choking algorithm): the `uploadSlots` interested peers
 * that upload most to us, snubbed ones excluded, plus `optimisticSlots` random choked interested peers
 * (kept between rotations) so newcomers get a first chunk and better partners can be discovered.
 */
export function planLeecherUnchokes(
  candidates: readonly ChokeCandidate[],
  options: { uploadSlots: number; optimisticSlots: number; keepOptimistic: readonly string[]; random: Random },
): { regular: string[]; optimistic: string[] } {
  const eligible = shuffled(
    candidates.filter((c) => c.interested && !c.snubbed),
    options.random,
  ).sort((a, b) => b.downloadBytesPerSec - a.downloadBytesPerSec);
  const regular = eligible.slice(0, options.uploadSlots).map((c) => c.peerId);
  const taken = new Set(regular);
  const optimistic = options.keepOptimistic.filter(
    (peerId) => !taken.has(peerId) && candidates.some((c) => c.peerId === peerId && c.interested),
  );
  const pool = shuffled(
    candidates.filter((c) => c.interested && !taken.has(c.peerId) && !optimistic.includes(c.peerId)),
    options.random,
  );
  while (optimistic.length < options.optimisticSlots && pool.length > 0) optimistic.push(pool.pop()!.peerId);
  return { regular, optimistic };
}

/**
 * A seeder's unchokes: it gains nothing back, so it serves the interested peers it has served least
 * recently (a round robin), which spreads its scarce upload across the swarm instead of feeding the
 * fastest downloaders forever.
 */
export function planSeederUnchokes(candidates: readonly ChokeCandidate[], slots: number, random: Random): string[] {
  return shuffled(
    candidates.filter((c) => c.interested),
    random,
  )
    .sort((a, b) => a.lastUnchokedAtMs - b.lastUnchokedAtMs)
    .slice(0, slots)
    .map((c) => c.peerId);
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
