import { parseJoinCode } from '@swarmlab/protocol';
import { basename, join, resolve, sep } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HeadlessPeerError } from './headless-peer-error';
import type { HeadlessPeerOptions } from './headless-peer';
import { parseSwarmTarget } from './swarm-target';

export const USAGE = `Usage:
  pnpm peer <share link>                      join a swarm as a leecher
  pnpm peer <join code> --server URL          join by the swarm's join code
  pnpm peer --seed FILE --server URL          seed FILE: prints the share link and join code

Options:
  --server URL     the signalling server (http://host:port); a share link names its own
  --out PATH       write the downloaded file to PATH (and check it there); in memory otherwise
  --name NAME      the name shown for this peer on every screen
  --exit-when-done a leecher exits once it holds the whole file (it stays and uploads otherwise)
  -h, --help       show this help`;

/**
 * The directory relative paths are read from: where `pnpm peer` (the root's script) or
 * `pnpm --filter @swarmlab/peer start` (this package's) was typed (pnpm runs the script from the workspace root or
 * the package and says where in `INIT_CWD`), else the process's own. `INIT_CWD` alone is not enough: the
 * `swarmlab-peer` bin run from another package's script inherits that script's `INIT_CWD`, from elsewhere.
 */
export function commandDirectory(env: NodeJS.ProcessEnv, processCwd: string): string {
  const initCwd = env['INIT_CWD'];
  const event = env['npm_lifecycle_event'];
  // `start` of this package only: read in apps/peer, `--seed lecture.mp4` typed at the root was looked for there,
  // and `--out copy.mp4` written there (found by review).
  const ours = event === 'peer' || (event === 'start' && env['npm_package_name'] === PACKAGE_NAME);
  return ours && initCwd ? initCwd : processCwd;
}

/** The word after which every argument is a word, not an option (POSIX's `--`). */
const OPTION_TERMINATOR = '--';

const OPTIONS = {
  server: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  'exit-when-done': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/**
 * What `parseArgs` refused, for the user. Its unknown option's text advises putting a word beginning with `-` after
 * `--`, which is no use here (no link or code begins so) and led into `pnpm peer -- …` (found by review).
 */
function parseErrorMessage(args: readonly string[], error: unknown): string {
  if (hasCode(error, 'ERR_PARSE_ARGS_UNKNOWN_OPTION')) {
    const { tokens } = parseArgs({ args: [...args], options: OPTIONS, strict: false, tokens: true });
    const unknown = tokens.find((token) => token.kind === 'option' && !Object.hasOwn(OPTIONS, token.name));
    if (unknown?.kind === 'option') return `unknown option ${unknown.rawName}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Whether `path` names a directory by its spelling (`newdir/`, `.`, `..`): resolved, its slash dropped, `--out
 * newdir/` wrote a file named `newdir` (found by review). A directory that exists is refused as one later.
 */
function namesDirectory(path: string): boolean {
  return path.endsWith('/') || path.endsWith(sep) || ['.', '..'].includes(basename(path));
}

/** This package's name, as pnpm gives it to its scripts (`npm_package_name`). */
const PACKAGE_NAME = '@swarmlab/peer';

/** The command line, read: what to start, and how the command behaves around it. */
export interface CliOptions {
  readonly help: boolean;
  readonly exitWhenDone: boolean;
  readonly peer: HeadlessPeerOptions;
}

/**
 * Reads the arguments (without `node` and the script). Anything unusable is a `HeadlessPeerError` with exit
 * code 2 saying what is wrong; a link or code that cannot be one is refused here, before any connection.
 * Paths are read from `cwd`.
 */
export function parseCliOptions(argv: readonly string[], cwd: string = process.cwd()): CliOptions {
  // `pnpm peer -- --seed f` (the `--` npm wants) reaches the peer with its `--` (pnpm passes it through), which made
  // every option a word: "one swarm at a time: got 4" (found by review). A leading one is read as nothing.
  const args = argv[0] === OPTION_TERMINATOR ? argv.slice(1) : [...argv];
  // Asking for help is answered whatever else the line holds: `--help --nope` printed only "unknown option --nope"
  // to someone who was asking how to call the peer.
  const terminatorAt = args.indexOf(OPTION_TERMINATOR);
  if ((terminatorAt === -1 ? args : args.slice(0, terminatorAt)).some((arg) => arg === '--help' || arg === '-h'))
    return { help: true, exitWhenDone: false, peer: {} };
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new HeadlessPeerError(parseErrorMessage(args, error), 2);
  }
  const { values, positionals, tokens } = parsed;
  // Words after a later `--` are read as words: options there were links or codes ("one swarm at a time").
  const terminator = tokens.find((token) => token.kind === 'option-terminator');
  if (
    terminator &&
    tokens.some((token) => token.kind === 'positional' && token.index > terminator.index && /^-./.test(token.value))
  )
    throw new HeadlessPeerError('options after `--` are not read: drop the `--`', 2);
  // parseArgs keeps the last of an option given twice, and takes an empty value: `--seed a --seed b` seeded b, and
  // `--out=` named the current directory (found by review).
  for (const name of ['server', 'seed', 'out', 'name'] as const) {
    const given = tokens.filter((token) => token.kind === 'option' && token.name === name);
    if (given.length > 1)
      throw new HeadlessPeerError(
        `--${name} given twice (${given.map((token) => JSON.stringify(token.kind === 'option' ? token.value : '')).join(' and ')}): give it once`,
        2,
      );
    if (name !== 'name' && values[name] === '') throw new HeadlessPeerError(`--${name} needs a value`, 2);
  }
  const help = values.help ?? false;
  const exitWhenDone = values['exit-when-done'] ?? false;
  if (help) return { help, exitWhenDone, peer: {} };
  if (positionals.length > 1) {
    // A join code typed with a space and no quotes ("K7M Q3P") reaches the peer as two words.
    const hint = parseJoinCode(positionals.join(' ')).ok
      ? ` (a join code with a space needs quotes: "${positionals.join(' ')}")`
      : '';
    throw new HeadlessPeerError(`one swarm at a time: got ${positionals.length}${hint}`, 2);
  }
  const [target] = positionals;
  if (values.seed !== undefined && target !== undefined)
    throw new HeadlessPeerError('seed a file or join a swarm, not both', 2);
  if (values.seed !== undefined && values.out !== undefined)
    throw new HeadlessPeerError('--out is for a leecher: a seeder already has its file', 2);
  if (values.seed !== undefined && exitWhenDone)
    throw new HeadlessPeerError('--exit-when-done is for a leecher: a seeder is done only when it leaves (Ctrl-C)', 2);
  if (values.seed === undefined && target === undefined)
    throw new HeadlessPeerError('give a share link, a join code, or --seed FILE', 2);
  if (values.out !== undefined && namesDirectory(values.out))
    throw new HeadlessPeerError(
      `--out ${values.out} names a directory: give the file's name, e.g. ${join(values.out, 'copy.mp4')}`,
      2,
    );
  const common = {
    ...(values.server !== undefined && { serverUrl: values.server }),
    ...(values.name !== undefined && { displayName: values.name }),
    ...(values.out !== undefined && { outFile: resolve(cwd, values.out) }),
  };
  if (values.seed !== undefined)
    return { help, exitWhenDone, peer: { ...common, seedFile: resolve(cwd, values.seed) } };
  const parsedTarget = parseSwarmTarget(target!);
  const peer: HeadlessPeerOptions =
    parsedTarget.kind === 'link' ? { ...common, swarmLink: target! } : { ...common, joinCode: parsedTarget.code };
  return { help, exitWhenDone, peer };
}
