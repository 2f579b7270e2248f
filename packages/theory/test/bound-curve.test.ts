import { describe, expect, it } from 'vitest';
import { boundCurve, clientServerBoundSec, p2pBoundSec, TheoryInputError } from '../src/index';

describe('boundCurve', () => {
  const textbook = { fileBytes: 3.6e9, serverUploadBytesPerSec: 10e6, peerUploadBytesPerSec: 1e6 };

  it('gives the textbook curves, one point per N in the order given', () => {
    const points = boundCurve({ ...textbook, peerCounts: [30, 1, 10] });
    expect(points.map((point) => point.peerCount)).toEqual([30, 1, 10]);
    expect(points[0]!.clientServerSec).toBeCloseTo(3 * 3600, 6);
    expect(points[0]!.p2pSec).toBeCloseTo(0.75 * 3600, 6);
    expect(points[1]!.p2pSec).toBeCloseTo(0.1 * 3600, 6);
    expect(points[2]!.p2pSec).toBeCloseTo(0.5 * 3600, 6);
  });

  it('agrees with the per-peer bound functions', () => {
    const peerDownloadBytesPerSec = 2e6;
    for (const point of boundCurve({ ...textbook, peerDownloadBytesPerSec, peerCounts: [1, 4, 25] })) {
      const swarm = {
        peerCount: point.peerCount,
        fileBytes: textbook.fileBytes,
        serverUploadBytesPerSec: textbook.serverUploadBytesPerSec,
        peerUploadBytesPerSec: new Array<number>(point.peerCount).fill(textbook.peerUploadBytesPerSec),
        peerDownloadBytesPerSec: new Array<number>(point.peerCount).fill(peerDownloadBytesPerSec),
      };
      expect(point.clientServerSec).toBe(clientServerBoundSec(swarm));
      expect(point.p2pSec).toBe(p2pBoundSec(swarm));
    }
  });

  it('returns no points for no N', () => {
    expect(boundCurve({ ...textbook, peerCounts: [] })).toEqual([]);
  });

  it('rejects a bad N or rate, naming it', () => {
    expect(() => boundCurve({ ...textbook, peerCounts: [1, 0] })).toThrow(
      expect.objectContaining({ field: 'peerCounts[1]' }),
    );
    expect(() => boundCurve({ ...textbook, peerDownloadBytesPerSec: 0, peerCounts: [1] })).toThrow(TheoryInputError);
    expect(() => boundCurve({ ...textbook, fileBytes: 1e308, peerCounts: [1, 2] })).toThrow(
      expect.objectContaining({ field: 'fileBytes' }),
    );
    expect(() => boundCurve({ ...textbook, serverUploadBytesPerSec: -1, peerCounts: [1] })).toThrow(
      expect.objectContaining({ field: 'serverUploadBytesPerSec' }),
    );
  });
});
