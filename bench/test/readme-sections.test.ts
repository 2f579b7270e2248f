import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('bench/README.md has a section for every benchmark `bench --help` lists (classroom and sim had none)', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/cli.ts', '--help'], {
    cwd: ROOT,
  });
  const names = [...stdout.matchAll(/^ {2}([a-z0-9-]+) {2,}/gm)].map((match) => match[1]);
  expect(names).toContain('swarm');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const missing = names.filter((name) => !readme.includes(`\n## \`${name}\`\n`));
  expect(missing).toEqual([]);
});
