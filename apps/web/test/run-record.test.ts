import {
  NO_UNLISTED_PARTICIPANTS,
  type Manifest,
  type PeerFlag,
  type PeerOverride,
  type PeerProgress,
  type PeerRole,
  type PeerRunSettings,
  type RunParticipant,
  type RunState,
  type SwarmMode,
  type SwarmProgress,
} from '@swarmlab/protocol';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { linksInEffect } from '../src/lib/peer-links';
import { peerStatusText } from '../src/lib/peer-status';
import { runsToCsv, runsToJson } from '../src/lib/run-export';
import { runPointsOf } from '../src/lib/run-points';
import { RunHistory } from '../src/lib/state/run-history.svelte';
import { memoryStorage } from './fakes';
import { defaultPeerName } from '../src/lib/peer-name';
import {
  believedParticipants,
  boundsOfRun,
  flaggedLeechers,
  P2P_UNKNOWN_IN_CLIENT_SERVER,
  recordOfRun,
} from '../src/lib/run-record';

const F = 16 * 1024 * 1024;
const manifest: Manifest = {
  formatVersion: 1,
  name: 'test.bin',
  sizeBytes: F,
  chunkBytes: 256 * 1024,
  chunkSha256: [],
};

function participant(
  peerId: string,
  role: PeerRole,
  settings: PeerRunSettings,
  completedAfterMs: number | null,
  uploadedBytes: number,
): RunParticipant {
  return {
    peerId,
    role,
    settings,
    completedAfterMs,
    uploadedBytes,
    downloadedBytes: role === 'seeder' ? 0 : F,
    present: true,
    leftRun: false,
    flagged: null,
    witnessedBytes: role === 'seeder' ? 0 : F,
    corroborated: role === 'leecher' && completedAfterMs !== null,
    peakUploadBytesPerSec: 0,
    tookPartAfterMs: 0,
  };
}

function run(mode: SwarmMode, leechers: number, upload: number | null): RunState {
  const leecherSettings = { uploadBytesPerSec: upload, downloadBytesPerSec: null, leaveOnComplete: false };
  return {
    runNumber: 3,
    phase: 'finished',
    config: {
      mode,
      seederUploadBytesPerSec: 2e6,
      peerUploadBytesPerSec: upload,
      peerDownloadBytesPerSec: null,
      leaveOnComplete: false,
    },
    startedAtEpochMs: Date.UTC(2026, 10, 25, 10, 0, 0),
    elapsedMs: 15_000,
    distributionMs: 15_000,
    participants: [
      participant(
        'seed',
        'seeder',
        { uploadBytesPerSec: 2e6, downloadBytesPerSec: null, leaveOnComplete: false },
        null,
        3 * F,
      ),
      ...Array.from({ length: leechers }, (_, i) =>
        participant(`leech${i}`, 'leecher', leecherSettings, 10_000 + i * 500, ((leechers - 3) * F) / leechers),
      ),
    ],
    unlisted: NO_UNLISTED_PARTICIPANTS,
    abandonedLeechers: 0,
    uncountedUploadedBytes: 0,
    restoredAfterMs: null,
    interruption: null,
  };
}

/** The progress table of `state`'s peers as far as the bounds read it: the seeder's and each leecher's upload peak. */
function peakUploads(state: RunState, seederPeak: number, leecherPeak: number): SwarmProgress {
  return {
    peers: state.participants.map((peer) => ({
      peerId: peer.peerId,
      report: { runNumber: state.runNumber, peakUploadBytesPerSec: peer.role === 'seeder' ? seederPeak : leecherPeak },
    })),
  } as unknown as SwarmProgress;
}

describe('boundsOfRun', () => {
  it('uses the configured caps: 8 leechers, 16 MiB, u_s = 2 MB/s, u_i = 1 MB/s', () => {
    const bounds = boundsOfRun(run('p2p', 8, 1e6), F, undefined);
    expect(bounds.estimated).toBe(false);
    expect(bounds.peerUploadEstimated).toBe(false);
    expect(bounds.peerCount).toBe(8);
    expect(bounds.clientServerSec).toBeCloseTo((8 * F) / 2e6, 9); // N·F/u_s = 67.1 s
    expect(bounds.p2pSec).toBeCloseTo((8 * F) / (2e6 + 8 * 1e6), 9); // N·F/(u_s + Σu_i) = 13.4 s
  });

  it('counts the leechers the server no longer lists as it counted them listed: N, Σu_i, d_min, bytes', () => {
    // 8 leechers of 1 MB/s (the seeder sent 3 F, the leechers 5 F in all); 5 of them left and are no longer listed.
    const listed = run('p2p', 8, 1e6);
    const gone = listed.participants.slice(4);
    const unlistedRun: RunState = {
      ...listed,
      participants: listed.participants.slice(0, 4),
      unlisted: {
        leechers: 5,
        uploadBytesPerSec: 5e6,
        uploadEstimated: false,
        minDownloadBytesPerSec: 3e6,
        uploadedBytes: gone.reduce((sum, peer) => sum + peer.uploadedBytes, 0),
        downloadedBytes: 5 * F,
      },
    };
    const bounds = boundsOfRun(unlistedRun, F, undefined);
    expect(bounds.peerCount).toBe(8);
    expect(bounds.totalPeerUploadBytesPerSec).toBeCloseTo(8e6, 3);
    expect(bounds.minPeerDownloadBytesPerSec).toBe(3e6);
    expect(bounds.p2pSec).toBeCloseTo((8 * F) / (2e6 + 8e6), 9);
    expect(bounds.clientServerSec).toBeCloseTo((8 * F) / 2e6, 9);
    const record = recordOfRun('S', manifest, unlistedRun, undefined)!;
    const whole = recordOfRun('S', manifest, listed, undefined)!;
    expect(record).toMatchObject({ leechers: 8, unlistedLeechers: 5, uploadedBytes: whole.uploadedBytes });
    expect(record.seederUploadShare).toBeCloseTo(whole.seederUploadShare!, 9);
    expect(record.peers.map((peer) => peer.peerId)).toEqual(['seed', 'leech0', 'leech1', 'leech2']);
    const csv = Papa.parse<Record<string, string>>(runsToCsv([record]).slice(1), { header: true }).data;
    expect(csv[0]).toMatchObject({ leechers: '8', unlisted_leechers: '5' });
    // Some had no upload cap: Σu_i is an estimate.
    const estimated = boundsOfRun(
      { ...unlistedRun, unlisted: { ...unlistedRun.unlisted, uploadEstimated: true } },
      F,
      undefined,
    );
    expect([estimated.peerUploadEstimated, estimated.p2pEstimated, estimated.clientServerEstimated]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('takes any count of unlisted leechers a server sends, without a rate per peer (2^32 threw: a list of N rates)', () => {
    const state = run('p2p', 2, 1e6);
    for (const leechers of [2 ** 32, Number.MAX_SAFE_INTEGER - 2]) {
      const unlisted = { ...NO_UNLISTED_PARTICIPANTS, leechers, uploadBytesPerSec: 1e6, minDownloadBytesPerSec: 5e5 };
      const bounds = boundsOfRun({ ...state, unlisted }, F, undefined);
      expect(bounds).toMatchObject({ peerCount: leechers + 2, minPeerDownloadBytesPerSec: 5e5 });
      expect(bounds.totalPeerUploadBytesPerSec).toBeCloseTo(3e6, 3);
    }
  });

  it('gives no D_p2p for a client-server run one of whose unlisted leechers had no upload cap', () => {
    const state = run('client-server', 2, 10e3);
    const unlisted = { ...NO_UNLISTED_PARTICIPANTS, leechers: 3, uploadEstimated: true };
    expect(boundsOfRun(state, F, undefined).p2pUnknownReason).toBeNull();
    expect(boundsOfRun({ ...state, unlisted }, F, undefined).p2pUnknownReason).toBe(P2P_UNKNOWN_IN_CLIENT_SERVER);
  });

  it('says which leechers joined after the start, in the record and the export', () => {
    const state = run('p2p', 3, 1e6);
    const late: RunState = {
      ...state,
      // leech1 joined with the start's click (0.4 s); leech2 came 12 s in.
      participants: state.participants.map((peer) =>
        peer.peerId === 'leech2'
          ? { ...peer, tookPartAfterMs: 12_000 }
          : peer.peerId === 'leech1'
            ? { ...peer, tookPartAfterMs: 400 }
            : peer,
      ),
    };
    const record = recordOfRun('S', manifest, late, undefined)!;
    expect(record.lateLeechers).toBe(1);
    expect(record.peers.map((peer) => peer.joinedAfterSec)).toEqual([0, 0, 0.4, 12]);
    const rows = Papa.parse<Record<string, string>>(runsToCsv([record]).slice(1), { header: true }).data;
    expect(rows.map((row) => [row['late_leechers'], row['peer_joined_after_sec']])).toEqual([
      ['1', '0'],
      ['1', '0'],
      ['1', '0.4'],
      ['1', '12'],
    ]);
  });

  it('counts what the leechers that left before completing uploaded against N·F, not in N', () => {
    // One fat pipe (10 MB/s) relays to two students at 10 kB/s, then leaves before completing, having sent them
    // 1.5 F: u_s = 1 MB/s, F = 16 MiB. Without what it sent, D_p2p = 2F/1.02 MB/s = 32.9 s, and the 26.3 s run
    // "beat" its lower bound.
    const base = run('p2p', 2, 10e3);
    const state: RunState = {
      ...base,
      config: { ...base.config, seederUploadBytesPerSec: 1e6 },
      participants: base.participants.map((peer) =>
        peer.role === 'seeder' ? { ...peer, settings: { ...peer.settings, uploadBytesPerSec: 1e6 } } : peer,
      ),
      distributionMs: 26_330,
      abandonedLeechers: 1,
      uncountedUploadedBytes: 1.5 * F,
    };
    const bounds = boundsOfRun(state, F, undefined);
    expect(bounds.peerCount).toBe(2);
    expect(bounds.totalPeerUploadBytesPerSec).toBe(20e3);
    // max(F/u_s, (2F − 1.5F)/(u_s + Σu_i)) = F/u_s = 16.8 s
    expect(bounds.p2pSec).toBeCloseTo(F / 1e6, 9);
    const record = recordOfRun('S', manifest, state, undefined)!;
    expect(record.ratio).toBeGreaterThan(1);
    expect(record.model?.uncountedUploadedBytes).toBe(1.5 * F);
    // Half a file from it: (2F − 0.5F)/1.02 MB/s = 24.7 s.
    const less = boundsOfRun({ ...state, uncountedUploadedBytes: 0.5 * F }, F, undefined);
    expect(less.p2pSec).toBeCloseTo((1.5 * F) / 1.02e6, 6);
    // D_cs is the server's alone: the leechers' uploads play no part.
    expect(less.clientServerSec).toBeCloseTo(bounds.clientServerSec!, 9);
  });

  it("stands in a peer's measured peak for a link without a cap, and says so", () => {
    const state = run('p2p', 2, null);
    const progress = peakUploads(state, 5e6, 3e6);
    const bounds = boundsOfRun(state, F, progress);
    expect(bounds.estimated).toBe(true);
    expect(bounds.p2pEstimated).toBe(true);
    expect(bounds.clientServerEstimated).toBe(false); // u_s has a cap: D_cs needs nothing else
    expect(bounds.peerUploadEstimated).toBe(true); // Σu_i is the one estimate: the summary marks it alone
    expect(bounds.totalPeerUploadBytesPerSec).toBe(6e6);
    expect(bounds.p2pSec).toBeCloseTo(Math.max(F / 2e6, (2 * F) / (2e6 + 6e6)), 9);
  });

  it('keeps the peak of a leecher whose tab was closed, which the server kept for the run', () => {
    const state = run('p2p', 2, null);
    const [seeder, stayed, closed] = state.participants;
    const withClosedTab: RunState = {
      ...state,
      participants: [
        seeder!,
        { ...stayed!, peakUploadBytesPerSec: 2e6 },
        { ...closed!, present: false, leftRun: true, peakUploadBytesPerSec: 4e6 },
      ],
    };
    // The table has a row for the leecher that stayed only, with a newer, higher peak than the run's record.
    const progress = {
      peers: [{ peerId: stayed!.peerId, report: { runNumber: state.runNumber, peakUploadBytesPerSec: 3e6 } }],
    } as unknown as SwarmProgress;
    const bounds = boundsOfRun(withClosedTab, F, progress);
    expect(bounds.totalPeerUploadBytesPerSec).toBe(3e6 + 4e6);
    expect(bounds.p2pSec).toBeCloseTo(Math.max(F / 2e6, (2 * F) / (2e6 + 7e6)), 9);
  });
});

describe('the peaks of a new run', () => {
  it('are its own: a row still holding the previous run’s report stands in for nothing', () => {
    const state: RunState = { ...run('p2p', 2, null), phase: 'running', distributionMs: null };
    const uncapped: RunState = {
      ...state,
      participants: state.participants.map((peer) => ({
        ...peer,
        settings: { ...peer.settings, uploadBytesPerSec: null },
      })),
    };
    // Run 3 has just started: every row still shows run 2's report, with its peaks of 40 MB/s.
    const previous = peakUploads({ ...uncapped, runNumber: 2 }, 40e6, 40e6);
    const stale = boundsOfRun(uncapped, F, previous);
    expect(stale.serverUploadBytesPerSec).toBe(0);
    expect(stale.clientServerSec).toBeNull();
    expect(stale.p2pSec).toBeNull();
    const own = boundsOfRun(uncapped, F, peakUploads(uncapped, 1e6, 1e6));
    expect(own.serverUploadBytesPerSec).toBe(1e6);
    expect(own.totalPeerUploadBytesPerSec).toBe(2e6);
  });
});

describe('a client-server run’s D_p2p', () => {
  it('is unknown when the leechers have no upload cap: their ~0 peaks would put P2P no better than client-server', () => {
    const state = run('client-server', 4, null);
    const progress = peakUploads(state, 2e6, 0);
    const bounds = boundsOfRun(state, F, progress);
    expect(bounds.p2pSec).toBeNull();
    expect(bounds.p2pUnknownReason).toMatch(/leechers do not upload in client-server/);
    expect(bounds.clientServerSec).toBeCloseTo((4 * F) / 2e6, 9);
    // D_cs, the bound this run is measured against, is exact: u_s has a cap.
    expect(bounds.clientServerEstimated).toBe(false);
    expect(recordOfRun('S', manifest, state, progress)?.p2pBoundSec).toBeNull();
  });

  it('comes from their caps when they have some: what P2P would do with the same links', () => {
    const bounds = boundsOfRun(run('client-server', 4, 1e6), F, undefined);
    expect(bounds.p2pUnknownReason).toBeNull();
    expect(bounds.p2pSec).toBeCloseTo((4 * F) / (2e6 + 4e6), 9);
  });
});

describe('the seeder’s own link', () => {
  /** `run` where the teacher set the seeder's link to `cap` ("Set links"), the run form saying 2 MB/s. */
  const withSeederCap = (cap: number | null): RunState => {
    const state = run('client-server', 4, null);
    const [seeder, ...leechers] = state.participants;
    return {
      ...state,
      participants: [{ ...seeder!, settings: { ...seeder!.settings, uploadBytesPerSec: cap } }, ...leechers],
    };
  };
  const peaks = (state: RunState): SwarmProgress =>
    ({
      peers: state.participants.map((peer) => ({
        peerId: peer.peerId,
        report: { runNumber: state.runNumber, peakUploadBytesPerSec: 7e6 },
      })),
    }) as unknown as SwarmProgress;

  it('set to none counts as no cap: its peak stands in, marked as an estimate, not the form’s 2 MB/s', () => {
    const state = withSeederCap(null);
    const bounds = boundsOfRun(state, F, peaks(state));
    expect(bounds.serverUploadBytesPerSec).toBe(7e6);
    expect(bounds.clientServerEstimated).toBe(true);
    expect(recordOfRun('S', manifest, state, peaks(state))?.seederUploadBytesPerSec).toBeNull();
  });

  it('set to 5 MB/s is the u_s of the bounds and of the record', () => {
    const state = withSeederCap(5e6);
    expect(boundsOfRun(state, F, undefined).clientServerSec).toBeCloseTo((4 * F) / 5e6, 9);
    expect(recordOfRun('S', manifest, state, undefined)?.seederUploadBytesPerSec).toBe(5e6);
  });
});

describe('recordOfRun', () => {
  it('records the measured time, the bound of its own architecture, the ratio and the upload shares', () => {
    const record = recordOfRun('swarm', manifest, run('client-server', 4, 1e6), undefined)!;
    expect(record.id).toBe('swarm#3');
    expect(record.boundsEstimated).toBe(false);
    expect(record.startedAt).toBe('2026-11-25T10:00:00.000Z');
    expect(record.leechers).toBe(4);
    expect(record.boundSec).toBeCloseTo((4 * F) / 2e6, 9);
    expect(record.ratio).toBeCloseTo(15 / ((4 * F) / 2e6), 9);
    // The seeder uploaded 3F, the leechers (4 - 3)F/4 each: F in all.
    expect(record.seederUploadShare).toBeCloseTo(3 / 4, 9);
    expect(record.peers.map((peer) => peer.completedAfterSec)).toEqual([null, 10, 10.5, 11, 11.5]);
  });

  it('keeps no record of a run still going', () => {
    expect(recordOfRun('swarm', manifest, { ...run('p2p', 2, 1e6), phase: 'running' }, undefined)).toBeUndefined();
  });

  it('keeps a stopped or interrupted run with its completions and no time: the teacher stopped it for the last one', () => {
    // Before, nothing: the completions of the leechers that had completed were lost once the next run started.
    const stopped = recordOfRun(
      'swarm',
      manifest,
      { ...run('p2p', 4, 1e6), phase: 'stopped', distributionMs: null },
      undefined,
    )!;
    expect(stopped).toMatchObject({ phase: 'stopped', distributionSec: null, ratio: null, leechers: 4 });
    expect(stopped.boundSec).toBeCloseTo((4 * F) / (2e6 + 4e6), 9);
    expect(stopped.peers.map((peer) => peer.completedAfterSec)).toEqual([null, 10, 10.5, 11, 11.5]);
    const interrupted = recordOfRun(
      'swarm',
      manifest,
      { ...run('p2p', 2, 1e6), phase: 'interrupted', distributionMs: null, interruption: 'nobody came back' },
      undefined,
    )!;
    expect(interrupted).toMatchObject({
      phase: 'interrupted',
      interruption: 'nobody came back',
      distributionSec: null,
    });
    // Not on the chart (it measured no time), in the export with how it ended.
    expect(runPointsOf([stopped, interrupted], 'p2p')).toEqual({ measured: [], bounds: [] });
    const { data: rows } = Papa.parse<Record<string, string>>(runsToCsv([stopped]), { header: true });
    expect(rows).toHaveLength(5);
    expect(rows.map((row) => [row['phase'], row['distribution_sec'], row['peer_completed_after_sec']])).toEqual([
      ['stopped', '', ''],
      ['stopped', '', '10'],
      ['stopped', '', '10.5'],
      ['stopped', '', '11'],
      ['stopped', '', '11.5'],
    ]);
    const storage = memoryStorage();
    new RunHistory(storage).add(stopped);
    // Read back from the browser's storage (a record without a time was set aside as unreadable).
    expect(new RunHistory(storage).records).toHaveLength(1);
  });
});

describe('exports', () => {
  const state = run('p2p', 3, 1e6);
  const named = {
    peers: state.participants.map((peer) => ({
      peerId: peer.peerId,
      name: peer.peerId === 'leech1' ? 'Ada, row 2' : null,
    })),
  } as unknown as SwarmProgress;
  const records = [recordOfRun('swarm', manifest, state, named)!];

  it('CSV: one row per peer, with every completion time and the names people chose', () => {
    const csv = runsToCsv(records);
    const { data: rows } = Papa.parse<Record<string, string>>(csv, { header: true });
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => row['peer_completed_after_sec'])).toEqual(['', '10', '10.5', '11']);
    expect(rows.every((row) => row['distribution_sec'] === '15' && row['file_name'] === 'test.bin')).toBe(true);
    expect(rows.map((row) => row['peer_name'])).toEqual(['', '', 'Ada, row 2', '']);
    // The names the screens showed, made up where none was chosen, so a row can be found by what the class saw.
    expect(rows.map((row) => row['peer_shown_name'])).toEqual(
      records[0]!.peers.map((peer) => peer.name ?? defaultPeerName(peer.peerId)),
    );
    expect(rows[2]!['peer_shown_name']).toBe('Ada, row 2');
    // Marked as UTF-8 for Excel (a student's "Zoë" read in the legacy code page came out as "ZoÃ«").
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    // Quoted where a name holds a comma, so a spreadsheet reads it as one cell.
    expect(csv).toContain('leech1,"Ada, row 2","Ada, row 2",leecher');
    // The rates the bounds came from, so the arithmetic can be redone: u_s, Σu_i of 3 leechers, no download cap.
    expect(rows[0]).toMatchObject({
      abandoned_leechers: '0',
      model_seeder_upload_bytes_per_sec: '2000000',
      model_peer_upload_sum_bytes_per_sec: '3000000',
      model_min_download_bytes_per_sec: '',
      restored_after_sec: '',
    });
    const { leechers, model, fileBytes, p2pBoundSec } = records[0]!;
    expect(p2pBoundSec).toBeCloseTo(
      Math.max(fileBytes / model!.serverUploadBytesPerSec, (leechers * fileBytes) / (2e6 + 3e6)),
      9,
    );
  });

  it('CSV: the bytes everyone uploaded, of which the seeder’s share is, as the JSON has them', () => {
    const [row] = Papa.parse<Record<string, string>>(runsToCsv(records), { header: true }).data;
    const { uploadedBytes, seederUploadShare } = records[0]!;
    expect(uploadedBytes).toBeGreaterThan(0);
    expect(row).toMatchObject({
      uploaded_bytes: String(uploadedBytes),
      seeder_upload_share: String(seederUploadShare),
    });
  });

  it('CSV: a name or file name typed as a formula reaches a spreadsheet as text, numbers as numbers', () => {
    const hostile = {
      peers: state.participants.map((peer, index) => ({
        peerId: peer.peerId,
        name: ['=HYPERLINK("http://x.test","ok")', '+1+2', '-3', '@SUM(A1)'][index] ?? null,
      })),
    } as unknown as SwarmProgress;
    const record = recordOfRun('swarm', { ...manifest, name: '=1+2.bin' }, state, hostile)!;
    const { data: rows } = Papa.parse<Record<string, string>>(runsToCsv([record]), { header: true });
    expect(rows.map((row) => row['peer_name'])).toEqual([
      `'=HYPERLINK("http://x.test","ok")`,
      "'+1+2",
      "'-3",
      "'@SUM(A1)",
    ]);
    expect(rows[0]!['file_name']).toBe("'=1+2.bin");
    expect(rows.map((row) => row['peer_completed_after_sec'])).toEqual(['', '10', '10.5', '11']);
    // A line separator in a file's name (allowed there) no longer gets a formula past the escape.
    const separated = recordOfRun('swarm', { ...manifest, name: '=1+2\u2028.bin' }, state, hostile)!;
    const [separatedRow] = Papa.parse<Record<string, string>>(runsToCsv([separated]), { header: true }).data;
    expect(separatedRow!['file_name']).toBe("'=1+2\u2028.bin");
  });

  it('CSV: a run without a peer row (its participants all flagged) is one row, its peer columns empty', () => {
    const noRows = { ...records[0]!, id: 'swarm#2', peers: [] };
    const { data: rows } = Papa.parse<Record<string, string>>(runsToCsv([noRows, ...records]).slice(1), {
      header: true,
    });
    // Before, it was missing from the CSV (the JSON kept it), and a CSV of such runs alone had no header.
    expect(rows.map((row) => [row['run_id'], row['peer_id']])).toEqual([
      ['swarm#2', ''],
      ...records[0]!.peers.map((peer) => [records[0]!.id, peer.peerId]),
    ]);
    expect(rows[0]).toMatchObject({ distribution_sec: '15', peer_role: '', peer_uploaded_bytes: '' });
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(rows[1]!));
  });

  it('JSON: the records as they are', () => {
    expect(JSON.parse(runsToJson(records))).toEqual(records);
  });
});

describe('flagged participants', () => {
  it('count neither in N, nor in the bounds, nor in the uploads, nor among the record’s peers, where their count is', () => {
    const state = run('p2p', 3, 1e6);
    const flag = { reason: 'complete: the bitmap holds 0 of the 64 chunks', refusedReports: 1 };
    const withLiars: RunState = {
      ...state,
      participants: [
        ...state.participants,
        ...['liar0', 'liar1'].map((peerId) => ({
          ...participant(peerId, 'leecher', state.participants[1]!.settings, 2, 100 * F),
          flagged: flag,
        })),
      ],
    };
    expect(flaggedLeechers(withLiars)).toBe(2);
    expect(believedParticipants(withLiars).map((peer) => peer.peerId)).toEqual(['seed', 'leech0', 'leech1', 'leech2']);
    expect(boundsOfRun(withLiars, F, undefined)).toEqual(boundsOfRun(state, F, undefined));
    const record = recordOfRun('swarm', manifest, withLiars, undefined)!;
    const honest = recordOfRun('swarm', manifest, state, undefined)!;
    expect(record).toEqual({ ...honest, flaggedLeechers: 2 });
    expect(honest.flaggedLeechers).toBe(0);
    // The export says how many there were (before, no trace of them).
    const [row] = Papa.parse<Record<string, string>>(runsToCsv([record]), { header: true }).data;
    expect(row?.['flagged_leechers']).toBe('2');
    expect(row?.['leechers']).toBe('3');
  });
});

describe('the links a peer’s row shows', () => {
  const progressAfter = (state: RunState, override: PeerOverride, overrideByControl = false): SwarmProgress =>
    ({
      swarmId: 'S',
      config: state.config,
      run: state,
      flows: [],
      peers: state.participants.map((peer) => ({
        peerId: peer.peerId,
        role: peer.role,
        report: null,
        joinedAfterMs: 0,
        override: peer.peerId === 'leech0' ? override : {},
        overrideByControl: peer.peerId === 'leech0' && overrideByControl,
        flagged: null,
        away: false,
      })),
    }) as SwarmProgress;

  it('after a run, are those the next run starts with: a "Set links" shows at once', () => {
    const finished = run('p2p', 2, 1e6);
    const progress = progressAfter(finished, { uploadBytesPerSec: 300_000 });
    expect(linksInEffect(progress, progress.peers[1]!).uploadBytesPerSec).toBe(300_000);
    expect(linksInEffect(progress, progress.peers[2]!).uploadBytesPerSec).toBe(1e6);
  });

  it('between runs, count a member’s own settings within the run’s caps, and the controller’s as given', () => {
    const finished = run('p2p', 2, 1e6);
    const own = progressAfter(finished, { uploadBytesPerSec: 5e6 });
    expect(linksInEffect(own, own.peers[1]!).uploadBytesPerSec).toBe(1e6);
    const uncapped = progressAfter(finished, { uploadBytesPerSec: null });
    expect(linksInEffect(uncapped, uncapped.peers[1]!).uploadBytesPerSec).toBe(1e6);
    const byControl = progressAfter(finished, { uploadBytesPerSec: 5e6 }, true);
    expect(linksInEffect(byControl, byControl.peers[1]!).uploadBytesPerSec).toBe(5e6);
  });

  it('during a run, are the run’s, which shape it now', () => {
    const running: RunState = { ...run('p2p', 2, 1e6), phase: 'running', distributionMs: null };
    const progress = progressAfter(running, { uploadBytesPerSec: 300_000 });
    expect(linksInEffect(progress, progress.peers[1]!).uploadBytesPerSec).toBe(1e6);
  });
});

describe('a peer’s status in its row', () => {
  const row = (peerId: string, flagged: PeerFlag | null = null): PeerProgress => ({
    peerId,
    role: 'leecher',
    report: null,
    joinedAfterMs: 0,
    override: {},
    flagged,
    away: false,
  });
  const unconfirmed: PeerFlag = { reason: 'complete: not confirmed within 10 s', refusedReports: 0 };

  it('says why a completion of this run is not counted, unless the member’s own flag says it on its line', () => {
    const finished = run('p2p', 2, 1e6);
    const judged: RunState = {
      ...finished,
      participants: finished.participants.map((p) =>
        p.peerId === 'leech0' ? { ...p, flagged: unconfirmed, corroborated: false } : p,
      ),
    };
    expect(peerStatusText(row('leech0'), judged)).toBe(
      'complete after 10.0 s, stays, not counted (complete: not confirmed within 10 s)',
    );
    expect(peerStatusText(row('leech0', unconfirmed), judged)).toBe('complete after 10.0 s, stays, not counted');
    expect(peerStatusText(row('leech1'), judged)).toBe('complete after 10.5 s, stays');
    expect(peerStatusText(row('newcomer'), judged)).toBe('waiting for a run');
  });
});
