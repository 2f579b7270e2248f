/**
 * A transfer rate as every screen and terminal of a swarm shows it (the web app's and the headless peer's), one
 * formatter for both: the peer's own, in MB/s to one decimal, showed a 32 kB/s link as "0.0 MB/s", stalled (found by
 * review).
 */

/**
 * A rate as people read it: MB/s from 1 MB/s, kB/s below (a 12.5 kB/s cap read "0.01 MB/s"), with three
 * significant digits or so; a rate there is but that rounds to nothing reads "<0.1 kB/s", as shares read "<1 %"
 * (40 B/s read "0.0 kB/s", found by review).
 */
export function formatRate(bytesPerSec: number): string {
  // Each range is judged by the figure as it would be shown: 999,950 B/s read "1000 kB/s", 99,960 "100.0 kB/s".
  const megabytesPerSec = bytesPerSec / 1e6;
  if (roundsTo(megabytesPerSec, 2) >= 1)
    return `${megabytesPerSec.toFixed(roundsTo(megabytesPerSec, 2) >= 10 ? 1 : 2)} MB/s`;
  const kilobytesPerSec = bytesPerSec / 1e3;
  if (kilobytesPerSec > 0 && roundsTo(kilobytesPerSec, 1) === 0) return '<0.1 kB/s';
  return `${kilobytesPerSec.toFixed(kilobytesPerSec > 0 && roundsTo(kilobytesPerSec, 1) < 100 ? 1 : 0)} kB/s`;
}

/** `value` as `toFixed(digits)` shows it. */
function roundsTo(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
