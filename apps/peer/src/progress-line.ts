import type { SwarmSnapshot } from '@swarmlab/engine';
import { formatRate } from '@swarmlab/protocol';

/**
 * One line of a run's progress for the terminal: chunks, percentage, rates and neighbours. Rates read as the web app's
 * screens show them (`formatRate`: kB/s below 1 MB/s, MB/s from it). Before, in MB/s to one decimal, anything under
 * 50 kB/s read "0.0 MB/s": a slow link looked stalled (found by review).
 */
export function progressLine(snapshot: SwarmSnapshot, connectedPeers: number): string {
  const percent = Math.floor((100 * snapshot.chunksHeld) / snapshot.chunkCount);
  const down = formatRate(snapshot.downloadBytesPerSec);
  const up = formatRate(snapshot.uploadBytesPerSec);
  const peers = `${connectedPeers} ${connectedPeers === 1 ? 'peer' : 'peers'}`;
  return `${snapshot.chunksHeld}/${snapshot.chunkCount} chunks (${percent} %)  ↓ ${down}  ↑ ${up}  ${peers}`;
}
