/**
 * Median of `values` (mean of the middle two for an even count); NaN for none, and for any NaN among them: sorted
 * with one, the result depended on the order the values came in (found by review). A caller that means "not
 * measured in that run" uses `medianOfMeasured`.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0 || values.some(Number.isNaN)) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median of the values a run measured: null, undefined and NaN (not measured in that run) left out; NaN for none. */
export function medianOfMeasured(values: readonly (number | null | undefined)[]): number {
  return median(
    values.filter((value): value is number => value !== null && value !== undefined && !Number.isNaN(value)),
  );
}

/**
 * `bytes` over the median of `seconds` (each run's time to move the same `bytes`; null, undefined and NaN left out as
 * in `medianOfMeasured`): the rate that goes with the median time printed beside it. The median of each run's
 * `bytes / seconds` is not that for an even count (10 s and 20 s for 100 MB: 7.5 MB/s against the 15 s median's 6.67),
 * and `bench mesh`'s default runs keep two (found by review).
 */
export function rateAtMedianTime(bytes: number, seconds: readonly (number | null | undefined)[]): number {
  return bytes / medianOfMeasured(seconds);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Megabytes (10^6 bytes) per second. */
export function mbps(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / 1e6 / seconds : Number.NaN;
}

/** A number with `digits` decimals, or `—` when it is not finite. */
export function fixed(value: number | undefined, digits = 2): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** Rounds for JSON output: keeps `digits` decimal places (4), turns NaN and infinities into null. */
export function round(value: number, digits = 4): number | null {
  if (!Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A plain-text table: first row is the header, columns right-aligned except the first. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  const [header, ...body] = rows;
  if (!header) return '';
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
