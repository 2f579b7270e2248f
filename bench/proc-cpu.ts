import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time used by this process's descendants (the browser and its renderer, GPU and network processes),
 * read from Linux's /proc. Tells whether a run was CPU-bound: on a 2-core machine, 2 CPU-seconds per
 * wall-second is everything. `undefined` where /proc is not there.
 */
export interface CpuSample {
  /** utime + stime of every live descendant, in seconds, by pid. */
  readonly byPid: ReadonlyMap<number, { readonly name: string; readonly seconds: number }>;
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
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
  readonly seconds: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces; the fields after it are space-separated.
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    // After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
    return {
      pid: Number(pid),
      ppid: Number(fields[1]),
      name: text.slice(open + 1, close),
      seconds: (Number(fields[11]) + Number(fields[12])) / clockTicks(),
    };
  } catch {
    return undefined; // Gone between readdir and read.
  }
}

export function sampleDescendantCpu(rootPid = process.pid): CpuSample | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  const stats = entries.map(readStat).filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const byPid = new Map<number, { name: string; seconds: number }>();
  const queue = [...(children.get(rootPid) ?? [])];
  for (let next = queue.shift(); next; next = queue.shift()) {
    byPid.set(next.pid, { name: next.name, seconds: next.seconds });
    queue.push(...(children.get(next.pid) ?? []));
  }
  return { byPid };
}

/**
 * CPU-seconds the descendants used between two samples. Processes that started in between count from
 * zero; processes that ended in between are lost (the benchmarks sample while the browser is up).
 */
export function descendantCpuSeconds(before: CpuSample | undefined, after: CpuSample | undefined): number | undefined {
  if (!before || !after) return undefined;
  let total = 0;
  for (const [pid, { seconds }] of after.byPid) total += seconds - (before.byPid.get(pid)?.seconds ?? 0);
  return total;
}
