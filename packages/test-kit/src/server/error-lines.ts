/**
 * The server's own word that something failed: a line of its log starting so (`error: <what failed>: <cause>`). A
 * handler that threw answered `internal-error`, or work nobody answers failed (a broadcast, a member given up), and
 * the client side of a test may never notice.
 */
const ERROR_LINE = /^error:/;

/**
 * Collects the error lines of a process's output as it comes, chunk by chunk (a line may be split between chunks).
 * `lines` is live: what was collected so far.
 */
export class ErrorLines {
  readonly #lines: string[] = [];
  readonly #onLine: (line: string) => void;
  #partial = '';

  /** `onLine`, if given, is told each error line as it is taken. */
  constructor(onLine: (line: string) => void = () => {}) {
    this.#onLine = onLine;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Takes the next chunk of output. */
  feed(chunk: string): void {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) this.#take(line);
  }

  /** Takes the last line, the output having ended without a newline. */
  end(): void {
    this.#take(this.#partial);
    this.#partial = '';
  }

  #take(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (!ERROR_LINE.test(text)) return;
    this.#lines.push(text);
    this.#onLine(text);
  }
}
