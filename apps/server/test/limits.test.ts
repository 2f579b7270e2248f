import {
  DEFAULT_RUN_CONFIG,
  MAX_CHUNK_COUNT,
  MAX_RUN_NUMBER,
  PROGRESS_REPORT_INTERVAL_MS,
  swarmRestoreRequestSchema,
  swarmResumeRequestSchema,
  type ProgressReport,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  DEEPEST_VALID_REQUEST_DEPTH,
  DEFAULT_MAX_PAYLOAD_DEPTH,
  DEFAULT_MAX_PEERS_PER_ADDRESS_IN_SWARM,
  DEFAULT_MAX_PEERS_PER_SWARM,
  DEFAULT_RECEIVED_BYTES_PER_SEC_PER_ADDRESS,
  FRAME_COST_FLOOR_BYTES,
  resolveLimits,
} from '../src/limits';
import { measurePayload } from '../src/payload-measure';

describe('the per-address budget of bytes received', () => {
  it('carries a class behind one NAT address reporting the largest file to every classmate, on half of it', () => {
    const peers = DEFAULT_MAX_PEERS_PER_SWARM;
    const manyBytes = 99_999_999_999;
    const report: ProgressReport = {
      role: 'leecher',
      runNumber: MAX_RUN_NUMBER,
      bitsBase64: Buffer.alloc(MAX_CHUNK_COUNT / 8, 0xff).toString('base64'),
      chunksHeld: MAX_CHUNK_COUNT,
      complete: false,
      uploadedBytes: manyBytes,
      downloadedBytes: manyBytes,
      uploadBytesPerSec: manyBytes,
      downloadBytesPerSec: manyBytes,
      peakUploadBytesPerSec: manyBytes,
      peakDownloadBytesPerSec: manyBytes,
      sentTo: Array.from({ length: peers - 1 }, (_, index) => ({
        peerId: `peer${String(index).padStart(18, '0')}`,
        bytes: manyBytes,
      })),
    };
    // As socket.io frames it, with an ack id, charged at least the floor on top.
    const frameBytes =
      Buffer.byteLength(`421234567${JSON.stringify(['progress:report', report])}`) + FRAME_COST_FLOOR_BYTES;
    const classBytesPerSec = (DEFAULT_MAX_PEERS_PER_ADDRESS_IN_SWARM * frameBytes * 1000) / PROGRESS_REPORT_INTERVAL_MS;
    // At 1 MiB/s, 48 tabs used 86–97 % of it, where its comment said half (found by review).
    expect(classBytesPerSec).toBeLessThanOrEqual(DEFAULT_RECEIVED_BYTES_PER_SEC_PER_ADDRESS / 2);
  });
});

describe('the payload depth cap', () => {
  const settings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
  /** A tab's resume in a run, listing a participant with its settings: request → run → participants → one → settings. */
  const resume: SwarmResumeRequest = {
    swarmId: 'A'.repeat(22),
    peerId: 'p1',
    memberKey: 'B'.repeat(22),
    seal: { salt: 'C'.repeat(22), controlDigest: 'D'.repeat(43) },
    role: 'leecher',
    run: {
      runNumber: 1,
      config: DEFAULT_RUN_CONFIG,
      settings,
      elapsedMs: 5,
      completedAfterMs: null,
      participants: [{ peerId: 'p2', role: 'leecher', settings }],
    },
  };
  const restore = {
    ...resume,
    manifest: { formatVersion: 1, name: 'f', sizeBytes: 1, chunkBytes: 16_384, chunkSha256: ['a'.repeat(64)] },
    contentId: 'b'.repeat(64),
  };
  const bounds = (maxDepth: number) => ({ maxDepth, maxBytes: 1_000_000 });

  it(`lets the deepest valid requests through at ${DEEPEST_VALID_REQUEST_DEPTH}, and at the default (found by review)`, () => {
    expect(swarmResumeRequestSchema.safeParse(resume).success).toBe(true);
    expect(swarmRestoreRequestSchema.safeParse(restore).success).toBe(true);
    for (const request of [resume, restore]) {
      expect(measurePayload(request, bounds(DEFAULT_MAX_PAYLOAD_DEPTH))).toMatchObject({ ok: true });
      expect(measurePayload(request, bounds(DEEPEST_VALID_REQUEST_DEPTH))).toMatchObject({ ok: true });
      expect(measurePayload(request, bounds(DEEPEST_VALID_REQUEST_DEPTH - 1))).toEqual({
        ok: false,
        code: 'payload-too-deep',
      });
    }
  });

  it('cannot be set below it: a resume in a run would be refused payload-too-deep (found by review)', () => {
    for (const maxPayloadDepth of [3, 4])
      expect(() => resolveLimits({ maxPayloadDepth }), String(maxPayloadDepth)).toThrow(
        new RangeError(
          `server limit maxPayloadDepth must be at least 5, the nesting of a valid swarm:resume (its run's participants and their settings), got ${maxPayloadDepth}`,
        ),
      );
    expect(resolveLimits({ maxPayloadDepth: DEEPEST_VALID_REQUEST_DEPTH }).maxPayloadDepth).toBe(5);
  });
});
