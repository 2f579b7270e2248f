/** Rates read the same on every screen and on the headless peer's terminal: one formatter, in the protocol package. */
export { formatRate } from '@swarmlab/protocol';

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const;

/** 268435456 → "256 MiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  // Judged as shown, as rates are: 1,073,741,000 bytes read "1024 MiB", 102,369 bytes "100.0 KiB".
  while (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${roundsTo(value, 1) >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * A size in decimal megabytes, the prefix the rates use, with its exact bytes: "16.78 MB (16,777,216 bytes)".
 * F over a rate in MB/s then gives the bound's seconds, where 16.0 MiB over 2 MB/s would give 8 s, not 8.39 s.
 */
export function formatBytesForModel(bytes: number): string {
  return `${formatMegabytes(bytes)} (${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'})`;
}

/**
 * A size in decimal megabytes, the prefix the rates use: "16.78 MB" (see `formatBytesForModel`). Under 10 kB, two
 * significant digits: a 1-byte file's F read "0.000 MB", 1,499 bytes "0.001 MB", and F over u_s could not be redone
 * (found by review).
 */
export function formatMegabytes(bytes: number): string {
  const megabytes = bytes / 1e6;
  const twoDigits = Number(megabytes.toPrecision(2));
  // Judged as shown, as rates are: 999,999 bytes read "1.000 MB", 99,999,000 bytes "100.00 MB" (found by review).
  const shown =
    roundsTo(megabytes, 2) >= 100
      ? megabytes.toFixed(0)
      : roundsTo(megabytes, 3) >= 1
        ? megabytes.toFixed(2)
        : twoDigits >= 0.01 || megabytes === 0
          ? megabytes.toFixed(3)
          : String(twoDigits);
  return `${shown} MB`;
}

/** `value` as `toFixed(digits)` shows it. */
function roundsTo(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** Seconds in an hour, from which a duration reads in hours and minutes. */
const HOUR_SEC = 3600;

/**
 * A duration as people read it: "8.39 s", "95.2 s", "5 min 27 s", and from an hour "3 h 0 min" (a slow cap's D_cs
 * read "180 min 0 s", found by review).
 */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  // Judged as shown, as rates are: 9.996 s read "10.00 s", 119.96 s "120.0 s".
  if (roundsTo(seconds, 2) < 10) return `${seconds.toFixed(2)} s`;
  if (roundsTo(seconds, 1) < 120) return `${seconds.toFixed(1)} s`;
  // Rounded before it is split, so 179.6 s reads 3 min 0 s, not 2 min 60 s.
  const whole = Math.round(seconds);
  if (whole < HOUR_SEC) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  // Likewise in whole minutes: 7,199 s reads 2 h 0 min, not 1 h 60 min.
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Two parts of a whole as whole percents that add up to 100 (each rounded alone, seeder 995 of 1000 read "100 % /
 * 1 %"), never "0 %" for a part there is nor "100 %" short of the whole (found by review); "—" for no whole.
 */
export function formatShares(part: number, whole: number): readonly [string, string] {
  if (!(whole > 0)) return ['—', '—'];
  const rounded = Math.round((100 * part) / whole);
  const shown = (amount: number, percent: number): string =>
    amount > 0 && percent === 0 ? '<1 %' : amount < whole && percent === 100 ? '>99 %' : `${percent} %`;
  return [shown(part, rounded), shown(whole - part, 100 - rounded)];
}

/** A count with its noun: 1 → "1 peer", 3 → "3 peers"; `plural` for a noun that does not take an s. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
