import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseCrowdMessage, type CrowdMessage } from './crowd-message';

/**
 * Headless peers one Node process holds. `@roamhq/wrtc` spends about 15 file descriptors on a connection in a process
 * of one peer (sockets, and the pipes of its task queues), but more on each as a process holds more of a mesh's ends
 * (35 to 58 with ten peers of a 10-peer swarm in one process, measured here), and in a class-sized mesh each peer has
 * one per classmate: ten peers of a 40-peer swarm in one process (390 connections) reached the 20,000-descriptor limit
 * here and aborted; five stay near half of it.
 */
export const DEFAULT_PEERS_PER_PROCESS = 5;

export interface HeadlessCrowdOptions {
  /** The swarm's share link. */
  readonly swarmLink: string;
  readonly count: number;
  readonly peersPerProcess?: number;
  /** Told every message of every worker (completions, failures). */
  readonly onMessage?: (message: CrowdMessage) => void;
}

/** Leechers in processes of their own, joined one after another like a class. */
export interface HeadlessCrowd {
  /** Their peer ids, in joining order. */
  readonly peerIds: readonly string[];
  /** Each peer's completed runs: run number → the SHA-256 of the file it held then. */
  completions(peerId: string): ReadonlyMap<number, string>;
  /**
   * Every peer completed run `runNumber`: the SHA-256 each held, by peer id; undefined while one has not. Throws
   * once a peer failed or a crowd process ended before they all did (a caller polling it would otherwise wait
   * out its time-out, told nothing of why).
   */
  completedRun(runNumber: number): ReadonlyMap<string, string> | undefined;
  /** What failed so far: a peer (`peer id: why`), or a crowd process that ended. */
  readonly failures: readonly string[];
  close(): Promise<void>;
}

/**
 * How long a worker told to stop (its stdin closed) has to leave its swarm and exit before it is killed: its peers
 * leave and their connections close in well under a second; a worker stuck in a native call would hold the test.
 */
const WORKER_EXIT_WAIT_MS = 5_000;

const WORKER = fileURLToPath(new URL('./crowd-worker.ts', import.meta.url));
/** `tsx`, as this package resolves it: named bare, it was looked for from the caller's directory (found by review). */
const TSX = import.meta.resolve('tsx');

/** Starts `count` headless leechers on a swarm in `ceil(count / peersPerProcess)` child processes. */
export async function startHeadlessCrowd(options: HeadlessCrowdOptions): Promise<HeadlessCrowd> {
  const perProcess = options.peersPerProcess ?? DEFAULT_PEERS_PER_PROCESS;
  // None started: "every peer completed" held at once, of no peer (found by review).
  if (!Number.isSafeInteger(options.count) || options.count < 1)
    throw new RangeError(`a crowd needs a whole number of peers, 1 or more: ${options.count}`);
  if (!Number.isSafeInteger(perProcess) || perProcess < 1)
    throw new RangeError(`a crowd process holds a whole number of peers, 1 or more: ${perProcess}`);
  const workers: ChildProcess[] = [];
  const peerIds: string[] = [];
  const completions = new Map<string, Map<number, string>>();
  const failures: string[] = [];
  const tell = (message: CrowdMessage): void => {
    if (message.type === 'failed')
      failures.push(message.peerId ? `${message.peerId}: ${message.message}` : message.message);
    options.onMessage?.(message);
  };
  let closing = false;
  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            // A process never started (`pid` unset: its 'error' told why) has no exit to wait for.
            if (worker.pid === undefined || worker.exitCode !== null || worker.signalCode !== null) return resolve();
            const timer = setTimeout(() => worker.kill('SIGKILL'), WORKER_EXIT_WAIT_MS);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.stdin?.end();
          }),
      ),
    );
  };
  try {
    for (let first = 0; first < options.count; first += perProcess) {
      const count = Math.min(perProcess, options.count - first);
      // Node itself raises its soft limit of descriptors to the hard one as it starts: a shell raising it first
      // (`ulimit -n "$(ulimit -Hn)"`) did nothing more.
      const args = ['--import', TSX, WORKER, options.swarmLink, String(count), String(first)];
      const worker = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      workers.push(worker);
      // A process that cannot be started (EAGAIN, EMFILE in a caller holding many connections) is told as an
      // 'error' event, which unheard took the caller's process down (found by review).
      worker.on('error', (error) => {
        if (!closing) tell({ type: 'failed', peerId: '', message: `a crowd process failed: ${error.message}` });
      });
      worker.once('exit', (code, signal) => {
        if (closing) return;
        tell({ type: 'failed', peerId: '', message: `a crowd process ended (${signal ?? code})` });
      });
      // Each process's peers join before the next process starts: one class member after another.
      await new Promise<void>((resolve, reject) => {
        // On 'close', not 'exit': its output may still be on its way at its exit, the line saying why among it.
        worker.once('close', (code) => reject(new Error(`a crowd process exited (${code}) before its peers joined`)));
        worker.once('error', (error) => reject(new Error(`a crowd process could not start: ${error.message}`)));
        createInterface({ input: worker.stdout! }).on('line', (line) => {
          const message = parseCrowdMessage(line);
          if (!message) return; // Not ours (a library's own output).
          tell(message);
          if (message.type === 'joined') peerIds.push(message.peerId);
          if (message.type === 'complete') {
            const runs = completions.get(message.peerId) ?? new Map<number, string>();
            runs.set(message.runNumber, message.fileSha256);
            completions.set(message.peerId, runs);
          }
          if (message.type === 'failed' && message.peerId === '') reject(new Error(message.message));
          if (message.type === 'ready') resolve();
        });
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    peerIds,
    completions: (peerId) => completions.get(peerId) ?? new Map(),
    completedRun(runNumber) {
      const hashes = new Map<string, string>();
      for (const peerId of peerIds) {
        const hash = completions.get(peerId)?.get(runNumber);
        if (hash === undefined && failures.length > 0) throw new Error(`the crowd failed: ${failures.join('; ')}`);
        if (hash === undefined) return undefined;
        hashes.set(peerId, hash);
      }
      return hashes;
    },
    failures,
    close,
  };
}
