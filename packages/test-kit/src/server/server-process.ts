import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** A signalling server process of a test's own (beside the suite's), which the test may kill and start again. */
export interface ServerProcess {
  readonly origin: string;
  /** Its operating-system process id (for its CPU and memory in /proc). */
  readonly pid: number;
  /** Kills it as a crash would (SIGKILL: no shutdown, its clients see their connections drop). */
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
}

/** Starts the real server (`apps/server/src/main.ts`) and waits until it answers its health check. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const origin = `http://127.0.0.1:${options.port}`;
  const args = ['--import', 'tsx', 'apps/server/src/main.ts', '--port', String(options.port), '--host', '127.0.0.1'];
  if (options.staticDir !== undefined) args.push('--static-dir', options.staticDir);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const label = `[server :${options.port}]`;
  if (!options.quiet) child.stdout?.on('data', (data: Buffer) => process.stdout.write(`${label} ${String(data)}`));
  child.stderr?.on('data', (data: Buffer) => process.stderr.write(`${label} ${String(data)}`));
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server on port ${options.port} exited with ${child.exitCode}`);
    const healthy = await fetch(`${origin}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { origin, pid: child.pid!, kill };
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`the server on port ${options.port} did not start within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
