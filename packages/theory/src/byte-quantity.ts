/**
 * Parses the byte sizes and rates a student types on the command line: `1500`, `2.5`, `64MiB`,
 * `1.5MB`, `2MB/s`. Units are bytes, never bits. Decimal prefixes are powers of 1000, binary (`Ki`,
 * `Mi`, `Gi`) powers of 1024, the prefix in either case (`kB` and `KB`, `miB` and `MiB`). A lower-case `b` is a bit, as
 * in SI and on every network card (`100kb/s`, `10Mb/s`, `1Gib`), and so are `bit` and `bps` (`10Mbit/s`,
 * `10Mbps`): each is refused, with the figure in bytes it stands for, where reading it as bytes would have
 * meant eight times the rate.
 */

/** Multiplier for each accepted suffix, lower-cased. */
const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
};

const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)([a-z]*)(\/s)?$/i;

/** A unit in bits: a prefix, then a lower-case `b`, `bit`, `bits` or `bps` (`kb`, `Mb`, `Gib`, `Mbit`, `Mbps`). */
const BITS_PATTERN = /^([kKmMgG]i?)?(b|bits?|bps)$/;

/** A size (`--file-bytes`) or a rate (`--server-up`), which may carry a trailing `/s`. */
export type ByteQuantityKind = 'size' | 'rate';

export type ByteQuantityResult =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/** Parses `text` into bytes (size) or bytes/s (rate). Zero is returned as is: whether it is allowed is the caller's rule. */
export function parseByteQuantity(text: string, kind: ByteQuantityKind): ByteQuantityResult {
  const match = QUANTITY_PATTERN.exec(text.trim());
  const example = kind === 'size' ? '1500, 2.5MB or 64MiB' : '125000, 1.5MB or 2MiB/s';
  if (!match) return { ok: false, reason: `"${text}" is not a number of bytes (try ${example})` };
  const [, sign, digits, suffix, perSecond] = match;
  const bits = BITS_PATTERN.exec(suffix!);
  if (bits) {
    const prefix = bits[1] ?? '';
    const rate = perSecond ?? (bits[2] === 'bps' ? '/s' : '');
    const inBytes = `${Number((Number(digits) / 8).toPrecision(6))}${prefix}B${rate}`;
    return {
      ok: false,
      reason: `"${text}" is in bits (a lower-case b is a bit); swarmlab works in bytes (8 bits): that is ${inBytes}, or write ${digits}${prefix}B${rate} for bytes`,
    };
  }
  // Own keys only: `1constructor` found Object's constructor, and was "too large" rather than an unknown unit.
  const unit = suffix!.toLowerCase();
  const bytesPerUnit = Object.hasOwn(BYTES_PER_UNIT, unit) ? BYTES_PER_UNIT[unit] : undefined;
  if (bytesPerUnit === undefined) {
    return { ok: false, reason: `"${text}" has unknown unit "${suffix}" (use K, KB, KiB, M, MB, MiB, G, GB or GiB)` };
  }
  if (perSecond !== undefined && kind === 'size') {
    return { ok: false, reason: `"${text}" is a rate; a size takes no "/s"` };
  }
  if (sign === '-') return { ok: false, reason: `"${text}" is negative` };
  const value = Number(digits) * bytesPerUnit;
  if (!Number.isFinite(value)) return { ok: false, reason: `"${text}" is too large` };
  return { ok: true, value };
}
