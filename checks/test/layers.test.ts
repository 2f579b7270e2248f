import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layers as lint enforces them (`eslint.config.js`), tested through ESLint itself on files that exist only
 * here: each wrong-way import is reported, each right-way one is not, and every workspace dependency a
 * `package.json` declares is one the layer table allows.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: REPO_ROOT });
});

interface Problem {
  readonly line: number;
  readonly ruleId: string | null;
  readonly message: string;
}

const LAYER_RULE = 'no-restricted-imports';
const RELATIVE_RULE = 'layers/no-relative-import-across-packages';

/**
 * What the layer rules say about `code` if it were the file at `filePath` (relative to the repository root);
 * other rules (an unused import in a probe) are not this test's business.
 */
async function lint(filePath: string, code: string): Promise<Problem[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, filePath) });
  return result!.messages
    .filter(({ ruleId, fatal }) => fatal || ruleId === LAYER_RULE || ruleId === RELATIVE_RULE)
    .map(({ line, ruleId, message }) => ({ line, ruleId, message }));
}

describe('lint refuses wrong-way imports', () => {
  it.each([
    ['the engine importing webrtc', 'packages/engine/src/probe.ts', `import { RunLinks } from '@swarmlab/webrtc';`],
    ['the engine importing the simulator', 'packages/engine/src/probe.ts', `import '@swarmlab/sim';`],
    [
      'protocol importing the engine',
      'packages/protocol/src/probe.ts',
      `import type { SwarmEngine } from '@swarmlab/engine';`,
    ],
    ['protocol re-exporting the engine', 'packages/protocol/src/probe.ts', `export * from '@swarmlab/engine';`],
    ['the server importing the simulator', 'apps/server/src/probe.ts', `import { simulate } from '@swarmlab/sim';`],
    ['the server importing the engine', 'apps/server/src/probe.ts', `import '@swarmlab/engine';`],
    ['theory importing protocol', 'packages/theory/src/probe.ts', `import '@swarmlab/protocol';`],
    ['webrtc importing the web app', 'packages/webrtc/src/probe.ts', `import '@swarmlab/web/run-record';`],
    ['the simulator importing webrtc', 'packages/sim/src/probe.ts', `import '@swarmlab/webrtc';`],
    ['the web app importing the server', 'apps/web/src/lib/probe.ts', `import '@swarmlab/server';`],
    [
      'a Svelte component importing the simulator',
      'apps/web/src/lib/Probe.svelte',
      `<script lang="ts">\n  import '@swarmlab/sim';\n</script>`,
    ],
    ['runtime code importing the test kit', 'packages/engine/src/probe.ts', `import '@swarmlab/test-kit';`],
    ['the web app importing the test kit', 'apps/web/src/lib/probe.ts', `import '@swarmlab/test-kit';`],
    ['e2e importing the engine', 'e2e/probe.spec.ts', `import '@swarmlab/engine';`],
  ])('%s', async (_name, filePath, code) => {
    const problems = await lint(filePath, code);
    expect(problems.map((problem) => problem.ruleId)).toEqual([LAYER_RULE]);
    expect(problems[0]!.message).toMatch(/may import only these of our packages/);
  });

  it.each([
    [
      'webrtc reaching into the engine',
      'packages/webrtc/src/probe.ts',
      `import { SwarmEngine } from '../../engine/src/swarm-engine';`,
    ],
    ['webrtc re-exporting from the engine', 'packages/webrtc/src/probe.ts', `export * from '../../engine/src/index';`],
    [
      'a test reaching into another package',
      'packages/sim/test/probe.test.ts',
      `import '../../engine/test/swarm-harness';`,
    ],
    [
      'e2e reaching into the web app',
      'e2e/probe.ts',
      `import type { SwarmTestHook } from '../apps/web/src/lib/test-hook-types';`,
    ],
    ['bench reaching into e2e', 'bench/probe.ts', `import '../e2e/chromium';`],
    ['a root config reaching into e2e', 'probe.config.ts', `import './e2e/chromium';`],
    ['a package reaching out to the root', 'packages/engine/src/probe.ts', `import '../../../vitest.config';`],
    [
      'a dynamic import into another package',
      'apps/web/src/lib/probe.ts',
      `await import('../../../server/src/index');`,
    ],
  ])('%s', async (_name, filePath, code) => {
    expect((await lint(filePath, code)).map((problem) => problem.ruleId)).toEqual([RELATIVE_RULE]);
  });

  it.each([
    ['protocol', 'packages/protocol/src/probe.ts'],
    ['the engine', 'packages/engine/src/probe.ts'],
    ['the engine’s tests', 'packages/engine/test/probe.test.ts'],
    ['theory', 'packages/theory/src/probe.ts'],
  ])('%s importing Node or a transport', async (_name, filePath) => {
    const problems = await lint(filePath, `import 'node:fs';\nimport 'socket.io-client';\nimport 'simple-peer';\n`);
    expect(problems.map((problem) => `${problem.line} ${problem.ruleId}`)).toEqual([
      `1 ${LAYER_RULE}`,
      `2 ${LAYER_RULE}`,
      `3 ${LAYER_RULE}`,
    ]);
  });
});

describe('lint lets right-way imports through', () => {
  it.each([
    ['the engine importing protocol', 'packages/engine/src/probe.ts', `import { WIRE_TAG } from '@swarmlab/protocol';`],
    [
      'the engine importing its own files',
      'packages/engine/src/probe.ts',
      `import { SwarmEngine } from './swarm-engine';`,
    ],
    ['an engine test importing the engine’s sources', 'packages/engine/test/probe.test.ts', `import '../src/index';`],
    [
      'webrtc importing the engine and protocol',
      'packages/webrtc/src/probe.ts',
      `import '@swarmlab/engine';\nimport '@swarmlab/protocol';`,
    ],
    ['the simulator importing theory', 'packages/sim/src/probe.ts', `import '@swarmlab/theory';`],
    ['the server importing protocol', 'apps/server/src/probe.ts', `import '@swarmlab/protocol';`],
    [
      'the web app importing webrtc',
      'apps/web/src/lib/state/probe.ts',
      `import '@swarmlab/webrtc';\nimport '../base64';`,
    ],
    ['a test importing the test kit', 'packages/engine/test/probe.test.ts', `import '@swarmlab/test-kit';`],
    ['a server test importing the test kit', 'apps/server/test/probe.test.ts', `import '@swarmlab/test-kit';`],
    [
      'e2e importing the test kit and the web app’s hook types',
      'e2e/probe.spec.ts',
      `import '@swarmlab/test-kit';\nimport '@swarmlab/web/test-hook-types';`,
    ],
    [
      'bench importing the simulator and the server',
      'bench/probe.ts',
      `import '@swarmlab/sim';\nimport '@swarmlab/server';`,
    ],
    ['the theory command line importing Node', 'packages/theory/src/cli-probe.ts', `import 'node:util';`],
    ['the server importing Node and socket.io', 'apps/server/src/probe.ts', `import 'node:http';\nimport 'socket.io';`],
  ])('%s', async (_name, filePath, code) => {
    expect(await lint(filePath, code)).toEqual([]);
  });
});

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** Every workspace package: `pnpm-workspace.yaml`'s `packages` globs (a directory, or `dir/*`) expanded. */
function workspacePackages(): { dir: string; manifest: Manifest }[] {
  const yaml = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.split(/^\S.*$/m)[1]!.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((match) => match[1]!);
  const dirs = globs.flatMap((glob) =>
    glob.endsWith('/*')
      ? readdirSync(join(REPO_ROOT, glob.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${glob.slice(0, -2)}/${entry.name}`)
      : [glob],
  );
  return dirs
    .filter((dir) => existsSync(join(REPO_ROOT, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) }));
}

const ours = (dependencies: Record<string, string> | undefined) =>
  Object.keys(dependencies ?? {}).filter((name) => name.startsWith('@swarmlab/'));

/**
 * The table is the allow-list; a package.json declares what the package uses of it. A declared dependency the
 * table refuses is a wrong-way dependency waiting for its first import.
 */
describe('every package.json stays within the layer table', () => {
  const packages = workspacePackages();
  const rootManifest: Manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));

  it('finds the workspace’s packages', () => {
    expect(packages.map(({ manifest }) => manifest.name)).toEqual(
      expect.arrayContaining(['@swarmlab/protocol', '@swarmlab/engine', '@swarmlab/web', '@swarmlab/bench']),
    );
  });

  /** The imports of `names`, one a line, linted as `filePath`: the names lint refuses. */
  async function refused(filePath: string, names: readonly string[]): Promise<string[]> {
    const problems = await lint(filePath, names.map((name) => `import '${name}';`).join('\n'));
    return problems.filter((problem) => problem.ruleId === LAYER_RULE).map((problem) => names[problem.line - 1]!);
  }

  it('allows every workspace dependency a package declares, in its runtime files and its tests', async () => {
    const declaredButRefused: string[] = [];
    for (const { dir, manifest } of packages) {
      const runtime = ours(manifest.dependencies);
      const forTests = [...runtime, ...ours(manifest.devDependencies)];
      for (const name of await refused(`${dir}/src/layer-probe.ts`, runtime))
        declaredButRefused.push(`${manifest.name} (${dir}) depends on ${name}`);
      for (const name of await refused(`${dir}/test/layer-probe.test.ts`, forTests))
        declaredButRefused.push(`${manifest.name}'s tests (${dir}) depend on ${name}`);
    }
    const rootDeclared = [...ours(rootManifest.dependencies), ...ours(rootManifest.devDependencies)];
    for (const name of await refused('layer-probe.config.ts', rootDeclared))
      declaredButRefused.push(`the workspace root depends on ${name}`);
    // A dependency the layers forbid: change the package.json, or (if the layers should change) the table
    // in eslint.config.js and docs/ARCHITECTURE.md.
    expect(declaredButRefused).toEqual([]);
  });
});

interface DocumentedLayer {
  readonly who: string;
  /** A file of that package (or of the root) to lint as. */
  readonly probeFile: string;
  readonly testFile: string;
  readonly imports: readonly string[];
  readonly pure: string;
}

/** The table under "## Layers" in docs/ARCHITECTURE.md: package (directory) | may import | pure. */
function documentedLayers(): DocumentedLayer[] {
  const markdown = readFileSync(join(REPO_ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const lines = markdown.slice(markdown.indexOf('\n## Layers\n')).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  const rows = lines.slice(start + 2, end);
  return rows.map((line) => {
    const [packageCell, importsCell, pure] = line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    const named = /^`(@swarmlab\/[\w-]+)` \(([\w/-]+)\)$/.exec(packageCell!);
    const imports =
      importsCell === 'nothing of ours'
        ? []
        : importsCell!
            .replace(/\s*\(.*\)$/, '')
            .split(', ')
            .map((name) => `@swarmlab/${name}`);
    return named
      ? {
          who: named[1]!,
          probeFile: `${named[2]}/src/layer-probe.ts`,
          testFile: `${named[2]}/test/layer-probe.test.ts`,
          imports,
          pure: pure!,
        }
      : {
          who: packageCell!,
          probeFile: 'layer-probe.config.ts',
          testFile: 'layer-probe.config.ts',
          imports,
          pure: pure!,
        };
  });
}

describe('docs/ARCHITECTURE.md’s layer table says what lint enforces', () => {
  const layers = documentedLayers();
  const everyPackage = layers.filter((layer) => layer.who.startsWith('@swarmlab/')).map((layer) => layer.who);

  it('reads the table', () => {
    expect(everyPackage).toEqual(expect.arrayContaining(['@swarmlab/protocol', '@swarmlab/test-kit']));
  });

  it.each(layers.map((layer) => [layer.who, layer] as const))('%s', async (_who, layer) => {
    const refusedNames = (await lint(layer.probeFile, everyPackage.map((name) => `import '${name}';`).join('\n')))
      .filter((problem) => problem.ruleId === LAYER_RULE)
      .map((problem) => everyPackage[problem.line - 1]);
    expect(refusedNames).toEqual(everyPackage.filter((name) => !layer.imports.includes(name)));

    const nodeRefused = async (filePath: string) => (await lint(filePath, `import 'node:fs';`)).length > 0;
    expect(await nodeRefused(layer.probeFile)).toBe(layer.pure !== '');
    if (layer.probeFile !== layer.testFile)
      expect(await nodeRefused(layer.testFile)).toBe(layer.pure.includes('tests too'));
  });
});
