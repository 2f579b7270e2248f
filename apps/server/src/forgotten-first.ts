import type { PeerId } from '@swarmlab/protocol';

/**
 * Which of `entries` (oldest first) to forget first: the oldest of the address with most of them, as
 * `DepartedMembers` does. Oldest of all let one socket joining and leaving 64 times push a reloading classmate's
 * place out of the run: it came back under a new id, its kept chunks refused as faster than its caps, and was
 * flagged on every screen (found by review).
 */
export function forgottenFirst<Entry extends { readonly address?: string | undefined }>(
  entries: Iterable<readonly [PeerId, Entry]>,
): PeerId | undefined {
  const byAddress = new Map<string, { count: number; oldest: PeerId }>();
  let busiest: { count: number; oldest: PeerId } | undefined;
  for (const [peerId, entry] of entries) {
    const kept = byAddress.get(entry.address ?? '') ?? { count: 0, oldest: peerId };
    kept.count++;
    byAddress.set(entry.address ?? '', kept);
    if (!busiest || kept.count > busiest.count) busiest = kept;
  }
  return busiest?.oldest;
}
