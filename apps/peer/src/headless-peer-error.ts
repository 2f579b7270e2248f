/** 2: the command line or its input is wrong; 1: the swarm or the server failed; 128 + n: signal n stopped it. */
export type HeadlessPeerExitCode = 1 | 2 | 129 | 130 | 143;

/**
 * An expected failure of a headless peer, for its user: a bad link or code, a file that cannot be read, a
 * server out of reach or refusing. The message is one sentence to print as it is (no stack trace): the
 * command line prints it to stderr and exits with `exitCode`.
 */
export class HeadlessPeerError extends Error {
  override readonly name = 'HeadlessPeerError';
  readonly exitCode: HeadlessPeerExitCode;

  constructor(message: string, exitCode: HeadlessPeerExitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
