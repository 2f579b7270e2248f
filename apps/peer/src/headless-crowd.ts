import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CrowdMessage } from './crowd-message';

/**
 * Headless peers one Node process can hold: each WebRTC connection costs a few dozen file descriptors and
 * threads in `@roamhq/wrtc`, and a class-sized mesh in one process runs out of them (40 peers, 780 connections
 * with both ends in the process, past a 20,000-descriptor limit). Ten per process keep every process small.
 */
export const DEFAULT_PEERS_PER_PROCESS = 10;

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
  /** Every peer completed run `runNumber`: the SHA-256 each held, by peer id. */
  completedRun(runNumber: number): ReadonlyMap<string, string> | undefined;
  close(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./crowd-worker.ts', import.meta.url));

/** Starts `count` headless leechers on a swarm in `ceil(count / peersPerProcess)` child processes. */
export async function startHeadlessCrowd(options: HeadlessCrowdOptions): Promise<HeadlessCrowd> {
  const perProcess = options.peersPerProcess ?? DEFAULT_PEERS_PER_PROCESS;
  const workers: ChildProcess[] = [];
  const peerIds: string[] = [];
  const completions = new Map<string, Map<number, string>>();
  let closing = false;
  const close = async (): Promise<void> => {
    closing = true;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null || worker.signalCode !== null) return resolve();
            const timer = setTimeout(() => worker.kill('SIGKILL'), 5000);
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
      const worker = spawn(
        process.execPath,
        ['--import', 'tsx', WORKER, options.swarmLink, String(count), String(first)],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      workers.push(worker);
      // Each process's peers join before the next process starts: one class member after another.
      await new Promise<void>((resolve, reject) => {
        worker.once('exit', (code) => reject(new Error(`a crowd process exited (${code}) before its peers joined`)));
        createInterface({ input: worker.stdout! }).on('line', (line) => {
          let message: CrowdMessage;
          try {
            message = JSON.parse(line) as CrowdMessage;
          } catch {
            return; // Not ours (a library's own output).
          }
          options.onMessage?.(message);
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
        if (hash === undefined) return undefined;
        hashes.set(peerId, hash);
      }
      return hashes;
    },
    close,
  };
}
