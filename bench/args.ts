import { parseArgs, type ParseArgsConfig } from 'node:util';
import { joinNegativeValues, parseArgsMessage, repeatedFlag } from '@swarmlab/theory';

/** A mistake on the command line: the CLI prints it with the benchmark's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The usage text to print with it, where it is not the benchmark's own `USAGE` (a mode with flags of its own). */
  readonly usage: string | undefined;

  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, without positionals; its errors (unknown option, missing value,
 * value given to a boolean) become `UsageError`s, and so does a flag given twice: parseArgs keeps the last one
 * without a word, and `--peers 3 … --peers 5` ran 5 peers (found by review; the theory and sim CLIs refuse it too).
 */
export function parseFlags<T extends Options>(argv: readonly string[], options: T) {
  let parsed;
  try {
    // `--runs -1` is the flag's value, said to be out of range, not node's three lines on an "ambiguous" argument, as
    // the theory and sim CLIs say it (found by review).
    const args = joinNegativeValues(argv, options as Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>);
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
      throw new UsageError(parseArgsMessage(error));
    throw error;
  }
  const repeated = repeatedFlag(parsed.tokens);
  if (repeated !== undefined) throw new UsageError(`${repeated} is given twice: give it once`);
  return parsed.values;
}

/** A whole number in [min, max] given as `--name value`; `fallback` when the flag is absent. */
export function intFlag(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  // Decimal digits only: Number() also read "0x10" as 16 and "1e2" as 100, without a word (found by review).
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return value;
}
