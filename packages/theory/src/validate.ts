import { TheoryInputError } from './errors';

/** A count that must be a positive integer: N (peers, the server not counted) or M (chunks). */
export function requirePositiveInteger(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TheoryInputError(field, `must be an integer >= 1, got ${value}`);
  }
}

/** F: a file of zero bytes has nothing to distribute. */
export function requireFileBytes(field: string, fileBytes: number): void {
  if (!Number.isFinite(fileBytes) || fileBytes <= 0) {
    throw new TheoryInputError(field, `must be a finite number of bytes > 0, got ${fileBytes}`);
  }
}

/** A count of bytes that may be 0, such as what departed peers uploaded. */
export function requireBytes(field: string, bytes: number): void {
  if (!Number.isFinite(bytes) || bytes < 0) {
    throw new TheoryInputError(field, `must be a finite number of bytes ≥ 0, got ${bytes}`);
  }
}

/** A rate that divides F, such as u_s: zero would make the bound infinite, Infinity would make it 0. */
export function requirePositiveRate(field: string, bytesPerSec: number): void {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) {
    throw new TheoryInputError(field, `must be a finite rate > 0 bytes/s, got ${bytesPerSec}`);
  }
}

/** A peer's upload rate u_i: zero is a peer that only downloads (a free rider), which the model allows. */
export function requirePeerUploadRate(field: string, bytesPerSec: number): void {
  if (typeof bytesPerSec !== 'number' || !Number.isFinite(bytesPerSec) || bytesPerSec < 0) {
    throw new TheoryInputError(field, `must be a finite rate >= 0 bytes/s, got ${bytesPerSec}`);
  }
}

/** A peer's download rate d_i: Infinity means unlimited (the F/d_min term is then 0). */
export function requirePeerDownloadRate(field: string, bytesPerSec: number): void {
  // `typeof`: an `undefined` from a JavaScript caller is neither NaN nor ≤ 0, and was blamed for being too small.
  if (typeof bytesPerSec !== 'number' || Number.isNaN(bytesPerSec) || bytesPerSec <= 0) {
    throw new TheoryInputError(field, `must be a rate > 0 bytes/s (or Infinity for unlimited), got ${bytesPerSec}`);
  }
}

/** Checks that a per-peer list has one entry per peer, then checks each entry. */
export function requirePerPeerRates(
  field: string,
  bytesPerSec: readonly number[],
  peerCount: number,
  requireRate: (field: string, bytesPerSec: number) => void,
): void {
  if (bytesPerSec.length !== peerCount) {
    throw new TheoryInputError(field, `must list one rate per peer (${peerCount}), got ${bytesPerSec.length}`);
  }
  // Every index, holes too: `forEach` (and the bounds' `reduce`) skip a hole, which then counted as no rate at all.
  for (let index = 0; index < peerCount; index++) requireRate(`${field}[${index}]`, bytesPerSec[index]!);
}

/**
 * The products and sums the bounds divide: each input can be finite while N·F or u_s + Σu_i is not (a
 * file of 10³⁰⁷ bytes, say), and then a bound would come out as ∞ or, worse, a term as 0 and the bound
 * silently wrong.
 */
export function requireFiniteTotals(
  peerCount: number,
  fileBytes: number,
  serverUploadBytesPerSec: number,
  totalPeerUploadBytesPerSec: number,
): void {
  if (!Number.isFinite(peerCount * fileBytes))
    throw new TheoryInputError('fileBytes', `N·F is too large to compute (${peerCount} × ${fileBytes} bytes)`);
  if (!Number.isFinite(serverUploadBytesPerSec + totalPeerUploadBytesPerSec))
    throw new TheoryInputError('peerUploadBytesPerSec', 'u_s + Σu_i is too large to compute');
}
