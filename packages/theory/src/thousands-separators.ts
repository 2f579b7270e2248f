/** A bare number that can open a thousands-separated one: 1 to 3 digits, no leading zero (`10` of `10,000`). */
const LEADING_GROUP = /^[1-9]\d{0,2}$/;
/** A group after a separator: exactly 3 digits, then nothing, or a decimal part or unit (`000`, `500MB/s`, `000.5`). */
const FOLLOWING_GROUP = /^\d{3}(?:$|\D)/;
/** A following group that ends the number there: it carries a decimal part or unit. */
const LAST_GROUP = /^\d{3}\D/;

/** A whole count written with thousands separators: `10,000`, `1,000,000`. */
export const THOUSANDS_SEPARATED_COUNT = /^[1-9]\d{0,2}(?:,\d{3})+$/;

/**
 * The part of a comma-separated per-peer value that reads as one number written with thousands separators, or
 * undefined: a bare number of 1 to 3 digits with no leading zero followed by an item that starts with exactly 3
 * digits (`10,000,000`, `1,500`, `1MB/s,10,000`, `2,500MB/s`). The report prints rates with thousands separators, so
 * users type them back, and `--peers 3 --peer-up 10,000,000` was read as three peers at 10, 0 and 0 bytes/s without
 * a word (found by review).
 *
 * The rule is on the text alone, not on whether the item count matches N: `--peers 3 --peer-up 100,200,300` is
 * refused too, though it could be a list of 100, 200 and 300 bytes/s. Such rates are far below any real link, and
 * written with units (`100B/s,200B/s,300B/s`) the list is read as one; reading the same digits as a list
 * when the user meant one number is a wrong answer given silently. A list whose items do not look like groups
 * (`1,2`, `0,250`, `1000,2000`, `1MB/s,2MB/s`) is read as a list.
 */
export function thousandsSeparatedRun(text: string): string | undefined {
  const items = text.split(',').map((item) => item.trim());
  for (let start = 0; start + 1 < items.length; start++) {
    if (!LEADING_GROUP.test(items[start]!) || !FOLLOWING_GROUP.test(items[start + 1]!)) continue;
    let end = start + 1;
    while (!LAST_GROUP.test(items[end]!) && end + 1 < items.length && FOLLOWING_GROUP.test(items[end + 1]!)) end++;
    return items.slice(start, end + 1).join(',');
  }
  return undefined;
}

const PREFIXES = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/**
 * The one-line refusal of `run` (from {@link thousandsSeparatedRun}, or a whole count such as `10,000`) for `flag`,
 * with the number written as a value is: without separators and, for a rate of bare digits, with a decimal prefix
 * (`10MB/s` for `10,000,000`).
 */
export function thousandsSeparatorsMessage(flag: string, run: string, kind: 'rate' | 'count' = 'rate'): string {
  const joined = run.replaceAll(',', '');
  const said = `${flag}: "${run}" reads as one number with thousands separators; write ${joined}`;
  if (kind === 'count') return said;
  const value = /^\d+$/.test(joined) ? Number(joined) : undefined;
  const prefix = value === undefined ? undefined : PREFIXES.find(([factor]) => value >= factor);
  const prefixed = prefix === undefined ? '' : ` or ${value! / prefix[0]}${prefix[1]}B/s`;
  return `${said}${prefixed} (for a list of rates that small, give them a unit: 100B/s,200B/s)`;
}
