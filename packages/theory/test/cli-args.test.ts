import { describe, expect, it } from 'vitest';
import { MAX_CLI_PEER_COUNT, parseTheoryArgs, USAGE, type TheoryCliInput } from '../src/cli-args';

const REQUIRED = ['--peers', '3', '--file-bytes', '64MiB', '--server-up', '1MB/s', '--peer-up', '500KB'];

function parsedInput(argv: readonly string[]): TheoryCliInput {
  const result = parseTheoryArgs(argv);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(argv)} to parse, got: ${result.message}`);
  if (result.help) throw new Error(`expected ${JSON.stringify(argv)} to describe a swarm, got --help`);
  return result.input;
}

function errorMessage(argv: readonly string[]): string {
  const result = parseTheoryArgs(argv);
  if (result.ok) throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
  return result.message;
}

/** REQUIRED with one flag's value replaced, or the flag removed when `value` is undefined. */
function withFlag(flag: string, value: string | undefined): string[] {
  const argv = [...REQUIRED];
  const index = argv.indexOf(flag);
  if (index === -1) return value === undefined ? argv : [...argv, flag, value];
  if (value === undefined) argv.splice(index, 2);
  else argv[index + 1] = value;
  return argv;
}

describe('parseTheoryArgs: good input', () => {
  it('reads every flag in bytes and bytes/s, expanding one value to all peers', () => {
    expect(parsedInput(REQUIRED)).toEqual({
      peerCount: 3,
      fileBytes: 64 * 2 ** 20,
      serverUploadBytesPerSec: 1e6,
      peerUploadBytesPerSec: [500e3, 500e3, 500e3],
      peerDownloadBytesPerSec: [Infinity, Infinity, Infinity],
    });
  });

  it('takes exactly N comma-separated values, with inf for an unlimited download', () => {
    const input = parsedInput([...withFlag('--peer-up', '1KiB,0,2.5'), '--peer-down', '1MB,INF,unlimited']);
    expect(input.peerUploadBytesPerSec).toEqual([1024, 0, 2.5]);
    expect(input.peerDownloadBytesPerSec).toEqual([1e6, Infinity, Infinity]);
  });

  it('accepts --peer-down inf and a single download rate', () => {
    expect(parsedInput(withFlag('--peer-down', 'inf')).peerDownloadBytesPerSec).toEqual([Infinity, Infinity, Infinity]);
    expect(parsedInput(withFlag('--peer-down', '2MiB/s')).peerDownloadBytesPerSec).toEqual(
      new Array<number>(3).fill(2 * 2 ** 20),
    );
  });

  it('accepts --flag=value and flags in any order', () => {
    const input = parsedInput(['--peer-up=1', '--server-up=2', '--file-bytes=3', '--peers=1']);
    expect(input).toMatchObject({ peerCount: 1, fileBytes: 3, serverUploadBytesPerSec: 2 });
  });

  it('reads --json', () => {
    expect(parseTheoryArgs([...REQUIRED, '--json'])).toMatchObject({ ok: true, help: false, json: true });
    expect(parseTheoryArgs(REQUIRED)).toMatchObject({ ok: true, help: false, json: false });
  });

  it('answers --help and -h, even without the required flags', () => {
    expect(parseTheoryArgs(['--help'])).toEqual({ ok: true, help: true });
    expect(parseTheoryArgs(['-h', '--peers', '3'])).toEqual({ ok: true, help: true });
    expect(USAGE).toContain('--peer-down');
    expect(USAGE).toContain('MiB = 2^20');
    // Every unit the parser reads, TB and TiB too (the report writes a thousand GB in TB).
    expect(USAGE).toMatch(/T, TB = 10\^12;.*TiB = 2\^40/s);
  });

  it('drops a leading -- (pnpm theory -- --peers 3 passes it through)', () => {
    expect(parsedInput(['--', ...REQUIRED]).peerCount).toBe(3);
  });
});

describe('parseTheoryArgs: bad input', () => {
  it.each([
    ['an unknown flag', [...REQUIRED, '--seeders', '2'], '--seeders'],
    ['a positional argument', [...REQUIRED, 'extra'], 'extra'],
    ['a flag without its value', [...REQUIRED.slice(0, -1)], '--peer-up'],
    ['a value on --json', [...REQUIRED, '--json=yes'], '--json'],
    ['missing --peers', withFlag('--peers', undefined), '--peers'],
    ['missing --file-bytes', withFlag('--file-bytes', undefined), '--file-bytes'],
    ['missing --server-up', withFlag('--server-up', undefined), '--server-up'],
    ['missing --peer-up', withFlag('--peer-up', undefined), '--peer-up'],
    ['N = 0', withFlag('--peers', '0'), '--peers'],
    ['non-integer N', withFlag('--peers', '2.5'), '--peers'],
    ['N over the limit', withFlag('--peers', String(MAX_CLI_PEER_COUNT + 1)), '--peers'],
    ['an unparsable size', withFlag('--file-bytes', 'big'), '--file-bytes'],
    ['a zero size', withFlag('--file-bytes', '0'), '--file-bytes'],
    ['a rate as a size', withFlag('--file-bytes', '1MB/s'), '--file-bytes'],
    ['an unknown unit', withFlag('--server-up', '10Mbps'), '--server-up'],
    ['a zero server rate', withFlag('--server-up', '0'), '--server-up'],
    ['a negative server rate', withFlag('--server-up', '-1MB'), '--server-up'],
    ['a negative peer upload', withFlag('--peer-up', '-1'), '--peer-up'],
    ['too few peer uploads', withFlag('--peer-up', '1,2'), '--peer-up'],
    ['too many peer downloads', withFlag('--peer-down', '1,2,3,4'), '--peer-down'],
    ['an unparsable list entry', withFlag('--peer-up', '1,x,2'), '--peer-up (value 2 of 3)'],
    ['a zero download', withFlag('--peer-down', '0'), '--peer-down'],
    ['inf as an upload', withFlag('--peer-up', 'inf'), '--peer-up'],
    // The last value won without a word: computed for N = 5 while the line read 3 first.
    ['a flag given twice', [...REQUIRED, '--peers', '5'], '--peers is given twice'],
    ['a flag given twice in another form', [...REQUIRED, '--peers=5'], '--peers is given twice'],
    ['half a byte', withFlag('--file-bytes', '0.5'), 'not a whole number of bytes'],
    ['a size that is no whole number of bytes', withFlag('--file-bytes', '1.1KiB'), '1126.4 bytes'],
  ])('rejects %s with a one-line message naming the flag', (_description, argv, flag) => {
    const message = errorMessage(argv);
    expect(message).toContain(flag);
    expect(message).not.toContain('\n');
  });

  it('says how many values a per-peer list needs', () => {
    expect(errorMessage(withFlag('--peer-up', '1,2'))).toBe(
      '--peer-up: got 2 values; give one for every peer or exactly 3 (--peers)',
    );
  });

  it('says a negative value is negative, written after its flag as after an =', () => {
    for (const [flag, value] of [
      ['--server-up', '-1MB/s'],
      ['--peer-up', '-1'],
      ['--file-bytes', '-5'],
      ['--peer-down', '-.5MB/s'],
    ] as const) {
      const message = errorMessage(withFlag(flag, value));
      expect(message, flag).toMatch(new RegExp(`^${flag}.*negative`));
      expect(errorMessage([...withFlag(flag, undefined), `${flag}=${value}`])).toBe(message);
    }
    // A flag's missing value is still one: the next flag is not taken for it.
    expect(errorMessage([...withFlag('--server-up', undefined), '--server-up', '--json'])).toContain('--server-up');
  });

  it('points at inf when a download rate is zero', () => {
    expect(errorMessage(withFlag('--peer-down', '0'))).toContain('"inf"');
  });
});
