import Papa from 'papaparse';
import type { RunRecord } from './run-record';

/**
 * Runs as files a spreadsheet or a notebook reads: JSON (one object per run, with its peers) and CSV
 * (one row per peer per run, the run's figures repeated on each, so every peer's completion time is
 * there). The CSV is written by Papa Parse: quoting and escaping CSV by hand is a classic source of bugs, and
 * its `escapeFormulae` keeps the names students type from running as spreadsheet formulas.
 */
export function runsToJson(records: readonly RunRecord[]): string {
  return JSON.stringify(records, null, 2);
}

/** Column order of the CSV export; units are in the names (bytes, bytes/s, seconds). */
export function runsToCsv(records: readonly RunRecord[]): string {
  const rows = records.flatMap((run) =>
    run.peers.map((peer) => ({
      run_id: run.id,
      started_at: run.startedAt,
      mode: run.mode,
      file_name: run.fileName,
      file_bytes: run.fileBytes,
      chunk_bytes: run.chunkBytes,
      leechers: run.leechers,
      abandoned_leechers: run.abandonedLeechers,
      seeder_upload_bytes_per_sec: run.seederUploadBytesPerSec ?? '',
      peer_upload_bytes_per_sec: run.peerUploadBytesPerSec ?? '',
      peer_download_bytes_per_sec: run.peerDownloadBytesPerSec ?? '',
      leave_on_complete: run.leaveOnComplete,
      distribution_sec: run.distributionSec,
      client_server_bound_sec: run.clientServerBoundSec ?? '',
      p2p_bound_sec: run.p2pBoundSec ?? '',
      ratio: run.ratio ?? '',
      bounds_estimated: run.boundsEstimated,
      model_seeder_upload_bytes_per_sec: run.model?.serverUploadBytesPerSec ?? '',
      model_peer_upload_sum_bytes_per_sec: run.model?.totalPeerUploadBytesPerSec ?? '',
      model_min_download_bytes_per_sec: run.model?.minPeerDownloadBytesPerSec ?? '',
      restored_after_sec: run.restoredAfterSec ?? '',
      seeder_upload_share: run.seederUploadShare ?? '',
      peer_id: peer.peerId,
      peer_name: peer.name ?? '',
      peer_role: peer.role,
      peer_upload_cap_bytes_per_sec: peer.uploadBytesPerSec ?? '',
      peer_download_cap_bytes_per_sec: peer.downloadBytesPerSec ?? '',
      peer_leave_on_complete: peer.leaveOnComplete,
      peer_completed_after_sec: peer.completedAfterSec ?? '',
      peer_uploaded_bytes: peer.uploadedBytes,
      peer_downloaded_bytes: peer.downloadedBytes,
    })),
  );
  // A cell a spreadsheet would run as a formula (a name or file name typed as `=HYPERLINK(…)`, `+…`, `-…`,
  // `@…`) is written with a leading quote: the file comes from a classroom, not from the teacher alone.
  return Papa.unparse(rows, { escapeFormulae: true });
}
