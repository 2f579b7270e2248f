import { readdirSync, readFileSync } from 'node:fs';

/** The renderer processes of the browsers this process started, by PID (Linux /proc; none elsewhere). */
export function rendererPids(): Set<number> {
  return chromiumPids((cmdline) => cmdline.includes('--type=renderer') && !cmdline.includes('--extension-process'));
}

/**
 * The browser processes (Chromium's main process, which holds Blob data and IndexedDB's work) of the
 * browsers this process started.
 */
export function browserProcessPids(): Set<number> {
  return chromiumPids((cmdline) => /chrom/.test(cmdline.split('\0')[0] ?? '') && !cmdline.includes('--type='));
}

function chromiumPids(matches: (cmdline: string) => boolean): Set<number> {
  const pids = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (matches(cmdline) && isDescendant(Number(entry))) pids.add(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isDescendant(pid: number): boolean {
  for (let current: number | undefined = pid; current !== undefined && current > 1; current = parentOf(current))
    if (current === process.pid) return true;
  return false;
}

/**
 * A process's resident memory as the OS sees it, in bytes: now (`VmRSS`) and its peak over its life
 * (`VmHWM`, the kernel's high-water mark, so no sample can miss a short peak). Undefined once it is gone.
 */
export interface ResidentBytes {
  readonly nowBytes: number;
  readonly peakBytes: number;
  /** Of `nowBytes`: private anonymous pages (heaps, partition allocator), and shared memory (IPC, blobs). */
  readonly anonBytes: number;
  readonly shmemBytes: number;
}

export function residentBytes(pid: number): ResidentBytes | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return {
      nowBytes: kib('VmRSS'),
      peakBytes: kib('VmHWM'),
      anonBytes: kib('RssAnon'),
      shmemBytes: kib('RssShmem'),
    };
  } catch {
    return undefined;
  }
}
