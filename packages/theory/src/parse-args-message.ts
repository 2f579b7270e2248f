/**
 * Node's parseArgs messages name the flag in their first sentence; the rest is advice for another CLI style. One line
 * without its closing period, for a caller that writes `${message}. Run with --help`: the whole of it was three
 * lines and a doubled period (found by review).
 */
export function parseArgsMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(/\.\s/)[0]!.replace(/\.$/, '');
}
