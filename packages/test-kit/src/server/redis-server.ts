import { createServer } from 'node:net';
import { spawnDyingWithParent } from './dying-with-parent';

/** A real `redis-server` (Debian's) that a test or a benchmark started, on a free loopback port. */
export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  /** Its process id (a test that kills its starter outright cleans up by it). */
  readonly pid: number;
  /** Stops it by its PID and waits for it to exit. */
  stop(): Promise<void>;
}

/** util-linux's `setpriv` (Debian's, always installed): runs a command with a parent-death signal. */

/** How long redis-server may take to say it is ready (it takes milliseconds; a loaded CI machine, more). */
const REDIS_START_TIMEOUT_MS = 10_000;

/**
 * Ports a test server may restart on: below Linux's ephemeral range (32768–60999 by default), from which the kernel
 * picks every client socket's local port. A server restarted on a port the kernel had picked (`listen(0)`) failed
 * with EADDRINUSE when one of the suite's many client sockets took that port in between (as `e2e/fixtures.ts`
 * records; found by review). The e2e servers sit at 31731 and above, so these stop short of them.
 */
export const RESTARTABLE_PORTS = { from: 20_000, to: 30_000 } as const;

/** Tries a port at most this many times before giving up. */
const PORT_TRIES = 64;

/**
 * A port that was free a moment ago, among `RESTARTABLE_PORTS` (the test, then the next test, can stop and start a
 * server on it again without a client socket having taken it meanwhile).
 */
export async function freePort(): Promise<number> {
  const span = RESTARTABLE_PORTS.to - RESTARTABLE_PORTS.from;
  for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
    const port = RESTARTABLE_PORTS.from + Math.floor(Math.random() * span);
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${RESTARTABLE_PORTS.from}–${RESTARTABLE_PORTS.to} after ${PORT_TRIES} tries`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Starts `redis-server` (from `REDIS_SERVER_PATH`, else the PATH) on a free port, or on `port` (a Redis
 * started again where a stopped one was), in memory only (`--save '' --appendonly no`), and resolves once it
 * accepts connections. Install it with `apt-get install -y redis-server`; `.ci/run` does. With `snapshotDir`, it
 * reads the snapshot there as it starts, and a `SAVE` writes one (Redis's own snapshots stay off).
 */
export async function startRedisServer(
  port?: number,
  options: { snapshotDir?: string } = {},
): Promise<TestRedisServer> {
  port ??= await freePort();
  const command = process.env['REDIS_SERVER_PATH'] ?? 'redis-server';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.snapshotDir !== undefined) args.push('--dir', options.snapshotDir);
  // Gone with the process that started it (`spawnDyingWithParent`).
  const child = spawnDyingWithParent(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }, 'TERM');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${REDIS_START_TIMEOUT_MS} ms: ${output}`));
    }, REDIS_START_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (apt-get install -y redis-server): ${error.message}`));
    });
    // Gone before it was ready (its port taken meanwhile, say): said at once, with what it printed. `setpriv` exits
    // 127 when it cannot find the command (its message on stderr): the install hint is said then as well.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 127)
        reject(new Error(`redis-server could not be started (apt-get install -y redis-server): ${output.trim()}`));
      else reject(new Error(`redis-server exited with ${code ?? signal} before it was ready: ${output}`));
    });
    child.stderr?.on('data', (data: Buffer) => (output += String(data)));
    child.stdout?.on('data', (data: Buffer) => {
      output += String(data);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    async stop() {
      // Not if it died already (killed by a signal, say): that would throw ESRCH over the test's own failure.
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGTERM');
      await exited;
    },
  };
}
