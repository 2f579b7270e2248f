import type { SwarmEngine } from '@swarmlab/engine';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CrossLinkEnd, Outbox, queueBatch, type OutboxBatch } from './cross-link';
import type { Scenario } from './scenario';
import { ScenarioError } from './scenario-error';
import type { PartResult } from './simulate';
import type { VirtualClock } from './virtual-clock';
import { createVirtualLinkPair } from './virtual-link';

/** How long to wait for the other thread before calling it lost (it may still be loading, so generous). */
const PEER_TIMEOUT_MS = 60_000;
/** Slots of the shared flags: each part's window count, then "a part failed". */
const FAILED = 2;

/** What each part sends the other at the end of a window. */
interface WindowReport {
  readonly batch: OutboxBatch;
  /** Honest peers of this part not yet complete. */
  readonly incomplete: number;
  /** Nothing queued on this part's clock. */
  readonly idle: boolean;
}

/** The node id the engines know: node 0 is the seeder, node i + 1 is peer i. */
export const nodeId = (node: number): string => (node === 0 ? 'seeder' : `peer-${node - 1}`);

/**
 * One part's side of the window barrier: posts its report on a `MessagePort`, bumps its counter in
 * shared memory, and blocks (`Atomics.wait`) until the other part has done the same; the other's
 * report is then read synchronously, so a run never yields to the event loop.
 */
export class PartChannel {
  readonly index: 0 | 1;
  readonly #port: MessagePort;
  readonly #flags: Int32Array;
  #round = 0;

  constructor(index: 0 | 1, port: MessagePort, flags: Int32Array) {
    this.index = index;
    this.#port = port;
    this.#flags = flags;
  }

  exchange<T>(value: T, transfer: ArrayBuffer[] = []): T {
    this.#port.postMessage(value, transfer);
    this.#round++;
    Atomics.store(this.#flags, this.index, this.#round);
    Atomics.notify(this.#flags, this.index);
    const other = 1 - this.index;
    const startedMs = Date.now();
    for (;;) {
      const seen = Atomics.load(this.#flags, other);
      if (Atomics.load(this.#flags, FAILED) !== 0) throw new Error('simulator: the other thread failed');
      if (seen >= this.#round) break;
      if (Date.now() - startedMs > PEER_TIMEOUT_MS) throw new Error('simulator: the other thread did not answer');
      Atomics.wait(this.#flags, other, seen, 1000);
    }
    for (;;) {
      const received = receiveMessageOnPort(this.#port);
      if (received) return received.message as T;
    }
  }

  /** Tells the other part that this one failed, so it stops waiting. */
  fail(): void {
    Atomics.store(this.#flags, FAILED, 1);
    Atomics.notify(this.#flags, 0);
    Atomics.notify(this.#flags, 1);
  }
}

/**
 * Runs one part (this thread's engines, `nodes` with the other part's left `undefined`) in windows
 * of one link latency, the least delay of any message: what one part sends during a window cannot
 * reach the other before the next, so both run a window independently, then swap what crossed.
 * Messages from the other part are queued after this part's own events of the same instant, in
 * the order they were sent, so a run is the same every time.
 */
export function runOnePart(
  part: PartChannel,
  clock: VirtualClock,
  latencyMs: number,
  untilMs: number,
  edges: ReadonlyArray<readonly [number, number]>,
  nodes: ReadonlyArray<SwarmEngine | undefined>,
  incomplete: () => number,
): void {
  const outbox = new Outbox();
  // End 2e is node a's end of edge e (where b's messages arrive), 2e + 1 node b's.
  const ends: Array<CrossLinkEnd | undefined> = new Array<CrossLinkEnd | undefined>(2 * edges.length).fill(undefined);
  edges.forEach(([a, b], edge) => {
    const nodeA = nodes[a];
    const nodeB = nodes[b];
    if (nodeA && nodeB) {
      const [ab, ba] = createVirtualLinkPair(clock, nodeId(a), nodeId(b), latencyMs);
      nodeA.addLink(ab);
      nodeB.addLink(ba);
    } else if (nodeA) {
      const end = new CrossLinkEnd(clock, outbox, nodeId(b), 2 * edge + 1, latencyMs);
      ends[2 * edge] = end;
      nodeA.addLink(end);
    } else if (nodeB) {
      const end = new CrossLinkEnd(clock, outbox, nodeId(a), 2 * edge, latencyMs);
      ends[2 * edge + 1] = end;
      nodeB.addLink(end);
    }
  });
  for (let endMs = latencyMs; ; endMs += latencyMs) {
    clock.runBefore(endMs, untilMs);
    const batch = outbox.take();
    const mine: WindowReport = { batch, incomplete: incomplete(), idle: clock.idle && batch.count === 0 };
    const theirs = part.exchange(mine, [batch.records.buffer, batch.bytes.buffer]);
    queueBatch(clock, theirs.batch, ends);
    if (mine.incomplete + theirs.incomplete === 0 || (mine.idle && theirs.idle) || endMs > untilMs) return;
  }
}

/** Data a worker needs to run part 1. */
export interface WorkerData {
  readonly scenario: Scenario;
  readonly flags: Int32Array;
  readonly port: MessagePort;
}

/**
 * Runs `scenario` as two parts, part 0 on this thread and part 1 on a worker thread, and returns
 * both parts' results. Blocks this thread until both are done (the worker never needs it).
 */
export function simulateOnTwoThreads(
  scenario: Scenario,
  runPart: (scenario: Scenario, part: PartChannel) => PartResult,
  workerUrl = new URL('./sim-worker.ts', import.meta.url),
): PartResult[] {
  if (scenario.seederLeavesEarly) throw new ScenarioError('simulator: a seeder that leaves early needs one thread');
  if (!(scenario.latencyMs > 0)) throw new ScenarioError('simulator: two threads need a link latency above zero');
  const flags = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker(workerUrl, { scenario, flags, port: port2 }, [port2]);
  worker.unref();
  // A throw of the worker's part reaches this thread through `channel` (`fail`), which says only that it failed: its
  // cause is printed here. Unheard, the worker's 'error' was an uncaught exception of the caller's (found by review).
  worker.on('error', (error) => console.error('simulator: the worker thread failed:', error));
  const channel = new PartChannel(0, port1, flags);
  try {
    const mine = runPart(scenario, channel);
    const theirs = channel.exchange<PartResult | undefined>(undefined);
    if (!theirs) throw new Error('simulator: the worker thread returned no result');
    return [mine, theirs];
  } catch (error) {
    channel.fail();
    throw error;
  } finally {
    port1.close();
  }
}

/**
 * Starts the worker. This package runs from its TypeScript sources (under tsx or vitest), and a
 * worker does not inherit tsx's hooks, so the worker first loads tsx's API and imports through it.
 * A module that fails to load raises the "a part failed" flag itself: this thread, blocked in
 * `exchange`, hears no 'error' event, and waited out `PEER_TIMEOUT_MS` (60 s) before saying the worker
 * did not answer.
 */
function startWorker(url: URL, workerData: WorkerData, transferList: MessagePort[]): Worker {
  const load = url.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`
    : `import(${JSON.stringify(url.href)})`;
  const code = `
const { workerData } = require('node:worker_threads');
${load}.catch((error) => {
  const flags = workerData.flags;
  Atomics.store(flags, ${FAILED}, 1);
  Atomics.notify(flags, 0);
  Atomics.notify(flags, 1);
  throw error;
});`;
  return new Worker(code, { eval: true, workerData, transferList });
}
