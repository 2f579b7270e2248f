import Papa from 'papaparse';
import { shownPeerNames } from './peer-name';
import type { RunRecord } from './run-record';

/**
 * A cell a spreadsheet would run as a formula starts with one of these. Papa's own test (`/^[=+\-@\t\r].*$/`)
 * needs its `.` to reach the end of the text, which a line or paragraph separator (U+2028, U+2029: allowed in a
 * file's name) stops: such a name went out unescaped (found by review). The first character alone decides.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Marks the CSV as UTF-8 for Excel, which reads a file without it in the system's legacy code page: a student's
 * "Zoë" showed as "ZoÃ«". Papa Parse, pandas and R skip it.
 */
export const CSV_BYTE_ORDER_MARK = '\ufeff';

/**
 * Runs as files a spreadsheet or a notebook reads: JSON (one object per run, with its peers) and CSV
 * (one row per peer per run, the run's figures repeated on each, so every peer's completion time is
 * there). The CSV is written by Papa Parse: quoting and escaping CSV by hand is a classic source of bugs, and
 * its `escapeFormulae` keeps the names students type from running as spreadsheet formulas.
 */
export function runsToJson(records: readonly RunRecord[]): string {
  return JSON.stringify(records, null, 2);
}

/**
 * Column order of the CSV export; units are in the names (bytes, bytes/s, seconds). A run without a peer row (all
 * its participants flagged) is one row, its peer columns empty: it went missing from the CSV, which the JSON kept
 * (found by review).
 */
export function runsToCsv(records: readonly RunRecord[]): string {
  const rows = records.flatMap((run) => {
    const shown = shownPeerNames(run.peers.map((peer) => ({ peerId: peer.peerId, name: peer.name ?? null })));
    const figures = runColumns(run);
    if (run.peers.length === 0) return [{ ...figures, ...peerColumns(undefined, shown) }];
    return run.peers.map((peer) => ({ ...figures, ...peerColumns(peer, shown) }));
  });
  // A cell a spreadsheet would run as a formula (a name or file name typed as `=HYPERLINK(…)`, `+…`, `-…`,
  // `@…`) is written with a leading quote: the file comes from a classroom, not from the teacher alone. So is an
  // id that starts with `-` (1 in 64): a spreadsheet shows it without the quote, where it showed `#NAME?`.
  return CSV_BYTE_ORDER_MARK + Papa.unparse(rows, { escapeFormulae: FORMULA_START });
}

/** The run's figures, repeated on each of its rows. */
function runColumns(run: RunRecord) {
  return {
    run_id: run.id,
    started_at: run.startedAt,
    mode: run.mode,
    // How it ended: a stopped run keeps its completions, with no distribution time.
    phase: run.phase ?? 'finished',
    interruption: run.interruption ?? '',
    file_name: run.fileName,
    file_bytes: run.fileBytes,
    chunk_bytes: run.chunkBytes,
    leechers: run.leechers,
    // Of those, how many have no row: they left, past the most departed participants the server keeps.
    unlisted_leechers: run.unlistedLeechers ?? 0,
    // Of those, how many joined after the start (timed from the start all the same).
    late_leechers: run.lateLeechers ?? '',
    abandoned_leechers: run.abandonedLeechers,
    // Not counted in N either: their reports were refused (faster than their caps allow).
    flagged_leechers: run.flaggedLeechers ?? '',
    seeder_upload_bytes_per_sec: run.seederUploadBytesPerSec ?? '',
    peer_upload_bytes_per_sec: run.peerUploadBytesPerSec ?? '',
    peer_download_bytes_per_sec: run.peerDownloadBytesPerSec ?? '',
    leave_on_complete: run.leaveOnComplete,
    distribution_sec: run.distributionSec ?? '',
    client_server_bound_sec: run.clientServerBoundSec ?? '',
    p2p_bound_sec: run.p2pBoundSec ?? '',
    ratio: run.ratio ?? '',
    bounds_estimated: run.boundsEstimated,
    model_seeder_upload_bytes_per_sec: run.model?.serverUploadBytesPerSec ?? '',
    model_peer_upload_sum_bytes_per_sec: run.model?.totalPeerUploadBytesPerSec ?? '',
    model_min_download_bytes_per_sec: run.model?.minPeerDownloadBytesPerSec ?? '',
    model_uncounted_uploaded_bytes: run.model?.uncountedUploadedBytes ?? '',
    restored_after_sec: run.restoredAfterSec ?? '',
    // The whole the seeder's share is of (everyone's uploads, bytes): without it, the share could not be turned back
    // into bytes, which the JSON had (found by review).
    uploaded_bytes: run.uploadedBytes,
    seeder_upload_share: run.seederUploadShare ?? '',
  };
}

/** A peer's columns of a run's row: empty for a run without a peer row. */
function peerColumns(peer: RunRecord['peers'][number] | undefined, shown: ReadonlyMap<string, string>) {
  return {
    peer_id: peer?.peerId ?? '',
    peer_name: peer?.name ?? '',
    // The name the screens showed it under: the one it chose, else the one they made up from its id, told apart
    // from another of the run's with the same name by its short id.
    peer_shown_name: peer ? (shown.get(peer.peerId) ?? peer.peerId) : '',
    peer_role: peer?.role ?? '',
    peer_upload_cap_bytes_per_sec: peer?.uploadBytesPerSec ?? '',
    peer_download_cap_bytes_per_sec: peer?.downloadBytesPerSec ?? '',
    peer_leave_on_complete: peer?.leaveOnComplete ?? '',
    peer_completed_after_sec: peer?.completedAfterSec ?? '',
    peer_joined_after_sec: peer?.joinedAfterSec ?? '',
    peer_uploaded_bytes: peer?.uploadedBytes ?? '',
    peer_downloaded_bytes: peer?.downloadedBytes ?? '',
  };
}
