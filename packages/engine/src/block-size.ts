import { MAX_BLOCK_BYTES } from '@swarmlab/protocol';

/**
 * The smallest block any honest configuration asks for (the tests' 16 KiB; the app's is 32 KiB, BitTorrent's
 * customary block 16 KiB), and the grid every honest request's offset lies on: requests are refused below it or off
 * it (`isServableRange`). Each request has the serving side read a whole chunk from its store, and charges its upload
 * cap only for the bytes sent: a peer asking for 1 byte of one chunk after another kept a seeder reading chunks, and
 * a client-server run took 1.7–3.6 × as long (found by review). Off the grid, it could still ask for each chunk's
 * last byte.
 */
export const MIN_BLOCK_BYTES = 16 * 1024;

/**
 * The grid requests are held to by an engine whose own blocks are `blockBytes`: `MIN_BLOCK_BYTES`, or, for blocks
 * below it, the engine's own block. Only the simulator uses such blocks: its bytes are scaled down (a 64 KiB block is
 * 16 real bytes), and every engine of its swarm uses the same.
 */
export function requestGridBytes(blockBytes: number): number {
  return Math.min(MIN_BLOCK_BYTES, blockBytes);
}

/**
 * Whether we serve a request for `lengthBytes` at `offsetBytes` of a chunk of `chunkLengthBytes` (the range lies in
 * the chunk): its offset on the grid (`requestGridBytes`), and at least a grid step long, or what is left of the chunk
 * if less. An honest requester's blocks are `blockBytes`, a multiple of the grid step, at multiples of it, the last of
 * a chunk shorter: its endgame copies and its requests again after a choke are the same blocks.
 */
export function isServableRange(
  offsetBytes: number,
  lengthBytes: number,
  chunkLengthBytes: number,
  gridBytes: number,
): boolean {
  return offsetBytes % gridBytes === 0 && lengthBytes >= Math.min(gridBytes, chunkLengthBytes - offsetBytes);
}

/**
 * Why `blockBytes` is no block size an engine may use, or undefined. A whole number of bytes, at most
 * `MAX_BLOCK_BYTES` (the wire encoder refuses a longer request: a larger block threw on its first send), and from
 * `MIN_BLOCK_BYTES` on a multiple of it, so that its blocks lie on the grid every peer serves (`isServableRange`).
 * Below it only in the simulator's scaled bytes (`requestGridBytes`).
 */
export function blockBytesProblem(blockBytes: number): string | undefined {
  if (!Number.isInteger(blockBytes) || blockBytes < 1 || blockBytes > MAX_BLOCK_BYTES)
    return `blockBytes must be a whole number of bytes from 1 to ${MAX_BLOCK_BYTES}, got ${blockBytes}`;
  if (blockBytes >= MIN_BLOCK_BYTES && blockBytes % MIN_BLOCK_BYTES !== 0)
    return `blockBytes must be a multiple of ${MIN_BLOCK_BYTES} (the grid peers serve requests on), got ${blockBytes}`;
  return undefined;
}
