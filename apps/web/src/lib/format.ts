const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

/** 268435456 → "256 MiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Rates are shown in MB/s (10^6 bytes per second), the unit the theory panel uses. */
/**
 * A rate as people read it: MB/s from 1 MB/s, kB/s below (a 12.5 kB/s cap read "0.01 MB/s"), with three
 * significant digits or so.
 */
export function formatRate(bytesPerSec: number): string {
  if (bytesPerSec >= 1e6) return `${(bytesPerSec / 1e6).toFixed(bytesPerSec >= 10e6 ? 1 : 2)} MB/s`;
  const kilobytesPerSec = bytesPerSec / 1e3;
  return `${kilobytesPerSec.toFixed(kilobytesPerSec > 0 && kilobytesPerSec < 100 ? 1 : 0)} kB/s`;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  // Rounded before it is split, so 179.6 s reads 3 min 0 s, not 2 min 60 s.
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}
