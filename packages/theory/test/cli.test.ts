import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI_PATH = 'packages/theory/src/cli.ts';
/** Starting node with tsx takes a second or two on a loaded machine. */
const SPAWN_TIMEOUT_MS = 30_000;

function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI_PATH, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: SPAWN_TIMEOUT_MS,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('theory CLI (spawned)', { timeout: SPAWN_TIMEOUT_MS }, () => {
  it('prints the table and, with --json, the textbook numbers as the last line of stdout', () => {
    const { status, stdout, stderr } = runCli([
      '--peers',
      '30',
      '--file-bytes',
      '3600MB',
      '--server-up',
      '10MB/s',
      '--peer-up',
      '1MB/s',
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('D_cs');
    expect(stdout).toContain('bytes/s');
    const lastLine = stdout.trimEnd().split('\n').at(-1)!;
    const parsed: unknown = JSON.parse(lastLine);
    expect(parsed).toMatchObject({
      clientServerSec: 10_800,
      p2pSec: 2700,
      clientServerBindingTerm: 'server-upload',
      p2pBindingTerm: 'total-upload',
      minPeerDownloadBytesPerSec: null,
    });
    expect(Object.keys(parsed as object).slice(0, 2)).toEqual(['clientServerSec', 'p2pSec']);
  });

  it('exits 2 with one line on stderr naming the flag and pointing at --help', () => {
    const { status, stdout, stderr } = runCli(['--peers', '3', '--file-bytes', '1MB', '--server-up', '1MB']);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('theory: --peer-up is required. Run with --help for usage.\n');
  });

  it('names the flag, not the code’s field, for a total only the bound finds too large', () => {
    const tooLarge = runCli([
      '--peers',
      '1000000',
      '--file-bytes',
      `1${'0'.repeat(303)}`,
      '--server-up',
      '1MB/s',
      '--peer-up',
      '1MB/s',
    ]);
    expect(tooLarge.status).toBe(2);
    expect(tooLarge.stderr).toMatch(/^theory: --file-bytes: N·F is too large to compute/);
    const tooSlow = runCli([
      '--peers',
      '2',
      '--file-bytes',
      '1MB',
      '--server-up',
      `0.${'0'.repeat(322)}1`,
      '--peer-up',
      '1MB/s',
    ]);
    expect(tooSlow.status).toBe(2);
    expect(tooSlow.stderr).toMatch(/^theory: --server-up: is too small/);
  });

  it('prints usage and exits 0 on --help', () => {
    const { status, stdout } = runCli(['--help']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: pnpm theory/);
  });
});
