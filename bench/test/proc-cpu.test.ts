import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuBetween, ENDED_THREADS_LABEL, processKindOf, sampleDescendantCpu } from '../proc-cpu';

/**
 * A child process that, told on stdin, runs a worker thread burning 0.6 CPU-seconds of its own (read from the
 * thread's /proc stat, so a loaded machine that schedules it less does not make it burn less); the worker ends
 * and the child says so, then stays up until its stdin closes.
 */
const WORKER = `
const { readFileSync } = require('node:fs');
const ticks = () => {
  const text = readFileSync('/proc/thread-self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const start = ticks();
while (ticks() - start < 60);
`;
const CHILD = `
const { Worker } = require('node:worker_threads');
process.stdin.once('data', () => {
  const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true });
  worker.on('exit', () => process.stdout.write('ended\\n'));
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write('ready\\n');
`;

describe('the benchmarks’ CPU sample', () => {
  it('counts what a thread that ended between two samples used', async () => {
    const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const said = (word: string): Promise<void> =>
        new Promise((resolve) => {
          const listen = (data: Buffer): void => {
            if (!data.toString().includes(word)) return;
            child.stdout.off('data', listen);
            resolve();
          };
          child.stdout.on('data', listen);
        });
      await said('ready');
      const before = sampleDescendantCpu();
      child.stdin.write('go\n');
      await said('ended');
      const after = sampleDescendantCpu();
      const used = cpuBetween(before, after);
      // Summed over live threads alone, the worker's 0.6 s was lost (0.02 s counted).
      expect(used?.total).toBeGreaterThan(0.4);
      expect(used?.byLabel.get(ENDED_THREADS_LABEL)).toBeGreaterThan(0.4);
    } finally {
      child.stdin.end();
      await once(child, 'exit');
    }
  });
});

describe('the kind of a process', () => {
  it('tells Chromium’s utility services apart, and its other processes by type', () => {
    const chromium = '/usr/lib/chromium/chromium --type=utility --utility-sub-type=';
    expect(processKindOf(`${chromium}network.mojom.NetworkService --lang=en-US`, 'chromium')).toBe('utility(network)');
    expect(processKindOf(`${chromium}storage.mojom.StorageService`, 'chromium')).toBe('utility(storage)');
    expect(processKindOf('/usr/lib/chromium/chromium --type=renderer --enable-webrtc', 'chromium')).toBe('renderer');
    expect(processKindOf('/usr/lib/chromium/chromium --headless', 'chromium')).toBe('browser');
    expect(processKindOf('node server.js', 'node')).toBe('node');
  });
});
