import type { SignallingServerDeps } from '@swarmlab/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSignallingServer, type TestSignallingServer } from '../../src/server/index';

/** The log each server `startSignallingServer` starts writes to: the server's own hook, as its handlers call it. */
const serverLogs: ((line: string) => void)[] = [];

vi.mock('@swarmlab/server', async (importOriginal) => {
  const real = await importOriginal<typeof import('@swarmlab/server')>();
  return {
    ...real,
    createSignallingServer: (deps: SignallingServerDeps = {}) => {
      if (deps.log) serverLogs.push(deps.log);
      return real.createSignallingServer(deps);
    },
  };
});

afterEach(() => {
  serverLogs.length = 0;
});

/** A line as the server's request guard logs a handler that threw (`request-guard.ts`). */
const HANDLER_FAILED = 'error: swarm:join handler failed: Error: entropy pool on fire';

/** Starts a server and has it log `lines` through its own log. */
async function serverThatLogged(...lines: string[]): Promise<TestSignallingServer> {
  const server = await startSignallingServer();
  const log = serverLogs.at(-1);
  if (log === undefined) throw new Error('startSignallingServer gave the server no log');
  for (const line of lines) log(line);
  return server;
}

describe('a signalling server a test started', () => {
  it('is told what the server logs through its own log', async () => {
    // The mock only looks on: the log it took is the one whose lines reach `logLines`.
    const server = await serverThatLogged('listening, as far as this test is concerned');
    expect(server.logLines).toContain('listening, as far as this test is concerned');
    await server.close();
  });

  it('fails its close on an error line the test did not expect', async () => {
    // Before, a handler that threw answered internal-error, the client retried and succeeded, and the test passed.
    const server = await serverThatLogged('swarm created', HANDLER_FAILED);
    await expect(server.close()).rejects.toThrow(
      `the server logged errors the test did not expect:\n${HANDLER_FAILED}`,
    );
  });

  it('closes quietly on error lines the test said it causes, and fails on any other', async () => {
    const declared = await serverThatLogged(HANDLER_FAILED);
    declared.expectLogErrors(/swarm:join handler failed: .*on fire/);
    await expect(declared.close()).resolves.toBeUndefined();

    const other = await serverThatLogged(HANDLER_FAILED, 'error: cleanup after disconnect failed: Error: gone');
    other.expectLogErrors(/swarm:join handler failed/);
    await expect(other.close()).rejects.toThrow(/the test did not expect:\nerror: cleanup after disconnect failed/);
  });

  it('closes quietly when nothing failed', async () => {
    const server = await serverThatLogged('swarm created', 'swarm ended');
    await expect(server.close()).resolves.toBeUndefined();
  });
});
