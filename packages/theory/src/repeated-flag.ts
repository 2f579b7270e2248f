/** One token of node's `parseArgs({ tokens: true })`, as far as this reads it. */
interface ArgToken {
  readonly kind: string;
  readonly name?: string;
  readonly rawName?: string;
}

/**
 * The first option given twice (`--peers 3 … --peers 5`), as typed, or undefined: node's `parseArgs` keeps the
 * last value without a word, and a command line computed for N = 5 while its reader saw 3.
 */
export function repeatedFlag(tokens: readonly ArgToken[]): string | undefined {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    if (seen.has(token.name)) return token.rawName ?? `--${token.name}`;
    seen.add(token.name);
  }
  return undefined;
}
