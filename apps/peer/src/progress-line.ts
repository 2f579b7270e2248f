import type { SwarmSnapshot } from '@swarmlab/engine';

const MB = 1_000_000;

/** One line of a run's progress for the terminal: chunks, percentage, rates and neighbours. */
export function progressLine(snapshot: SwarmSnapshot, connectedPeers: number): string {
  const percent = Math.floor((100 * snapshot.chunksHeld) / snapshot.chunkCount);
  const down = (snapshot.downloadBytesPerSec / MB).toFixed(1);
  const up = (snapshot.uploadBytesPerSec / MB).toFixed(1);
  return `${snapshot.chunksHeld}/${snapshot.chunkCount} chunks (${percent} %)  ↓ ${down} MB/s  ↑ ${up} MB/s  ${connectedPeers} peers`;
}
