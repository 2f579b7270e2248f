import { dirname, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';

/**
 * The layers: which of our packages each workspace package may import, the one table lint enforces (see
 * docs/ARCHITECTURE.md, "Layers"). Dependencies point one way: protocol ← engine ← webrtc ← apps, engine ←
 * sim, theory alone. Each package's `package.json` declares those it uses, never one outside its row, and
 * docs/ARCHITECTURE.md shows this table (checks/test/layers.test.ts holds the three together). Test files of
 * every package may also import `@swarmlab/test-kit`; runtime files never do.
 * `pure`: no Node built-ins and no transport, because the code runs in every runtime (`all`: tests included;
 * `library`: the library, not its command line).
 */
const LAYERS = [
  { name: '@swarmlab/protocol', dir: 'packages/protocol', imports: [], pure: 'all' },
  { name: '@swarmlab/engine', dir: 'packages/engine', imports: ['protocol'], pure: 'all' },
  { name: '@swarmlab/theory', dir: 'packages/theory', imports: [], pure: 'library' },
  { name: '@swarmlab/webrtc', dir: 'packages/webrtc', imports: ['protocol', 'engine'] },
  { name: '@swarmlab/sim', dir: 'packages/sim', imports: ['protocol', 'engine', 'theory'] },
  { name: '@swarmlab/server', dir: 'apps/server', imports: ['protocol'] },
  { name: '@swarmlab/web', dir: 'apps/web', imports: ['protocol', 'engine', 'webrtc', 'theory'] },
  { name: '@swarmlab/peer', dir: 'apps/peer', imports: ['protocol', 'engine', 'webrtc'] },
  // Helpers for tests (clocks, test files, engine pairs, browser pages): on top of everything it helps test.
  {
    name: '@swarmlab/test-kit',
    dir: 'packages/test-kit',
    imports: ['protocol', 'engine', 'webrtc', 'sim', 'theory', 'server', 'web'],
  },
  { name: '@swarmlab/e2e', dir: 'e2e', imports: ['protocol', 'theory', 'web', 'peer', 'test-kit'] },
  {
    name: '@swarmlab/bench',
    dir: 'bench',
    imports: ['protocol', 'engine', 'webrtc', 'sim', 'theory', 'server', 'web', 'peer', 'e2e', 'test-kit'],
  },
  { name: '@swarmlab/checks', dir: 'checks', imports: ['engine', 'server'] },
];

/**
 * Files of the workspace root itself (configs, scripts): `playwright.config.ts` takes Chromium's flags from e2e
 * (or, once it holds them, the test kit).
 */
const ROOT = {
  name: 'the workspace root',
  files: ['*.ts', '*.js', '*.mjs', 'scripts/**', 'types/**'],
  imports: ['e2e', 'test-kit'],
};

const TEST_KIT = 'test-kit';
const SOURCES = '**/*.{ts,js,mjs,svelte}';
const testFilesOf = (dir) => [`${dir}/test/**`, `${dir}/**/*.test.ts`, `${dir}/**/*.spec.ts`];

/** Imports that would tie a pure package to one runtime or transport. */
const PURE_PATTERNS = [
  { group: ['node:*'], message: 'this package is pure: no Node APIs (inject what you need).' },
  {
    group: ['socket.io', 'socket.io-client', 'simple-peer', 'simple-peer/*'],
    message: 'transports live in packages/webrtc (and the server).',
  },
];

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any `@swarmlab/…` import (subpaths included) but the allowed ones. */
function layerPattern(who, allowed) {
  const names = allowed.map((name) => escapeRegex(name)).join('|');
  const allowedText = allowed.length > 0 ? allowed.map((name) => `@swarmlab/${name}`).join(', ') : 'none';
  return {
    regex: allowed.length > 0 ? `^@swarmlab/(?!(?:${names})(?:/|$))` : '^@swarmlab/',
    message: `${who} may import only these of our packages: ${allowedText}. Dependencies point one way (the layer table in eslint.config.js, docs/ARCHITECTURE.md).`,
  };
}

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/**
 * `no-restricted-imports` for every package, generated from `LAYERS`. ESLint keeps only the last options a
 * file matches for a rule, so each block carries the whole list for its files: runtime files, then the
 * package's tests (which may also import the test kit), then the exemptions from purity.
 */
function layerBlocks() {
  const blocks = LAYERS.flatMap(({ name, dir, imports, pure }) => {
    const purePatterns = pure ? PURE_PATTERNS : [];
    const testImports = imports.includes(TEST_KIT) ? imports : [...imports, TEST_KIT];
    const blocksOfPackage = [
      { files: [`${dir}/${SOURCES}`], rules: restrict([layerPattern(name, imports), ...purePatterns]) },
      {
        files: testFilesOf(dir),
        rules: restrict([layerPattern(`${name}'s tests`, testImports), ...(pure === 'all' ? purePatterns : [])]),
      },
    ];
    // A library's command line runs on Node: packages/theory/src/cli*.ts.
    if (pure === 'library')
      blocksOfPackage.push({ files: [`${dir}/src/cli*.ts`], rules: restrict([layerPattern(name, imports)]) });
    return blocksOfPackage;
  });
  return [{ files: ROOT.files, rules: restrict([layerPattern(ROOT.name, ROOT.imports)]) }, ...blocks];
}

const REPO_ROOT = import.meta.dirname;

/** The workspace package holding `path` (absolute), or undefined for the workspace root's own files. */
function packageOf(path) {
  const fromRoot = relative(REPO_ROOT, path).split(sep).join('/');
  return LAYERS.find(({ dir }) => fromRoot === dir || fromRoot.startsWith(`${dir}/`));
}

/**
 * A relative import may not leave its package for another (or for the root, or the root for a package):
 * across packages, imports name the package (`@swarmlab/…`), so the layer table and `package.json` see them.
 */
const noRelativeImportAcrossPackages = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid relative imports that reach into another workspace package.' },
    messages: {
      across:
        '"{{source}}" reaches from {{from}} into {{to}}: import another package by its name (@swarmlab/…), as the layer table in eslint.config.js allows.',
    },
    schema: [],
  },
  create(context) {
    const home = packageOf(context.filename);
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = packageOf(resolve(dirname(context.filename), source));
      if (target === home) return;
      const nameOf = (layer) => (layer ? `${layer.name} (${layer.dir})` : ROOT.name);
      context.report({
        node: node.source,
        messageId: 'across',
        data: { source, from: nameOf(home), to: nameOf(target) },
      });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

/** Calls that define or run tests, whose `.only`, `.skip`, `.fixme`, `.todo` and `.fail` the rule below looks for. */
const TEST_ROOTS = new Set(['test', 'it', 'describe', 'suite', 'bench']);
/** A running test's own handle (Playwright's `testInfo`, Vitest's `ctx` or `context`), which may skip it too. */
const CONTEXT_ROOTS = new Set(['testInfo', 'ctx', 'context']);
const FOCUSING = new Set(['only']);
const SKIPPING = new Set(['skip', 'fixme', 'todo']);
/** A test expected to fail passes while what it tests is broken. */
const FAILING = new Set(['fail', 'fails']);
const CONDITIONAL = new Set(['skipIf', 'runIf']);
/** A condition reading whether this is CI: a test skipped exactly where CI runs it. */
const READS_CI = /process\.env(\.CI\b|\[\s*['"`]CI['"`]\s*\])/;

/**
 * No focused or skipped test, however deep in the chain (`test.describe.serial.only`, `it.only.each`,
 * `describe.skip.each`), whatever its title (`it.skip(name, fn)`), nor one expected to fail (`test.fail`,
 * `it.fails`). Playwright's conditional skip (`test.skip(condition, reason)`, no test body last; `testInfo.skip(
 * condition)`) stays allowed; so do `it.skipIf` and `it.runIf`, whose condition is the suite's, unless the
 * condition is a literal or reads `process.env.CI` at all (skipped where CI runs it, or wherever it does not: CI
 * must run what a developer runs). Not caught: a context under another name, or destructured (`({ skip }) =>`).
 */
const noFocusedOrSkipped = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid focused, skipped and expected-to-fail tests: CI would pass on the others.' },
    messages: { left: '`{{name}}` leaves tests out, and CI passes on the others: run them, or delete them.' },
    schema: [],
  },
  create(context) {
    const readsCi = (node) => node !== undefined && READS_CI.test(context.sourceCode.getText(node));
    const isLiteral = (node) => node !== undefined && ['Literal', 'TemplateLiteral'].includes(node.type);
    return {
      MemberExpression(node) {
        const name = node.property.type === 'Identifier' ? node.property.name : undefined;
        if (name === undefined) return;
        if (![FOCUSING, SKIPPING, FAILING, CONDITIONAL].some((names) => names.has(name))) return;
        // Through calls too: `it.each([1]).skip`, `it.for(cases).only`, `test.info().skip()`.
        let root = node.object;
        while (root.type === 'MemberExpression' || root.type === 'CallExpression' || root.type === 'ChainExpression')
          root =
            root.type === 'MemberExpression'
              ? root.object
              : root.type === 'CallExpression'
                ? root.callee
                : root.expression;
        if (root.type !== 'Identifier') return;
        const ofContext = CONTEXT_ROOTS.has(root.name) && (SKIPPING.has(name) || FAILING.has(name));
        if (!TEST_ROOTS.has(root.name) && !ofContext) return;
        const call = node.parent.type === 'CallExpression' && node.parent.callee === node ? node.parent : undefined;
        const args = call?.arguments ?? [];
        const report = () => context.report({ node, messageId: 'left', data: { name } });
        if (FAILING.has(name) || FOCUSING.has(name)) return report();
        if (CONDITIONAL.has(name)) {
          if (isLiteral(args[0]) || readsCi(args[0])) report();
          return;
        }
        const last = args.at(-1);
        // Playwright's `test.skip(condition)`, `test.skip(condition, reason)` or `test.skip(({ browserName }) => …,
        // reason)`: no test body last, and no literal first. A test defined skipped ends with its body. A running
        // test's `testInfo.skip(condition)` alike; `testInfo.skip()` skips it whatever.
        const conditional =
          (name === 'skip' || name === 'fixme') &&
          last !== undefined &&
          !['ArrowFunctionExpression', 'FunctionExpression'].includes(last.type) &&
          !isLiteral(args[0]);
        if (!conditional || readsCi(args[0])) report();
      },
    };
  },
};

export default ts.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/dist-e2e/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...ts.configs.strict,
  ...svelte.configs['flat/recommended'],
  prettier,
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // noUncheckedIndexedAccess makes every typed-array read `number | undefined`; a `!` after a
      // bounds-checked index is the honest way to say so.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: [SOURCES],
    plugins: { layers: { rules: { 'no-relative-import-across-packages': noRelativeImportAcrossPackages } } },
    rules: { 'layers/no-relative-import-across-packages': 'error' },
  },
  ...layerBlocks(),
  {
    // A test left focused or skipped passes CI on the rest: one `test.only` ran 1 of the 41 e2e tests, and CI stayed
    // green (found by review).
    files: ['**/test/**', '**/*.test.*', '**/*.spec.*', 'e2e/**'],
    plugins: { tests: { rules: { 'no-focused-or-skipped': noFocusedOrSkipped } } },
    rules: { 'tests/no-focused-or-skipped': 'error' },
  },
);
