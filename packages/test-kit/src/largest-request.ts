import {
  contentIdOf,
  MAX_CHUNK_COUNT,
  MAX_FILE_BYTES,
  MAX_RESUMED_PARTICIPANTS,
  MAX_RUN_NUMBER,
  type RunConfig,
  type SwarmCreateRequest,
  type SwarmRestoreRequest,
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

/**
 * The largest `swarm:restore` the protocol allows: the largest create's manifest, and every other field at
 * its longest (`MAX_RESUMED_PARTICIPANTS` participants with 64-character peer ids and their settings, the
 * longest run config,
 * a resumed run, the settings a member remembers). Larger than the largest create by about 28 KB: what the
 * server's `maxEventBytes` must hold too, or a tab re-registering its swarm after a restart is cut off by the
 * transport, again and again.
 */
export async function largestRestoreRequest(config: RunConfig): Promise<SwarmRestoreRequest> {
  const { manifest, contentId } = await largestCreateRequest();
  const id = (index: number): string => index.toString(36).padStart(64, '_');
  const key = 'k'.repeat(22);
  const longestCap = config.seederUploadBytesPerSec;
  const settings = { uploadBytesPerSec: longestCap, downloadBytesPerSec: longestCap, leaveOnComplete: false };
  return {
    swarmId: 's'.repeat(22),
    peerId: id(0),
    memberKey: key,
    seal: { salt: key, controlDigest: 'd'.repeat(43) },
    role: 'seeder',
    control: key,
    run: {
      runNumber: MAX_RUN_NUMBER,
      config,
      settings,
      elapsedMs: 123_456_789.123456,
      completedAfterMs: 123_456_789.123456,
      participants: Array.from({ length: MAX_RESUMED_PARTICIPANTS }, (_, index) => ({
        peerId: id(index),
        role: 'leecher' as const,
        settings,
      })),
    },
    latestRunNumber: MAX_RUN_NUMBER,
    override: settings,
    config,
    controlLinks: Array.from({ length: MAX_RESUMED_PARTICIPANTS }, (_, index) => ({
      peerId: id(index),
      override: settings,
    })),
    manifest,
    contentId,
  };
}
