import { MAX_CHUNK_COUNT, MAX_RUN_NUMBER, PROGRESS_REPORT_INTERVAL_MS, type ProgressReport } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_PEERS_PER_ADDRESS_IN_SWARM,
  DEFAULT_MAX_PEERS_PER_SWARM,
  DEFAULT_RECEIVED_BYTES_PER_SEC_PER_ADDRESS,
  FRAME_COST_FLOOR_BYTES,
} from '../src/limits';

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
