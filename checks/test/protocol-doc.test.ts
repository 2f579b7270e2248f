import { readFileSync } from 'node:fs';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from '@swarmlab/engine';
import { describe, expect, it } from 'vitest';

/**
 * docs/PROTOCOL.md §3.11 states the engine's defaults in a table; `DEFAULT_ENGINE_CONFIG` is what the engine
 * runs with. This holds the one to the other, so that neither can change alone.
 */

const PROTOCOL_MD = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');

type Setting = keyof EngineConfig;
type Value = EngineConfig[Setting];

interface Row {
  readonly setting: string;
  readonly defaultText: string;
}

/** The rows of the first table after the heading that names the engine's constants. */
function constantsTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((line) => /^#{2,4} .*Engine constants/.test(line));
  if (heading < 0) throw new Error('docs/PROTOCOL.md has no "Engine constants" section');
  const start = lines.findIndex((line, index) => index > heading && line.startsWith('|'));
  const table: string[] = [];
  for (let index = start; index < lines.length && lines[index]!.startsWith('|'); index++) table.push(lines[index]!);
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
  const [header, rule, ...body] = table;
  expect(cells(header!).slice(0, 2)).toEqual(['setting', 'default']);
  expect(rule).toMatch(/^\|[\s|:-]+\|$/);
  return body.map((line) => {
    const [setting, defaultText] = cells(line);
    return { setting: setting!.replace(/^`(.*)`$/, '$1'), defaultText: defaultText! };
  });
}

const UNITS: Record<string, { readonly kind: 'bytes' | 'time' | 'rate'; readonly factor: number }> = {
  'B/s': { kind: 'rate', factor: 1 },
  'kB/s': { kind: 'rate', factor: 1000 },
  B: { kind: 'bytes', factor: 1 },
  KiB: { kind: 'bytes', factor: 1024 },
  MiB: { kind: 'bytes', factor: 1024 * 1024 },
  ms: { kind: 'time', factor: 1 },
  s: { kind: 'time', factor: 1000 },
};

/**
 * A default as the table writes it (`32 KiB`, `2 s`, `0.05 s`, `10 kB/s`, `4`, `` `false` ``), in the unit its
 * setting's name carries: `…BytesPerSec` in bytes per second, `…Bytes` in bytes, `…Ms` in milliseconds, `…Sec` in
 * seconds, anything else a plain number.
 */
function valueOf(setting: string, text: string): Value | string {
  const flag = /^`(true|false)`$/.exec(text);
  if (flag) return flag[1] === 'true';
  const quantity = /^(\d+(?:\.\d+)?)(?: (B\/s|kB\/s|B|KiB|MiB|ms|s))?$/.exec(text);
  if (!quantity) return `unreadable default "${text}"`;
  const number = Number(quantity[1]);
  const unit = quantity[2] === undefined ? undefined : UNITS[quantity[2]]!;
  const wanted = setting.endsWith('BytesPerSec')
    ? 'rate'
    : setting.endsWith('Bytes')
      ? 'bytes'
      : /(Ms|Sec)$/.test(setting)
        ? 'time'
        : undefined;
  if (unit?.kind !== wanted) return `"${text}" is not in the unit of ${setting}`;
  if (unit === undefined) return number;
  const base = number * unit.factor;
  return wanted === 'time' && setting.endsWith('Sec') ? base / 1000 : base;
}

describe('docs/PROTOCOL.md §3.11, the engine constants table', () => {
  const rows = constantsTable(PROTOCOL_MD);
  const fields = Object.keys(DEFAULT_ENGINE_CONFIG) as Setting[];

  it('reads the table', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(valueOf('blockBytes', '32 KiB')).toBe(32 * 1024);
    expect(valueOf('rechokeIntervalMs', '2 s')).toBe(2000);
    expect(valueOf('slowestCapBytesPerSec', '10 kB/s')).toBe(10_000);
    expect(valueOf('slowestCapBytesPerSec', '10 s')).toMatch(/not in the unit/);
    expect(valueOf('shapingBurstSec', '0.05 s')).toBe(0.05);
    expect(valueOf('pipelineSlackMs', '250')).toMatch(/not in the unit/);
  });

  it('says what DEFAULT_ENGINE_CONFIG says, row by row', () => {
    const documented = Object.fromEntries(
      rows.map(({ setting, defaultText }) => [setting, valueOf(setting, defaultText)]),
    );
    const defaults: Readonly<Record<string, Value>> = { ...DEFAULT_ENGINE_CONFIG };
    const inCode = Object.fromEntries(rows.map(({ setting }) => [setting, defaults[setting] ?? 'no such field']));
    expect(documented).toEqual(inCode);
  });

  // The section promises every field: a new setting needs its row (and its reason).
  it('has one row for each EngineConfig field', () => {
    const settings = rows.map((row) => row.setting);
    expect(settings.filter((setting, index) => settings.indexOf(setting) !== index)).toEqual([]);
    expect([...settings].sort()).toEqual([...fields].sort());
  });
});
