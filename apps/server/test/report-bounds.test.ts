import type { Manifest, ProgressReport } from '@swarmlab/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bytesThroughCap,
  implausibilityOf,
  maxDownloadedBytes,
  PHYSICAL_MAX_BYTES_PER_SEC,
  type ReportBoundsInput,
} from '../src/report-bounds';
import { misfitOfReport, popcount } from '../src/report-check';
import { makeManifest } from './harness';

const MIB = 1024 * 1024;
/** 4 MiB in 16 KiB chunks: 256 chunks, a 32-byte bitmap. */
const FILE_BYTES = 4 * MIB;
const CHUNKS = 256;

const bitmap = (held: number): string => {
  const bytes = new Uint8Array(CHUNKS / 8);
  for (let i = 0; i < held; i++) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return Buffer.from(bytes).toString('base64');
};

/** An honest leecher's report holding `held` chunks, having received them and `extraBytes` more. */
const holding = (held: number, extraBytes = 0): ProgressReport => ({
  role: 'leecher',
  runNumber: 1,
  bitsBase64: bitmap(held),
  chunksHeld: held,
  complete: held === CHUNKS,
  uploadedBytes: 0,
  downloadedBytes: held * 16 * 1024 + extraBytes,
  uploadBytesPerSec: 0,
  downloadBytesPerSec: 0,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
  sentTo: [],
});

describe('a report against its file', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    ({ manifest } = await makeManifest(FILE_BYTES));
  });

  it('counts bits', () => {
    expect(popcount(new Uint8Array([0xff, 0x80, 0x00, 0x11]))).toBe(11);
  });

  it('refuses a chunk count that is not the bitmap’s, a completion without every chunk, and stray bits', async () => {
    expect(misfitOfReport(holding(10), manifest)).toBeUndefined();
    expect(misfitOfReport(holding(CHUNKS), manifest)).toBeUndefined();
    // The issue's 2-ms run: complete, no chunk, an all-zero bitmap.
    expect(misfitOfReport({ ...holding(0), complete: true }, manifest)).toBe(
      'complete: the bitmap holds 0 of the 256 chunks',
    );
    expect(misfitOfReport({ ...holding(10), chunksHeld: 11 }, manifest)).toBe(
      'chunksHeld: the bitmap holds 10 chunks, not 11',
    );
    expect(misfitOfReport({ ...holding(CHUNKS - 1), complete: true }, manifest)).toMatch(/holds 255 of the 256/);
    const { manifest: threeChunks } = await makeManifest(); // 3 chunks: 5 spare bits in its one byte
    const stray = { ...holding(0), bitsBase64: Buffer.from([0xe1]).toString('base64'), chunksHeld: 3 };
    expect(misfitOfReport(stray, threeChunks)).toBe("bitsBase64: bits past the file's last chunk (3) are set");
  });
});

describe('a report against what is physically possible', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    ({ manifest } = await makeManifest(FILE_BYTES));
  });

  /** A leecher in a p2p run with d_i = 1 MB/s, from a seeder at 1 MB/s and two peers at 500 kB/s. */
  const shaped = (elapsedMs: number): ReportBoundsInput => ({
    manifest,
    role: 'leecher',
    peerCount: 4,
    run: {
      elapsedMs,
      uploadBytesPerSec: 500_000,
      downloadBytesPerSec: 1_000_000,
      senderUploadBytesPerSec: [1_000_000, 500_000, 500_000],
    },
  });

  it('refuses Number.MAX_VALUE byte counts and rates, in a run or between runs', () => {
    const between: ReportBoundsInput = { manifest, role: 'leecher', peerCount: 4 };
    for (const input of [between, shaped(60_000)]) {
      expect(implausibilityOf({ ...holding(1), downloadedBytes: Number.MAX_VALUE }, input)).toMatch(
        /^downloadedBytes: .* is more than 3 times the file$/,
      );
      expect(implausibilityOf({ ...holding(1), uploadedBytes: Number.MAX_VALUE }, input)).toMatch(
        /^uploadedBytes: .* is more than 3 peers could download$/,
      );
      for (const field of ['uploadBytesPerSec', 'downloadBytesPerSec', 'peakUploadBytesPerSec'] as const) {
        expect(implausibilityOf({ ...holding(1), [field]: Number.MAX_VALUE }, input), field).toMatch(
          new RegExp(`^${field}: .* is beyond`),
        );
      }
    }
  });

  it('bounds byte counts by the file and the peers that could have received them', () => {
    const input: ReportBoundsInput = { manifest, role: 'leecher', peerCount: 4 };
    const most = maxDownloadedBytes(manifest);
    expect(most).toBe(3 * FILE_BYTES + 4 * 16 * 1024);
    expect(implausibilityOf({ ...holding(1), downloadedBytes: most }, input)).toBeUndefined();
    expect(implausibilityOf({ ...holding(1), downloadedBytes: most + 1 }, input)).toBeDefined();
    expect(implausibilityOf({ ...holding(1), uploadedBytes: 3 * most }, input)).toBeUndefined();
    expect(implausibilityOf({ ...holding(1), uploadedBytes: 3 * most + 1 }, input)).toBeDefined();
  });

  it('bounds rates by the caps with room for bursts, and by 10 GB/s without one', () => {
    const input = shaped(60_000);
    // Received enough for the peaks: 2 s at 3.1 MB/s.
    const received = holding(1, 6_200_000);
    expect(implausibilityOf({ ...received, peakDownloadBytesPerSec: 3_000_000 }, input)).toBeUndefined();
    expect(implausibilityOf({ ...received, peakDownloadBytesPerSec: 3_100_000 }, input)).toMatch(
      /^peakDownloadBytesPerSec: 3100000 B\/s is beyond its cap of 1000000 B\/s$/,
    );
    const unshaped: ReportBoundsInput = { manifest, role: 'leecher', peerCount: 4 };
    expect(implausibilityOf({ ...holding(1), downloadBytesPerSec: 9e9 }, unshaped)).toBeUndefined();
    expect(implausibilityOf({ ...holding(1), downloadBytesPerSec: PHYSICAL_MAX_BYTES_PER_SEC + 1 }, unshaped)).toMatch(
      /beyond any link/,
    );
  });

  it('refuses a peak its own byte totals cannot have moved in the rate’s window', () => {
    const unshaped: ReportBoundsInput = { manifest, role: 'leecher', peerCount: 30 };
    // A leecher of an uncapped run, claiming 9.9 GB/s of upload with nothing uploaded: its u_i in every bound.
    expect(implausibilityOf({ ...holding(1), peakUploadBytesPerSec: 9.9e9 }, unshaped)).toBe(
      'peakUploadBytesPerSec: 9900000000 B/s over 2 s is more than the 0 bytes it reports moving',
    );
    // What its totals moved in the window (2 s), and a block (64 KiB) more, is believed.
    const uploaded = { ...holding(1), uploadedBytes: 4_000_000 };
    expect(implausibilityOf({ ...uploaded, peakUploadBytesPerSec: 2_000_000 }, unshaped)).toBeUndefined();
    expect(implausibilityOf({ ...uploaded, peakUploadBytesPerSec: 2_032_000 }, unshaped)).toBeUndefined();
    expect(implausibilityOf({ ...uploaded, peakUploadBytesPerSec: 2_033_000 }, unshaped)).toMatch(
      /^peakUploadBytesPerSec: /,
    );
    expect(implausibilityOf({ ...holding(1), peakDownloadBytesPerSec: 50_000 }, unshaped)).toMatch(
      /^peakDownloadBytesPerSec: 50000 B\/s over 2 s is more than the 16384 bytes/,
    );
  });

  it('refuses a leecher in a run holding more than it received', () => {
    const input = shaped(60_000);
    expect(implausibilityOf({ ...holding(10), downloadedBytes: 9 * 16 * 1024 }, input)).toBe(
      'downloadedBytes: it holds 10 chunks but received only 147456 bytes',
    );
    // The seeder holds the file without downloading it.
    expect(implausibilityOf({ ...holding(CHUNKS), downloadedBytes: 0 }, { ...input, role: 'seeder' })).toBeUndefined();
    // Between runs, reports measure nothing: a tab reloaded during the last one holds what it did not count.
    expect(
      implausibilityOf({ ...holding(10), downloadedBytes: 0 }, { manifest, role: 'leecher', peerCount: 2 }),
    ).toBeUndefined();
  });

  it('believes a leecher holding what the others say they sent it', () => {
    expect(
      implausibilityOf({ ...holding(11), downloadedBytes: 0 }, { ...shaped(60_000), witnessedBytes: 11 * 16 * 1024 }),
    ).toBeUndefined();
  });

  it('refuses a completion earlier than the download cap allows, and accepts one at the cap', () => {
    // d_i = 1 MB/s caps this leecher (its senders could give 2 MB/s): F / d_i ≈ 4.19 s.
    expect(implausibilityOf(holding(CHUNKS), shaped(2))).toMatch(
      /^a completion after 0\.002 s is faster than its download cap and its senders' upload caps allow/,
    );
    expect(implausibilityOf(holding(CHUNKS), shaped(3_000))).toBeDefined();
    expect(implausibilityOf(holding(CHUNKS), shaped(4_200))).toBeUndefined();
    // An honest tab at its cap, with the engine's burst and an endgame duplicate, is believed.
    expect(implausibilityOf(holding(CHUNKS, 32 * 1024), shaped((FILE_BYTES / 1e6) * 1000))).toBeUndefined();
  });

  it('judges what a leecher holds by its download cap too, whatever it says it received', () => {
    // Its senders say they sent it the file; it says it received 100 kB: the file is what came, 2 ms in.
    const witnessed = { ...shaped(2), witnessedBytes: FILE_BYTES };
    expect(implausibilityOf({ ...holding(CHUNKS), downloadedBytes: 100_000 }, witnessed)).toMatch(
      /^a completion after 0\.002 s is faster than its download cap/,
    );
    expect(
      implausibilityOf({ ...holding(100), downloadedBytes: 0 }, { ...shaped(500), witnessedBytes: FILE_BYTES }),
    ).toMatch(/^1\.56 MiB received after 0\.500 s/);
    // At the cap's pace it is believed.
    expect(
      implausibilityOf(
        { ...holding(CHUNKS), downloadedBytes: 100_000 },
        { ...shaped(4_200), witnessedBytes: FILE_BYTES },
      ),
    ).toBeUndefined();
  });

  it('refuses progress faster than what its senders can upload to it', () => {
    // No download cap: the senders' 2 MB/s in all bound it: F / 2 MB/s ≈ 2.1 s.
    const input = shaped(1_000);
    const run = { ...input.run!, downloadBytesPerSec: null };
    expect(implausibilityOf(holding(CHUNKS), { ...input, run })).toBeDefined();
    expect(implausibilityOf(holding(CHUNKS), { ...input, run: { ...run, elapsedMs: 2_200 } })).toBeUndefined();
    // A sender without a cap leaves only the leecher's own cap, and without one only 10 GB/s.
    const unbounded = { ...run, senderUploadBytesPerSec: [null, 500_000] };
    expect(implausibilityOf(holding(CHUNKS), { ...input, run: unbounded })).toBeUndefined();
    // Partial progress cannot outrun the caps either: 100 chunks (1.6 MB) in 0.5 s at 1 MB/s.
    expect(implausibilityOf(holding(100), shaped(500))).toMatch(/^1\.56 MiB received after 0\.500 s/);
  });

  it('refuses uploads faster than the sender’s own cap', () => {
    expect(implausibilityOf({ ...holding(0), uploadedBytes: 1_200_000 }, shaped(2_000))).toBeUndefined();
    expect(implausibilityOf({ ...holding(0), uploadedBytes: 2_000_000 }, shaped(2_000))).toMatch(
      /^uploadedBytes: 1\.91 MiB in 2\.000 s is faster than its upload cap$/,
    );
  });

  it('refuses an account of what it sent each peer that is not its upload split by peer', () => {
    const input: ReportBoundsInput = { manifest, role: 'seeder', peerCount: 4 };
    const seeding = { ...holding(CHUNKS), downloadedBytes: 0, uploadedBytes: 3_000 };
    const split = [
      { peerId: 'a', bytes: 1_000 },
      { peerId: 'b', bytes: 2_000 },
    ];
    expect(implausibilityOf({ ...seeding, sentTo: split }, input)).toBeUndefined();
    expect(implausibilityOf({ ...seeding, sentTo: [...split, { peerId: 'c', bytes: 2 }] }, input)).toBe(
      'sentTo: adds up to 3002 bytes, more than the 3000 it uploaded',
    );
    expect(implausibilityOf({ ...seeding, sentTo: [...split, { peerId: 'a', bytes: 0 }] }, input)).toBe(
      'sentTo: names a twice',
    );
  });

  it('lets a token bucket’s burst and one message through above its rate', () => {
    expect(bytesThroughCap(1_000_000, 0)).toBeCloseTo((250_000 + 65_536) / 0.9, 6);
    expect(bytesThroughCap(100_000, 1_000)).toBeCloseTo((100_000 + 2 * 65_536) / 0.9, 6);
  });
});
