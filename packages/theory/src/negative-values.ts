/** An option of node's `parseArgs`, as far as {@link joinNegativeValues} reads it. */
interface OptionKind {
  readonly type: 'string' | 'boolean';
}

/**
 * `--server-up -1MB/s` as `--server-up=-1MB/s`: Node's parseArgs takes a value starting with `-` for another option
 * and says the flag's argument "is ambiguous", and the rate's own "is negative" was never said (found by review).
 * Only a value of one of the flags in `options` that take one, and only one that starts like a number (`-1`, `-.5`).
 * Shared by every command line that parses numbers: `pnpm sim --latency-ms -5` printed node's three-line advice.
 */
export function joinNegativeValues(args: readonly string[], options: Readonly<Record<string, OptionKind>>): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const next = args[index + 1];
    const flag = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (
      flag !== undefined &&
      Object.hasOwn(options, flag) &&
      options[flag]!.type === 'string' &&
      next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      joined.push(`${arg}=${next}`);
      index++;
    } else joined.push(arg);
  }
  return joined;
}
