import { describe, expect, it } from 'vitest';
import { parseSimArgs, USAGE } from '../src/cli-args';

const base = ['--peers', '3', '--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];

function messageOf(argv: readonly string[]): string | undefined {
  const args = parseSimArgs(argv);
  return args.ok ? undefined : args.message;
}

describe('parseSimArgs', () => {
  it('reads a scenario', () => {
    const args = parseSimArgs([...base, '--latency-ms', '2.5', '--corrupt-fraction', '0.25', '--seed', '7']);
    expect(args).toMatchObject({ ok: true, help: false, scenario: { peerCount: 3, latencyMs: 2.5, seed: 7 } });
  });

  it.each([
    ['a hexadecimal seed', ['--seed', '0x10'], '--seed'],
    ['an exponent in a count', ['--connections', '1e2'], '--connections'],
    ['an empty latency', ['--latency-ms', ''], '--latency-ms'],
    ['an empty fraction', ['--corrupt-fraction', ''], '--corrupt-fraction'],
    ['a fraction leaving no honest peer', ['--corrupt-fraction', '0.9'], 'no honest peer'],
    ['two threads without latency', ['--threads', '2', '--latency-ms', '0'], 'at least 1 with --threads 2'],
    ['a flag given twice', ['--peers', '5'], '--peers is given twice'],
    // The seeder is client-server's only uploader: such a run could never end, and exited 1 as a failure.
    ['the seeder leaving a client-server run', ['--mode', 'client-server', '--seeder-leaves'], '--seeder-leaves'],
  ])('refuses %s, naming it', (_what, extra, named) => {
    expect(messageOf([...base, ...extra])).toContain(named);
  });

  it.each([
    ['a list of counts without --sweep', '--peers', '1,2', '--peers: give one count (a list needs --sweep)'],
    ['a mode in capitals', '--mode', 'P2P', '--mode: use p2p or client-server'],
    ['more threads than the machine is run with', '--threads', '3', '--threads: "3" is not a whole number from 1 to 2'],
    ['a chunk under 1 KiB', '--chunk-bytes', '512', '--chunk-bytes: 1 KiB to 16 MiB'],
    ['a latency over 10 s', '--latency-ms', '20000', '--latency-ms: 0 to 10000'],
    ['a per-peer list of the wrong length', '--peer-up', '1MB/s,2MB/s', '--peer-up: got 2 values'],
    ['a download of zero', '--peer-down', '0', '--peer-down: must be above zero'],
    ['a rate in bits', '--peer-up', '10Mbps', '--peer-up: "10Mbps" is in bits'],
  ])('refuses %s, naming the flag', (_what, flag, value, message) => {
    const flags = new Map(base.flatMap((text, index) => (index % 2 === 0 ? [[text, base[index + 1]!]] : [])));
    flags.set(flag, value);
    expect(messageOf([...flags].flat())).toContain(message);
  });

  it.each([
    ['--server-up', '1'],
    ['--peer-up', '9999'],
    ['--peer-down', '5kB/s'],
  ])('refuses %s %s, under the app’s least cap: a forgotten unit ran for hours', (flag, value) => {
    const flags = new Map(base.flatMap((text, index) => (index % 2 === 0 ? [[text, base[index + 1]!]] : [])));
    flags.set(flag, value);
    const message = messageOf([...flags].flat());
    expect(message).toContain(`${flag}: "${value}" is `);
    expect(message).toContain('under the least rate, 10000 B/s (10kB/s');
  });

  it('takes the least cap itself, and an unlimited download', () => {
    const argv = ['--peers', '2', '--file-bytes', '1MiB', '--server-up', '10kB/s', '--peer-up', '10000'];
    expect(parseSimArgs([...argv, '--peer-down', 'inf,10kB/s'])).toMatchObject({
      ok: true,
      scenario: {
        serverUploadBytesPerSec: 10_000,
        peerUploadBytesPerSec: [10_000],
        peerDownloadBytesPerSec: [Infinity, 10_000],
      },
    });
  });

  it('refuses a file of more than 100,000 chunks', () => {
    const argv = ['--peers', '3', '--file-bytes', '200MiB', '--chunk-bytes', '1KiB', '--server-up', '10MB/s'];
    expect(messageOf([...argv, '--peer-up', '1MB/s'])).toContain('--file-bytes: at most 100,000 chunks');
  });

  it('refuses a file that is no whole number of bytes', () => {
    const argv = ['--peers', '3', '--file-bytes', '1000.5', '--server-up', '10MB/s', '--peer-up', '1MB/s'];
    expect(messageOf(argv)).toBe('--file-bytes: "1000.5" is 1000.5 bytes, not a whole number of bytes');
  });

  it('refuses the seeder leaving a sweep, which runs client-server too', () => {
    const sweep = ['--sweep', '--peers', '1,2', '--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];
    expect(messageOf([...sweep, '--seeder-leaves'])).toContain('--sweep runs client-server too');
  });

  it('refuses corrupting peers where only the seeder uploads: client-server, and a sweep, which runs it too', () => {
    const run = ['--peers', '4', '--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];
    const corrupt = ['--corrupt-fraction', '0.5'];
    expect(messageOf([...run, '--mode', 'client-server', ...corrupt])).toBe(
      '--corrupt-fraction: in client-server only the seeder uploads, so no peer could corrupt a block',
    );
    expect(messageOf(['--sweep', ...run.slice(0, 1), '2,4', ...run.slice(2), ...corrupt])).toContain(
      '--sweep runs client-server too',
    );
    expect(parseSimArgs([...run, ...corrupt])).toMatchObject({ ok: true });
  });

  it('refuses a corrupt fraction that rounds to no corrupt peer, rather than run an honest swarm as a corrupt one', () => {
    const run = ['--peers', '4', '--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];
    expect(messageOf([...run, '--corrupt-fraction', '0.1'])).toBe(
      '--corrupt-fraction: 0.1 of 4 peers is no corrupt peer (0.1 × 4 rounds to 0)',
    );
    expect(parseSimArgs([...run, '--corrupt-fraction', '0.125'])).toMatchObject({ ok: true });
  });

  it('reads a decimal without its leading zero, as the byte sizes do', () => {
    expect(parseSimArgs([...base, '--corrupt-fraction', '.5', '--latency-ms', '.5'])).toMatchObject({
      ok: true,
      scenario: { corruptFraction: 0.5, latencyMs: 0.5 },
    });
  });

  it.each([
    ['--latency-ms', '-5'],
    ['--corrupt-fraction', '-.5'],
    ['--seed', '-1'],
  ])("says in one line that %s %s is negative, not node's advice on an ambiguous argument", (flag, value) => {
    const message = messageOf([...base, flag, value]);
    expect(message).toBe(`${flag}: "${value}" is negative`);
  });

  it("says node's own refusals in one line without a closing period (the CLI adds its own)", () => {
    // A value that is no number and starts with a dash is still node's "ambiguous" argument, in three lines.
    expect(messageOf([...base, '--mode', '--json'])).toBe("Option '--mode' argument is ambiguous");
  });

  it('says the seeder leaves when every chunk is held by some honest peer, as it does', () => {
    expect(USAGE).toContain('the seeder leaves once every chunk is held by some honest peer');
    expect(USAGE).not.toContain('once an honest peer holds every chunk');
  });

  it('refuses what a sweep would ignore: a mode, or a per-peer list', () => {
    const sweep = ['--sweep', '--peers', '1,2', '--file-bytes', '1MiB', '--server-up', '10MB/s'];
    expect(messageOf([...sweep, '--peer-up', '1MB/s', '--mode', 'p2p'])).toContain('--sweep runs both modes');
    expect(messageOf([...sweep, '--peer-up', '1MB/s,2MB/s'])).toContain('one value with --sweep');
    expect(parseSimArgs([...sweep, '--peer-up', '1MB/s', '--json'])).toMatchObject({
      ok: true,
      json: true,
      sweepPeerCounts: [1, 2],
    });
  });
});
