import type { DownloaderPeer } from './peer-state';

/**
 * A peer asked for a block in the endgame is passed over (its request no longer counts against
 * `endgameMaxRequestsPerBlock`) when another peer would deliver the block this many times sooner…
 */
export const OVERTAKE_FACTOR = 4;
/** …and at least this much sooner: fast peers' small differences (a few blocks queued) are no reason for a copy. */
export const OVERTAKE_MIN_MS = 1000;

/**
 * How long until `session` delivers the block we asked of it under `key`, from what it sent us lately: the bytes we
 * asked of it up to that request, at its rate over the rate window. A peer that sent nothing in the window and was
 * asked longer ago than its quickest answer took, is snubbed, or holds no such request: `Infinity` (nothing says it
 * will come soon).
 */
export function msUntilDelivered(session: DownloaderPeer, key: number, nowMs: number): number {
  const request = session.outstanding.get(key);
  if (!request || session.snubbed) return Infinity;
  const bytesPerSec = session.download.bytesPerSec(nowMs);
  if (bytesPerSec === 0) {
    const waitedMs = nowMs - request.sentAtMs;
    return waitedMs < session.minRoundTripMs ? session.minRoundTripMs - waitedMs : Infinity;
  }
  let queuedBytes = 0;
  for (const other of session.outstanding.values())
    if (other.sentAtMs <= request.sentAtMs) queuedBytes += other.lengthBytes;
  return (queuedBytes / bytesPerSec) * 1000;
}

/**
 * How long `session` would take to deliver one more block of `lengthBytes` asked now: behind what we asked of it, at
 * its rate over the rate window; an idle peer with no recent rate, its quickest answer so far. `Infinity` for a peer
 * that is snubbed, never answered, or is asked for blocks and sent nothing lately.
 */
export function msToDeliverAnother(session: DownloaderPeer, lengthBytes: number, nowMs: number): number {
  if (session.snubbed) return Infinity;
  const bytesPerSec = session.download.bytesPerSec(nowMs);
  if (bytesPerSec === 0) return session.outstanding.size === 0 ? session.minRoundTripMs : Infinity;
  let queuedBytes = lengthBytes;
  for (const request of session.outstanding.values()) queuedBytes += request.lengthBytes;
  return (queuedBytes / bytesPerSec) * 1000;
}

/** Whether a copy that would take `candidateMs` overtakes one due in `askedMs` by far (see `OVERTAKE_FACTOR`). */
export function overtakes(candidateMs: number, askedMs: number): boolean {
  return askedMs > OVERTAKE_FACTOR * candidateMs && askedMs - candidateMs >= OVERTAKE_MIN_MS;
}
