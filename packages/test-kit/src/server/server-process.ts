import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { spawnDyingWithParent } from './dying-with-parent';
import { ErrorLines } from './error-lines';
import { answersHealthCheck } from './health-check';

const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** A signalling server process of a test's own (beside the suite's), which the test may kill and start again. */
export interface ServerProcess {
  readonly origin: string;
  /** Its operating-system process id (for its CPU and memory in /proc). */
  readonly pid: number;
  /**
   * The lines it logged saying something failed (`error: …`), so far: a test expects none but those it causes (its
   * handlers' failures answer clients `internal-error`, or nobody, and a test passed over them unseen).
   */
  readonly errorLines: readonly string[];
  /**
   * Settles once it has ended, for whatever reason, its output read to the end: how it ended (`exit code 1`, `signal
   * SIGKILL`). A test's server that dies unasked is a failure the test's connections only hint at.
   */
  readonly ended: Promise<string>;
  /** Kills it as a crash would (SIGKILL: no shutdown, its clients see their connections drop); settles once it ended. */
  kill(): Promise<void>;
}

export interface ServerProcessOptions {
  readonly port: number;
  /** Its own output goes to the test's, prefixed; a benchmark may keep it quiet. */
  readonly quiet?: boolean;
  /** More environment (e.g. `SWARMLAB_REDIS_URL`). */
  readonly env?: Readonly<Record<string, string>>;
  /** The built UI it serves: the production build (`pnpm build`) unless told otherwise. */
  readonly staticDir?: string;
  /** Told each of its error lines as it logs it (see `ServerProcess.errorLines`). */
  readonly onErrorLine?: (line: string) => void;
}

/** Fails, saying so, when something already listens on 127.0.0.1:`port` (a server left over from a run before). */
async function ensurePortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use (a server left over from an earlier run?): a test would talk to it instead`
            : `port ${port} cannot be listened on: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/**
 * Starts the real server (`apps/server/src/main.ts`) and waits until it says it listens and answers its health
 * check: its own answer, not that of another server on the port (which is refused first).
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  await ensurePortFree(options.port);
  const origin = `http://127.0.0.1:${options.port}`;
  const args = ['--import', 'tsx', 'apps/server/src/main.ts', '--port', String(options.port), '--host', '127.0.0.1'];
  if (options.staticDir !== undefined) args.push('--static-dir', options.staticDir);
  // Gone with the worker that started it, should a timed-out test never reach its `kill` (`spawnDyingWithParent`).
  const child: ChildProcess = spawnDyingWithParent(
    process.execPath,
    args,
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnvironment(options.env) },
    'KILL',
  );
  const label = `[server :${options.port}]`;
  let output = '';
  // Each stream on its own: a line of one cut by a chunk of the other would be neither's.
  const errorsOut = new ErrorLines(options.onErrorLine);
  const errorsErr = new ErrorLines(options.onErrorLine);
  child.stdout?.on('data', (data: Buffer) => {
    if (!output.includes('listening on port')) output += String(data);
    errorsOut.feed(String(data));
    if (!options.quiet) process.stdout.write(`${label} ${String(data)}`);
  });
  child.stdout?.on('end', () => errorsOut.end());
  child.stderr?.on('data', (data: Buffer) => {
    errorsErr.feed(String(data));
    process.stderr.write(`${label} ${String(data)}`);
  });
  child.stderr?.on('end', () => errorsErr.end());
  // `close`, not `exit`: its output read to the end, so `errorLines` holds what it logged last (found by review).
  const ended = new Promise<string>((resolve) =>
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
      resolve(signal === null ? `exit code ${code}` : `signal ${signal}`),
    ),
  );
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await ended;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the server on port ${options.port} exited with ${child.exitCode ?? child.signalCode}`);
    const healthy = output.includes(`listening on port ${options.port}`) && (await answersHealthCheck(origin));
    if (healthy)
      return {
        origin,
        pid: child.pid!,
        get errorLines() {
          return [...errorsOut.lines, ...errorsErr.lines];
        },
        ended,
        kill,
      };
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`the server on port ${options.port} did not start within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The environment a test's server runs with: this process's, without the classroom settings an operator may have
 * exported (README: `SWARMLAB_ICE_SERVERS`, `SWARMLAB_REDIS_URL`), which a test sets itself where it means them. A STUN
 * server exported for a lesson reached every test page, and test swarms the classroom's Redis (found by review).
 */
export function serverEnvironment(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { SWARMLAB_ICE_SERVERS: _iceServers, SWARMLAB_REDIS_URL: _redisUrl, ...inherited } = process.env;
  return { ...inherited, ...env };
}
