import type { IceServer } from '@swarmlab/protocol';
import { createSignallingServer, type ServerLimits } from '@swarmlab/server';
import { freePort } from './redis-server';

/** A real signalling server in this process, for tests of clients (socket.io over loopback). */
export interface TestSignallingServer {
  readonly url: string;
  readonly port: number;
  readonly logLines: readonly string[];
  /** Error lines matching `pattern` are what this test makes the server log on purpose (see `close`). */
  expectLogErrors(pattern: RegExp): void;
  /**
   * Closes it as a shutdown would: every connection dropped, the swarms forgotten. Rejects, once closed, if the server
   * logged an error the test did not expect (`expectLogErrors`): a handler that threw answered `internal-error`, the
   * client retried and succeeded, and the test passed over a line in a log nobody read (found by review).
   */
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 (on `port`, or a free one below the kernel's ephemeral range, `freePort`): a
 * restart is a `close()` followed by a new server on the same port, which is how its clients see a restarted
 * process.
 */
export async function startSignallingServer(
  options: {
    readonly port?: number;
    readonly limits?: Partial<ServerLimits>;
    /** What it tells members to connect with (none by default: host candidates only). */
    readonly iceServers?: readonly IceServer[];
  } = {},
): Promise<TestSignallingServer> {
  const logLines: string[] = [];
  const server = createSignallingServer({
    log: (line) => logLines.push(line),
    limits: options.limits ?? {},
    ...(options.iceServers && { iceServers: options.iceServers }),
  });
  const { port } = await server.listen(options.port ?? (await freePort()), '127.0.0.1');
  const expectedErrors: RegExp[] = [];
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logLines,
    expectLogErrors(pattern) {
      expectedErrors.push(pattern);
    },
    async close() {
      await server.close();
      const unexpected = logLines.filter(
        (line) => line.startsWith('error:') && !expectedErrors.some((pattern) => pattern.test(line)),
      );
      if (unexpected.length > 0)
        throw new Error(`the server logged errors the test did not expect:\n${unexpected.slice(0, 5).join('\n')}`);
    },
  };
}

export { freePort, RESTARTABLE_PORTS, startRedisServer, type TestRedisServer } from './redis-server';

export { ErrorLines } from './error-lines';
export * from './health-check';
export * from './lan-namespace';
export * from './server-process';
export * from './unreachable-peer';
