import { describe, expect, it } from 'vitest';
import { parseSimArgs } from '../src/cli-args';
import { CHUNK_COPY_BUDGET, LINK_END_BUDGET, linkEndCount, memoryBudgetProblem } from '../src/memory-budget';
import { SCENARIO_DEFAULTS, ScenarioError, simulate, type Scenario } from '../src/index';

const KIB = 1024;
const MIB = 1024 * KIB;

function scenario(overrides: Partial<Scenario>): Scenario {
  return {
    ...SCENARIO_DEFAULTS,
    peerCount: 2,
    fileBytes: 256 * KIB,
    serverUploadBytesPerSec: 1e6,
    peerUploadBytesPerSec: [1e6],
    peerDownloadBytesPerSec: [Infinity],
    ...overrides,
  };
}

function messageOf(argv: readonly string[]): string | undefined {
  const args = parseSimArgs(argv);
  return args.ok ? undefined : args.message;
}

const RUN = ['--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];

describe('memory budget', () => {
  // The review's run: 1,000 peers × 16,384 chunks, accepted, and dead of V8's out-of-memory error after 13 minutes.
  const outOfMemory = ['--peers', '1000', '--file-bytes', '4GiB', '--server-up', '10MB/s', '--peer-up', '1MB/s'];

  it('refuses more chunk copies than the budget on the command line, naming the product and what to lower', () => {
    expect(messageOf(outOfMemory)).toBe(
      '1,000 peers × 16,384 chunks is 16,384,000 chunk copies, over the budget of 4,000,000 (every peer stores ' +
        'each chunk; more would run out of memory): lower --peers or --file-bytes, or raise --chunk-bytes',
    );
    expect(parseSimArgs([...outOfMemory, '--chunk-bytes', '2MiB'])).toMatchObject({ ok: true }); // 2,048,000 copies
  });

  it('refuses more link ends than the budget on the command line', () => {
    const fullMesh = ['--peers', '1000', ...RUN, '--connections', '500'];
    expect(messageOf(fullMesh)).toBe(
      '1,001 nodes × 1,000 connections is 1,001,000 link ends, over the budget of 500,000 (about 1.7 KB each; ' +
        'more would run out of memory): lower --connections or --peers',
    );
    expect(parseSimArgs(['--peers', '1000', ...RUN, '--connections', '200'])).toMatchObject({ ok: true });
  });

  it('checks every run of a sweep, before the first starts', () => {
    const sweep = ['--sweep', '--peers', '10,1000', '--file-bytes', '4GiB', '--server-up', '10MB/s'];
    expect(messageOf([...sweep, '--peer-up', '1MB/s'])).toContain('1,000 peers × 16,384 chunks');
  });

  it('refuses it in simulate() too, for library callers, before building anything', () => {
    const tooBig = scenario({ peerCount: 1000, fileBytes: 4 * 1024 * MIB });
    expect(() => simulate(tooBig)).toThrow(ScenarioError);
    expect(() => simulate(tooBig)).toThrow('lower peerCount or fileBytes, or raise chunkBytes');
    expect(() => simulate(scenario({ peerCount: 1000, connectionsPerPeer: 500 }))).toThrow(
      'link ends, over the budget of 500,000 (about 1.7 KB each; more would run out of memory): lower connectionsPerPeer',
    );
  });

  it("lets the benchmark's scenarios run: 1,000 peers × 256 chunks, and the scale row's 1,000 × 1,000", () => {
    const homogeneous = scenario({ peerCount: 1000, fileBytes: 256 * 256 * KIB, chunkBytes: 256 * KIB });
    const scale = scenario({ peerCount: 1000, fileBytes: 1000 * 64 * KIB, chunkBytes: 64 * KIB, threads: 2 });
    for (const run of [homogeneous, scale, { ...homogeneous, mode: 'client-server' as const }])
      expect(memoryBudgetProblem(run, 'fields')).toBeUndefined();
    expect(1000 * 1000).toBeLessThanOrEqual(CHUNK_COPY_BUDGET);
    expect(linkEndCount(scale)).toBe(1001 * 32);
    expect(linkEndCount(scale)).toBeLessThanOrEqual(LINK_END_BUDGET);
  });

  it('counts link ends as the topology makes them: a full mesh, 2K a node, or a star', () => {
    expect(linkEndCount(scenario({ peerCount: 10, connectionsPerPeer: 16 }))).toBe(11 * 10);
    expect(linkEndCount(scenario({ peerCount: 100, connectionsPerPeer: 16 }))).toBe(101 * 32);
    expect(linkEndCount(scenario({ peerCount: 100, mode: 'client-server' }))).toBe(200);
  });
});

describe('corrupt fraction in simulate()', () => {
  it.each([-0.5, 1, 1.5, Number.NaN])('refuses %s, as --corrupt-fraction does', (corruptFraction) => {
    // -0.5 of 2 peers was -1 corrupt peer: the bound was over 3 honest ones, and the ratio 0.692, beating a minimum.
    expect(() => simulate(scenario({ corruptFraction }))).toThrow(ScenarioError);
    expect(() => simulate(scenario({ corruptFraction }))).toThrow(
      `simulator: corruptFraction ${corruptFraction} is not from 0 to below 1`,
    );
  });
});

describe('engine settings the simulator sets itself', () => {
  it.each([
    ['blockBytes', { blockBytes: 1024 }] as const,
    ['slowestCapBytesPerSec', { slowestCapBytesPerSec: 1 }] as const,
  ])('refuses engineConfig.%s, which was dropped without a word', (setting, engineConfig) => {
    expect(() => simulate(scenario({ engineConfig }))).toThrow(ScenarioError);
    expect(() => simulate(scenario({ engineConfig }))).toThrow(
      `simulator: engineConfig.${setting} is the simulator's own (in real bytes, scaled down): leave it out`,
    );
  });

  it('takes any other setting', () => {
    expect(simulate(scenario({ engineConfig: { suppressHaves: true } })).allFilesIntact).toBe(true);
  });
});

describe('chunk sizes', () => {
  it('refuses --chunk-bytes 1500, which printed "file simulated as 1000031.25 bytes"', () => {
    expect(messageOf(['--peers', '3', ...RUN, '--chunk-bytes', '1500'])).toBe(
      '--chunk-bytes: 1500 bytes is 1 block of up to 64 KiB, carried by 16 real bytes, and 1500 / 16 = 93.75 is no ' +
        'whole number of simulated bytes a real byte: give a multiple of 16 bytes (any power of two, such as ' +
        '256KiB, or multiple of 64KiB is one)',
    );
  });

  it('refuses a multiple of 1 KiB that is no whole number of simulated bytes a real byte: 130 KiB', () => {
    expect(messageOf(['--peers', '3', ...RUN, '--chunk-bytes', '130KiB'])).toContain(
      '133120 bytes is 3 blocks of up to 64 KiB, carried by 48 real bytes, and 133120 / 48 = 2773.3333',
    );
  });

  it.each(['1KiB', '1504', '100KiB', '132KiB', '1MiB', '16MiB'])('takes %s', (chunkBytes) => {
    expect(parseSimArgs(['--peers', '3', ...RUN, '--chunk-bytes', chunkBytes])).toMatchObject({ ok: true });
  });

  it('refuses it in simulate() too, whose file was a fraction of a byte', () => {
    expect(() => simulate(scenario({ fileBytes: 1_000_000, chunkBytes: 1500 }))).toThrow(ScenarioError);
    expect(() => simulate(scenario({ fileBytes: 1_000_000, chunkBytes: 1500 }))).toThrow('simulator: chunkBytes: 1500');
  });
});

describe('thousands separators in pnpm sim', () => {
  it('refuses a rate written with them, as pnpm theory does, rather than say "10" is under the least rate', () => {
    expect(
      messageOf(['--peers', '3', '--file-bytes', '1MiB', '--server-up', '10MB/s', '--peer-up', '10,000,000']),
    ).toBe(
      '--peer-up: "10,000,000" reads as one number with thousands separators; write 10000000 or 10MB/s ' +
        '(for a list of rates that small, give them a unit: 100B/s,200B/s)',
    );
    expect(messageOf(['--peers', '2', ...RUN, '--peer-down', '20,000'])).toContain('--peer-down: "20,000" reads as');
  });

  it('still reads a list of rates', () => {
    expect(parseSimArgs(['--peers', '2', ...RUN.slice(0, 4), '--peer-up', '1MB/s,2MB/s'])).toMatchObject({
      ok: true,
      scenario: { peerUploadBytesPerSec: [1e6, 2e6] },
    });
  });

  it('refuses a peer count written with them, and a sweep count with a leading zero', () => {
    expect(messageOf(['--peers', '1,000', ...RUN])).toBe(
      '--peers: "1,000" reads as one number with thousands separators; write 1000',
    );
    expect(messageOf(['--sweep', '--peers', '2,050', ...RUN])).toContain('--peers: "2,050" reads as one number');
  });

  it('says a list of counts needs --sweep when its digits joined are no count (50,100,200 is no 50100200)', () => {
    expect(messageOf(['--peers', '50,100,200', ...RUN])).toBe('--peers: give one count (a list needs --sweep)');
    expect(messageOf(['--peers', '100,200', ...RUN])).toBe('--peers: give one count (a list needs --sweep)');
    expect(messageOf(['--peers', '10,000', ...RUN])).toContain('--peers: "10,000" reads as one number');
  });

  it('reads a sweep of three-digit counts as a list', () => {
    expect(parseSimArgs(['--sweep', '--peers', '50,100,200', ...RUN])).toMatchObject({
      ok: true,
      sweepPeerCounts: [50, 100, 200],
    });
  });
});
