import { describe, expect, it } from 'vitest';
import { parseTheoryArgs } from '../src/cli-args';
import { thousandsSeparatedRun, thousandsSeparatorsMessage } from '../src/thousands-separators';

const SWARM = ['--file-bytes', '64MiB', '--server-up', '1MB/s'];

function outcome(peers: string, flag: string, value: string): ReturnType<typeof parseTheoryArgs> {
  const rates = flag === '--peer-up' ? [flag, value] : ['--peer-up', '1MB/s', flag, value];
  return parseTheoryArgs(['--peers', peers, ...SWARM, ...rates]);
}

describe('thousands separators in pnpm theory', () => {
  it('refuses 10,000,000 for three peers, which was read as 10, 0 and 0 bytes/s without a word', () => {
    expect(outcome('3', '--peer-up', '10,000,000')).toEqual({
      ok: false,
      message:
        '--peer-up: "10,000,000" reads as one number with thousands separators; write 10000000 or 10MB/s ' +
        '(for a list of rates that small, give them a unit: 100B/s,200B/s)',
    });
  });

  it.each([
    ['one number, count matching N', '3', '--peer-up', '10,000,000', '10,000,000'],
    ['one number, count not matching N', '5', '--peer-up', '10,000,000', '10,000,000'],
    ['a download rate', '2', '--peer-down', '1,500', '1,500'],
    ['a group with a unit', '2', '--peer-up', '2,500MB/s', '2,500MB/s'],
    ['a group with a decimal part', '2', '--peer-up', '1,000.5', '1,000.5'],
    ['one such number among rates', '4', '--peer-up', '1MB/s,10,000,000', '10,000,000'],
    // Three rates of a few hundred bytes/s, or 100,200,300: the text cannot tell, and one number is far likelier.
    ['three-digit groups, one per peer', '3', '--peer-up', '100,200,300', '100,200,300'],
  ])('refuses %s', (_what, peers, flag, value, run) => {
    const parsed = outcome(peers, flag, value);
    expect(parsed).toMatchObject({ ok: false });
    expect(parsed.ok ? '' : parsed.message).toContain(
      `${flag}: "${run}" reads as one number with thousands separators`,
    );
  });

  it.each([
    ['rates with units', '2', '1MB/s,2MB/s', [1e6, 2e6]],
    ['short bare numbers', '2', '1,2', [1, 2]],
    ['a zero before three digits', '2', '0,250', [0, 250]],
    ['four-digit numbers', '2', '1000,2000', [1000, 2000]],
    ['three-digit rates with units', '3', '100B/s,200B/s,300B/s', [100, 200, 300]],
    ['the number without separators', '1', '10000000', [1e7]],
  ])('reads %s as a list', (_what, peers, value, rates) => {
    expect(outcome(peers, '--peer-up', value)).toMatchObject({ ok: true, input: { peerUploadBytesPerSec: rates } });
  });

  it('refuses a peer count written with thousands separators, in the same words', () => {
    expect(parseTheoryArgs(['--peers', '10,000', ...SWARM, '--peer-up', '1MB/s'])).toEqual({
      ok: false,
      message: '--peers: "10,000" reads as one number with thousands separators; write 10000',
    });
  });

  it('finds the run and writes the number with a prefix only when it is bare digits', () => {
    expect(thousandsSeparatedRun('1,500')).toBe('1,500');
    expect(thousandsSeparatedRun('1MB/s,2,500MB/s,3MB/s')).toBe('2,500MB/s');
    expect(thousandsSeparatedRun('1MB/s,2MB/s')).toBeUndefined();
    expect(thousandsSeparatorsMessage('--peer-up', '1,500')).toContain('write 1500 or 1.5kB/s (');
    expect(thousandsSeparatorsMessage('--peer-up', '2,500MB/s')).toContain('write 2500MB/s (');
  });
});
