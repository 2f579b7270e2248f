import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS, type ServerLimits } from '@swarmlab/server';
import { describe, expect, it } from 'vitest';

/**
 * docs/PROTOCOL.md §4.10 states the server's limits in two tables; `DEFAULT_LIMITS` is what the server runs with.
 * This holds the one to the other: six byte limits derived from `maxEventBytes` kept the values of an older one in
 * the tables (found by review).
 */

const PROTOCOL_MD = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

/** The first two cells of every table row in the section headed `### 4.10 Limits`. */
function limitsRows(markdown: string): { readonly name: string; readonly defaultText: string }[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((line) => /^### 4\.10 Limits/.test(line));
  if (heading < 0) throw new Error('docs/PROTOCOL.md has no "4.10 Limits" section');
  const end = lines.findIndex((line, index) => index > heading && /^#{1,3} /.test(line));
  return lines
    .slice(heading, end < 0 ? undefined : end)
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.slice(1, -1).split('|'))
    .map(([name, defaultText]) => ({ name: name!.trim(), defaultText: defaultText!.trim() }))
    .filter((row) => row.name !== 'limit');
}

const UNIT_FACTORS: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024, s: 1000, ms: 1 };

/**
 * A default as a table writes it (`64`, `1,212,928 bytes`, `80 KiB`, `64 KiB/s`, `250 ms`, `30 s`, `9,703,424/s`,
 * `87,330,816 (72 × …)`), in the unit of its limit's name (`…Ms` in milliseconds, bytes otherwise).
 */
export function limitValueOf(name: string, text: string): number | string {
  const quantity = /^(\d[\d,]*(?:\.\d+)?)(?: ?(bytes|KiB|MiB|ms|s))?(\/s)?(?: \(.*\))?$/.exec(text);
  if (!quantity) return `unreadable default "${text}"`;
  const number = Number(quantity[1]!.replaceAll(',', ''));
  const unit = quantity[2];
  if ((unit === 's' || unit === 'ms') !== name.endsWith('Ms')) return `"${text}" is not in the unit of ${name}`;
  return number * (unit === undefined || unit === 'bytes' ? 1 : UNIT_FACTORS[unit]!);
}

describe('docs/PROTOCOL.md §4.10, the limits tables', () => {
  const rows = limitsRows(PROTOCOL_MD).filter((row) => /^`\w+`$/.test(row.name));
  const names = rows.map((row) => row.name.slice(1, -1));

  it('reads the tables', () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(limitValueOf('maxEventBytes', '1,212,928 bytes')).toBe(1_212_928);
    expect(limitValueOf('receivedBytesPerSec', '64 KiB/s')).toBe(65_536);
    expect(limitValueOf('answerBytesPerSecPerAddress', '9,703,424/s (8 × `maxEventBytes`)')).toBe(9_703_424);
    expect(limitValueOf('memberGraceMs', '30 s')).toBe(30_000);
    expect(limitValueOf('maxSwarms', '30 s')).toMatch(/not in the unit/);
    expect(limitValueOf('maxSwarms', 'many')).toMatch(/unreadable/);
  });

  it('says what DEFAULT_LIMITS says, row by row', () => {
    const limits: Readonly<Record<string, number>> = { ...DEFAULT_LIMITS };
    const documented = Object.fromEntries(
      rows.map((row, index) => [names[index]!, limitValueOf(names[index]!, row.defaultText)]),
    );
    const inCode = Object.fromEntries(names.map((name) => [name, limits[name] ?? 'no such limit']));
    expect(documented).toEqual(inCode);
  });

  it('has one row for each limit', () => {
    const keys = Object.keys(DEFAULT_LIMITS) as (keyof ServerLimits)[];
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect([...names].sort()).toEqual([...keys].sort());
  });
});
