import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { cpuBetween, ENDED_THREADS_LABEL, sampleDescendantCpu } from '../proc-cpu';

/**
 * A child process that, told on stdin, runs a worker thread burning about 0.6 CPU-seconds; the worker ends
 * and the child says so, then stays up until its stdin closes.
 */
const CHILD = `
const { Worker } = require('node:worker_threads');
process.stdin.once('data', () => {
  const worker = new Worker('const end = Date.now() + 600; while (Date.now() < end);', { eval: true });
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
