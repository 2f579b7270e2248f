import type { SwarmSnapshot } from '@swarmlab/engine';
import type { ProgressReport } from '@swarmlab/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bytesToBase64 } from '../src/base64';
import { ProgressReporter, progressReportOf, type ReportedState } from '../src/progress-reporter';

const snapshot: SwarmSnapshot = {
  localPeerId: 'me',
  mode: 'p2p',
  superSeeding: false,
  chunkCount: 12,
  bits: Uint8Array.of(0b1010_0000, 0b0001_0000),
  chunksHeld: 3,
  complete: false,
  uploadedBytes: 1_000,
  downloadedBytes: 786_432,
  sentBytesByPeer: new Map([
    ['a', 600],
    ['gone', 400],
  ]),
  uploadBytesPerSec: 5_000,
  downloadBytesPerSec: 250_000,
  startedAtMs: 0,
  completedAtMs: undefined,
  peers: [],
};

const leecher: ReportedState = {
  role: 'leecher',
  chunkCount: 12,
  snapshot: undefined,
  runNumber: null,
  transferring: false,
  peakUploadBytesPerSec: 0,
  peakDownloadBytesPerSec: 0,
};

describe('progressReportOf', () => {
  it('before any run, a seeder holds every chunk and a leecher none', () => {
    const seeder = progressReportOf({ ...leecher, role: 'seeder' });
    expect(seeder).toMatchObject({ role: 'seeder', runNumber: null, chunksHeld: 12, complete: true });
    expect(seeder.bitsBase64).toBe(bytesToBase64(Uint8Array.of(0xff, 0xf0)));
    const empty = progressReportOf(leecher);
    expect(empty).toMatchObject({ role: 'leecher', chunksHeld: 0, complete: false, uploadedBytes: 0 });
    expect(empty.bitsBase64).toBe(bytesToBase64(Uint8Array.of(0, 0)));
    expect([seeder.sentTo, empty.sentTo]).toEqual([[], []]);
  });

  it('in a run, says what the engine sampled, with the peaks', () => {
    const report = progressReportOf({
      ...leecher,
      snapshot,
      runNumber: 2,
      transferring: true,
      peakUploadBytesPerSec: 9_000,
      peakDownloadBytesPerSec: 400_000,
    });
    expect(report).toEqual({
      role: 'leecher',
      runNumber: 2,
      bitsBase64: bytesToBase64(snapshot.bits),
      chunksHeld: 3,
      complete: false,
      uploadedBytes: 1_000,
      downloadedBytes: 786_432,
      uploadBytesPerSec: 5_000,
      downloadBytesPerSec: 250_000,
      peakUploadBytesPerSec: 9_000,
      peakDownloadBytesPerSec: 400_000,
      sentTo: [
        { peerId: 'a', bytes: 600 },
        { peerId: 'gone', bytes: 400 },
      ],
    } satisfies ProgressReport);
  });

  it('says it cannot connect only while it cannot, and leaves the field out otherwise (as older tabs do)', () => {
    expect(progressReportOf({ ...leecher, cannotConnect: true }).cannotConnect).toBe(true);
    for (const state of [leecher, { ...leecher, cannotConnect: false }])
      expect(progressReportOf(state)).not.toHaveProperty('cannotConnect');
  });

  it('once the engine is gone, keeps what it held and moved but reports no rates', () => {
    const report = progressReportOf({ ...leecher, snapshot, runNumber: 2, transferring: false });
    expect(report).toMatchObject({ runNumber: 2, chunksHeld: 3, downloadedBytes: 786_432 });
    expect(report.uploadBytesPerSec).toBe(0);
    expect(report.downloadBytesPerSec).toBe(0);
  });
});

describe('ProgressReporter', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  function reporter(read: () => ReportedState | undefined = () => leecher) {
    const sent: ProgressReport[] = [];
    const progress = new ProgressReporter({ read, send: async (report) => void sent.push(report), intervalMs: 300 });
    return { progress, sent };
  }

  it('reports at once, then every interval, until stopped', async () => {
    const { progress, sent } = reporter();
    progress.start();
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(299);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(900);
    expect(sent).toHaveLength(5);
    progress.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    await progress.reportNow();
    expect(sent).toHaveLength(5);
  });

  it('starting twice keeps one interval', async () => {
    const { progress, sent } = reporter();
    progress.start();
    progress.start();
    await vi.advanceTimersByTimeAsync(600);
    expect(sent).toHaveLength(3);
  });

  it('reports on demand between intervals, with the state as it is then', async () => {
    let state: ReportedState = leecher;
    const { progress, sent } = reporter(() => state);
    progress.start();
    state = { ...leecher, snapshot, runNumber: 1, transferring: true };
    await progress.reportNow();
    expect(sent.map((report) => report.runNumber)).toEqual([null, 1]);
  });

  it('sends nothing while there is nothing to say', async () => {
    const { progress, sent } = reporter(() => undefined);
    progress.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(0);
  });
});
