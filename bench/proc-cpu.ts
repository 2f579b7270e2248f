import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time used by this process's descendants (the browser and its renderer, GPU and network processes),
 * read from Linux's /proc, in total and by thread. Tells whether a run was CPU-bound (on a 2-core
 * machine, 2 CPU-seconds per wall-second is everything) and which threads used it: e.g. a renderer's
 * `CrRendererMain` (JavaScript, the page) against its WebRTC threads (SCTP, DTLS, sockets).
 * `undefined` where /proc is not there.
 */
export interface CpuSample {
  /** utime + stime of every live descendant thread, in seconds, by "pid/tid". */
  readonly byThread: ReadonlyMap<string, { readonly label: string; readonly seconds: number }>;
  /**
   * utime + stime of every live descendant process, in seconds, by pid: its threads', those that ended too (the
   * kernel adds an exiting thread's time to its process's).
   */
  readonly byProcess: ReadonlyMap<number, number>;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  readonly ppid: number;
  readonly name: string;
  readonly seconds: number;
}

function readStat(path: string): ProcStat | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are space-separated.
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    // After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
    return {
      ppid: Number(fields[1]),
      name: text.slice(open + 1, close),
      seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks(),
    };
  } catch {
    return undefined; // Gone between readdir and read.
  }
}

/**
 * Chromium's process type from its command line (`--type=renderer`; child processes rewrite their
 * title, so the arguments may be space- rather than NUL-separated), else the command's name.
 */
function processKind(pid: number, name: string): string {
  try {
    return processKindOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '), name);
  } catch {
    return name;
  }
}

/**
 * The kind of the process whose command line is `commandLine` and whose name is `name` (see `processKind`). A utility
 * process by its service's first name: `network.mojom.NetworkService` is `utility(network)`. The second-to-last was
 * taken, `mojom` for every service, and the network, storage and audio services were added up in one row (found by
 * review).
 */
export function processKindOf(commandLine: string, name: string): string {
  const type = /--type=(\S+)/.exec(commandLine)?.[1];
  const utility = /--utility-sub-type=(\S+)/.exec(commandLine)?.[1];
  if (type === 'utility' && utility) return `utility(${utility.split('.')[0] || utility})`;
  if (type) return type;
  return /chrom/i.test(name) ? 'browser' : name;
}

function listDir(path: string): string[] {
  try {
    return readdirSync(path).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
}

export function sampleDescendantCpu(rootPid = process.pid): CpuSample | undefined {
  const pids = listDir('/proc');
  if (pids.length === 0) return undefined;
  const children = new Map<number, Array<{ pid: number; name: string }>>();
  for (const pid of pids) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), { pid: Number(pid), name: stat.name }]);
  }
  const byThread = new Map<string, { label: string; seconds: number }>();
  const byProcess = new Map<number, number>();
  const queue = [...(children.get(rootPid) ?? [])];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const processStat = readStat(`/proc/${next.pid}/stat`);
    if (processStat) byProcess.set(next.pid, processStat.seconds);
    const kind = processKind(next.pid, next.name);
    for (const tid of listDir(`/proc/${next.pid}/task`)) {
      const thread = readStat(`/proc/${next.pid}/task/${tid}/stat`);
      if (thread) byThread.set(`${next.pid}/${tid}`, { label: `${kind} ${thread.name}`, seconds: thread.seconds });
    }
    queue.push(...(children.get(next.pid) ?? []));
  }
  return { byThread, byProcess };
}

/** The label of what threads that ended between two samples used (`cpuBetween`). */
export const ENDED_THREADS_LABEL = '(threads that ended meanwhile, and rounding)';

/**
 * CPU-seconds the descendants used between two samples, in total and by "process-kind thread-name"
 * (summed over processes). The total is the processes' own: threads that ended in between count, under
 * `ENDED_THREADS_LABEL` (summed from the threads alone, it lost them: a worker that burned 0.6 s and ended
 * counted 0.02 s, found by review). Threads and processes that started in between count from zero; a
 * process that ended in between is lost (the benchmarks sample while the browser is up).
 */
export function cpuBetween(
  before: CpuSample | undefined,
  after: CpuSample | undefined,
): { readonly total: number; readonly byLabel: ReadonlyMap<string, number> } | undefined {
  if (!before || !after) return undefined;
  let threadsTotal = 0;
  let threadsThatRan = 0;
  const byLabel = new Map<string, number>();
  for (const [key, { label, seconds }] of after.byThread) {
    const used = seconds - (before.byThread.get(key)?.seconds ?? 0);
    threadsTotal += used;
    if (used > 0) threadsThatRan++;
    byLabel.set(label, (byLabel.get(label) ?? 0) + used);
  }
  let total = 0;
  for (const [pid, seconds] of after.byProcess) total += seconds - (before.byProcess.get(pid) ?? 0);
  // The kernel rounds each thread's times to ticks, and the process's once: the difference wanders by about the
  // square root of the threads that ran, in ticks, with no thread ending (a phantom row, found by review).
  const ended = total - threadsTotal;
  if (ended >= (2 * Math.sqrt(threadsThatRan) + 1) / clockTicks()) byLabel.set(ENDED_THREADS_LABEL, ended);
  return { total: Math.max(total, threadsTotal), byLabel };
}

/** Busy CPU-seconds of the whole machine so far (all processes, all cores), from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …, in clock ticks.
    const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
    return line.startsWith('cpu ') ? busy / clockTicks() : undefined;
  } catch {
    return undefined;
  }
}

/** CPU counters read at one moment, to subtract: the browser's threads, the machine, this process. */
export interface CpuCounters {
  readonly browser: CpuSample | undefined;
  readonly machineSeconds: number | undefined;
  /** This process's user + system CPU time, µs. */
  readonly nodeMicros: number;
  readonly atMs: number;
}

export function readCpuCounters(): CpuCounters {
  const node = process.cpuUsage();
  return {
    browser: sampleDescendantCpu(),
    machineSeconds: machineBusySeconds(),
    nodeMicros: node.user + node.system,
    atMs: performance.now(),
  };
}

/** Cores kept busy between two readings (CPU-seconds per wall-second); undefined where /proc is not there. */
export interface CoresUsed {
  /** The browser's processes. */
  readonly browser: number | undefined;
  /** The same by "process-kind thread-name", largest first. */
  readonly browserByThread: ReadonlyArray<readonly [string, number]>;
  /** This Node process (server, Playwright client). */
  readonly node: number;
  /** Everything else on the machine meanwhile: other people's builds and tests skew a run. */
  readonly other: number | undefined;
  /** The wall-clock seconds between the two readings. */
  readonly wallSec: number;
}

export function coresBetween(before: CpuCounters, after: CpuCounters): CoresUsed {
  const wallSec = (after.atMs - before.atMs) / 1000;
  const browserCpu = cpuBetween(before.browser, after.browser);
  const node = (after.nodeMicros - before.nodeMicros) / 1e6 / wallSec;
  const browser = browserCpu === undefined ? undefined : browserCpu.total / wallSec;
  const machine =
    before.machineSeconds === undefined || after.machineSeconds === undefined
      ? undefined
      : (after.machineSeconds - before.machineSeconds) / wallSec;
  return {
    browser,
    browserByThread: [...(browserCpu?.byLabel ?? [])]
      .map(([label, seconds]): [string, number] => [label, seconds / wallSec])
      .sort((a, b) => b[1] - a[1]),
    node,
    other: machine === undefined || browser === undefined ? undefined : Math.max(0, machine - browser - node),
    wallSec,
  };
}

/** CPU seconds (user + system) one process has used so far, all its threads; undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  return readStat(`/proc/${pid}/stat`)?.seconds;
}
