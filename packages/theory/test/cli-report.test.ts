import { describe, expect, it } from 'vitest';
import { clientServerBound, p2pBound } from '../src/bounds';
import type { TheoryCliInput } from '../src/cli-args';
import { formatReport, formatReportJson, type TheoryReport } from '../src/cli-report';
import { parseByteQuantity } from '../src/byte-quantity';

function reportFor(input: TheoryCliInput): TheoryReport {
  return { input, clientServer: clientServerBound(input), p2p: p2pBound(input) };
}

const MIB = 2 ** 20;

describe('formatReport', () => {
  const report = reportFor({
    peerCount: 2,
    fileBytes: 64 * MIB,
    serverUploadBytesPerSec: MIB,
    peerUploadBytesPerSec: [MIB / 2, MIB / 2],
    peerDownloadBytesPerSec: [Infinity, Infinity],
  });

  it('states every quantity with its unit, in the units typed', () => {
    const table = formatReport(report);
    expect(table).toContain('67,108,864 bytes (64 MiB)');
    expect(table).toContain('1,048,576 bytes/s (1 MiB/s)');
    expect(table).toContain('unlimited');
    expect(table).toContain('128 s (2.13 min), bound by N·F/u_s (server upload)');
    expect(table).toContain('64 s (1.07 min), bound by F/u_s (server upload)');
  });

  it('rounds before it picks a unit, and writes only units it reads back', () => {
    const sizeOf = (fileBytes: number, serverUploadBytesPerSec = 1e6) =>
      formatReport(
        reportFor({
          peerCount: 1,
          fileBytes,
          serverUploadBytesPerSec,
          peerUploadBytesPerSec: [1e6],
          peerDownloadBytesPerSec: [Infinity],
        }),
      );
    expect(sizeOf(999_999)).toContain('999,999 bytes (1 MB)');
    expect(sizeOf(999_999)).not.toContain('1,000 KB');
    expect(sizeOf(999_999_900)).toContain('(1 GB)');
    // 3,599,999,999 bytes at 1 MB/s: 3,600 s, an hour, not "60 min".
    expect(sizeOf(3_599_999_999)).toContain('3,600 s (1 h)');
    for (const fileBytes of [1e15, 2 ** 45, 999_999_999_999]) {
      const shown = /bytes \(([^)]+)\)/.exec(sizeOf(fileBytes))![1]!;
      expect(parseByteQuantity(shown.replace(/[ ,]/g, ''), 'size'), shown).toMatchObject({ ok: true });
    }
  });

  it('writes a rate too small for three decimals in exponent form, not as 0', () => {
    const slow = reportFor({
      peerCount: 1,
      fileBytes: 1000,
      serverUploadBytesPerSec: 1e-7,
      peerUploadBytesPerSec: [1],
      peerDownloadBytesPerSec: [Infinity],
    });
    expect(formatReport(slow)).toContain('1.00e-7 bytes/s');
    expect(formatReport(slow)).not.toMatch(/\b0 bytes\/s/);
  });

  it('writes JSON with the two bounds first and null for an unlimited d_min', () => {
    expect(JSON.parse(formatReportJson(report))).toEqual({
      clientServerSec: 128,
      p2pSec: 64,
      clientServerBindingTerm: 'server-upload',
      p2pBindingTerm: 'server-upload',
      peerCount: 2,
      fileBytes: 64 * MIB,
      serverUploadBytesPerSec: MIB,
      totalPeerUploadBytesPerSec: MIB,
      minPeerDownloadBytesPerSec: null,
    });
    expect(formatReportJson(report)).toMatch(/^\{"clientServerSec":128,"p2pSec":64,/);
  });
});
