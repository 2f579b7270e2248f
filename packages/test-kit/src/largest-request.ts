import {
  contentIdOf,
  MAX_CHUNK_COUNT,
  MAX_FILE_BYTES,
  type RunConfig,
  type SwarmCreateRequest,
} from '@swarmlab/protocol';

/**
 * The largest `swarm:create` the protocol allows (about 1.05 MB of JSON): `MAX_CHUNK_COUNT` chunks of the
 * largest file, a 255-character name of 3-byte characters, and `config` if given. For the server's size
 * checks and the signalling benchmark's flood.
 */
export async function largestCreateRequest(config?: RunConfig): Promise<SwarmCreateRequest> {
  const chunkSha256 = Array.from({ length: MAX_CHUNK_COUNT }, (_, index) => index.toString(16).padStart(64, 'f'));
  const manifest = {
    formatVersion: 1 as const,
    name: '€'.repeat(255),
    sizeBytes: MAX_FILE_BYTES,
    chunkBytes: MAX_FILE_BYTES / MAX_CHUNK_COUNT,
    chunkSha256,
  };
  return { manifest, contentId: await contentIdOf(manifest), ...(config && { config }) };
}
