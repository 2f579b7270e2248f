// @vitest-environment node
import { createServer } from 'node:net';
import { SIGNALLING_UNREACHABLE } from '@swarmlab/webrtc';
import { describe, expect, it } from 'vitest';
import { resolveJoinCode } from '../src/lib/state/resolve-join-code';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('resolveJoinCode', () => {
  it('says the server could not be reached, not that it is reconnecting, when no connection came up', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    // Its own connection closes with the answer: nothing reconnects after it.
    expect(await resolveJoinCode('ABC-123', url, { ackTimeoutMs: 300 })).toEqual({
      ok: false,
      error: SIGNALLING_UNREACHABLE,
    });
  });
});
