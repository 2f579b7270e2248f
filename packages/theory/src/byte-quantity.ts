/**
 * Parses the byte sizes and rates a student types on the command line: `1500`, `2.5`, `64MiB`,
 * `1.5MB`, `2MB/s`. Units are bytes, never bits. Decimal prefixes are powers of 1000, binary (`Ki`,
 * `Mi`, `Gi`, `Ti`) powers of 1024, the prefix in either case (`kB` and `KB`, `miB` and `MiB`). A lower-case `b` is a bit, as
 * in SI and on every network card (`100kb/s`, `10Mb/s`, `1Gib`), and so are `bit` and `bps` (`10Mbit/s`,
 * `10Mbps`): each is refused, with the figure in bytes it stands for, where reading it as bytes would have
 * meant eight times the rate.
 */

/**
 * Each accepted suffix, lower-cased: a decimal one as its power of ten, a binary one as its multiplier. A decimal
 * prefix is applied to the digits as written (`2.01e6`), never by multiplying floats: `2.01 * 1e6` is
 * 2009999.9999999998, and `2.01MB` was refused as "not a whole number of bytes" (found by review). Multiplying by a
 * power of two is exact.
 */
const UNITS: Readonly<Record<string, { readonly powerOfTen: number } | { readonly multiplier: number }>> = {
  '': { powerOfTen: 0 },
  b: { powerOfTen: 0 },
  k: { powerOfTen: 3 },
  kb: { powerOfTen: 3 },
  kib: { multiplier: 2 ** 10 },
  m: { powerOfTen: 6 },
  mb: { powerOfTen: 6 },
  mib: { multiplier: 2 ** 20 },
  g: { powerOfTen: 9 },
  gb: { powerOfTen: 9 },
  gib: { multiplier: 2 ** 30 },
  // The report writes sizes of a thousand GB in TB: each reads back as typed (found by review).
  t: { powerOfTen: 12 },
  tb: { powerOfTen: 12 },
  tib: { multiplier: 2 ** 40 },
};

const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)([a-z]*)(\/s)?$/i;

/**
 * A unit in bits: a prefix (its `i` in either case), then a lower-case `b`, `bit`, `bits` or `bps` (`kb`, `Mb`,
 * `Gib`, `MIb`, `Mbit`, `Mbps`, `Tb`). `16MIb` was read as 16 MiB: the 8× misreading this pattern is here to stop.
 * Every prefix in `UNITS` belongs here: without `t`, `1Tb/s` was read as 1 TB/s and `1Tib` as a TiB (found by review).
 */
const BITS_PATTERN = /^([kKmMgGtT][iI]?)?(b|bits?|bps)$/;

/** A size (`--file-bytes`) or a rate (`--server-up`), which may carry a trailing `/s`. */
export type ByteQuantityKind = 'size' | 'rate';

export type ByteQuantityResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/**
 * A unit's prefix as the advice writes it: `k` for 10^3, `M`, `G` and `T` above it, `Ki`, `Mi`, `Gi`, `Ti` for powers of two. The
 * bits' own was echoed: "2mb/s" was told to write "2mB/s", a millibyte to anyone who reads units (found by review).
 */
function canonicalPrefix(prefix: string): string {
  const lower = prefix.toLowerCase();
  if (lower === '') return '';
  const binary = lower.endsWith('i');
  const letter = lower[0]!;
  return (letter === 'k' && !binary ? 'k' : letter.toUpperCase()) + (binary ? 'i' : '');
}

/** Parses `text` into bytes (size) or bytes/s (rate). Zero is returned as is: whether it is allowed is the caller's rule. */
export function parseByteQuantity(text: string, kind: ByteQuantityKind): ByteQuantityResult {
  const match = QUANTITY_PATTERN.exec(text.trim());
  const example = kind === 'size' ? '1500, 2.5MB or 64MiB' : '125000, 1.5MB or 2MiB/s';
  if (!match) return { ok: false, reason: `"${text}" is not a number of bytes (try ${example})` };
  const [, sign, digits, suffix, perSecond] = match;
  const bits = BITS_PATTERN.exec(suffix!);
  if (bits) {
    const prefix = canonicalPrefix(bits[1] ?? '');
    const rate = perSecond ?? (bits[2] === 'bps' ? '/s' : '');
    const inBytes = `${Number((Number(digits) / 8).toPrecision(6))}${prefix}B${rate}`;
    return {
      ok: false,
      reason: `"${text}" is in bits (a lower-case b is a bit); swarmlab works in bytes (8 bits): that is ${inBytes}, or write ${digits}${prefix}B${rate} for bytes`,
    };
  }
  // Own keys only: `1constructor` found Object's constructor, and was "too large" rather than an unknown unit.
  const unit = suffix!.toLowerCase();
  const unitScale = Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined;
  if (unitScale === undefined) {
    return {
      ok: false,
      reason: `"${text}" has unknown unit "${suffix}" (use K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB or TiB)`,
    };
  }
  if (perSecond !== undefined && kind === 'size') {
    return { ok: false, reason: `"${text}" is a rate; a size takes no "/s"` };
  }
  if (sign === '-') return { ok: false, reason: `"${text}" is negative` };
  const value =
    'powerOfTen' in unitScale ? Number(`${digits}e${unitScale.powerOfTen}`) : Number(digits) * unitScale.multiplier;
  if (!Number.isFinite(value)) return { ok: false, reason: `"${text}" is too large` };
  return { ok: true, value };
}
