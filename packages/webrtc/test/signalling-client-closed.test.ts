import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from '@swarmlab/test-kit';
import { SignallingClient } from '../src/signalling-client';

const servers: Server[] = [];
const clients: SignallingClient[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A socket.io server on port 0 that takes every connection and answers nothing; its URL. */
function silentServer(): string {
  const server = new Server();
  servers.push(server);
  server.listen(0);
  return `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
}

async function connectedClient(url: string): Promise<SignallingClient> {
  const client = SignallingClient.connect(url);
  clients.push(client);
  await pollUntil(() => client.connection.state === 'connected', 'the connection', 10_000);
  return client;
}

describe('SignallingClient once it closed its connection', () => {
  it.each([
    ['disconnect', (client: SignallingClient) => client.disconnect()],
    ['dropConnection', (client: SignallingClient) => client.dropConnection()],
  ])('answers a later request at once after %s, not at its time-out', async (_name, close) => {
    const client = await connectedClient(silentServer());
    // The time-out's clock from here on: nothing the request waits for may fire.
    vi.useFakeTimers();
    close(client);
    const answers: unknown[] = [];
    void client.stopRun().then((answer) => answers.push(answer));
    await vi.advanceTimersByTimeAsync(0);
    // Before, it waited the whole time-out (10 s), then said the server was out of reach and reconnecting.
    expect(answers).toEqual([{ ok: false, error: expect.objectContaining({ code: 'signalling-lost' }) }]);
    expect(answers).not.toContainEqual(
      expect.objectContaining({ error: expect.objectContaining({ message: /reconnecting/ }) }),
    );
  });

  it('keeps no listener on its socket or its manager, which reached the session that left', async () => {
    const client = await connectedClient(silentServer());
    client.on('swarm:progress', () => {});
    expect(client.socket.listeners('swarm:progress')).toHaveLength(1);
    client.disconnect();
    expect(client.socket.listeners('swarm:progress')).toEqual([]);
    expect(client.socket.listeners('disconnect')).toEqual([]);
    expect(client.socket.io.listeners('reconnect_attempt')).toEqual([]);
  });

  it('is on a socket.io manager of its own, not the one socket.io keeps for its URL for the page’s life', async () => {
    const url = silentServer();
    const client = await connectedClient(url);
    // Another namespace of the URL: socket.io hands out the manager it keeps for the URL, if it keeps one.
    const later = io(`${url}/later`, { autoConnect: false });
    try {
      expect(later.io).not.toBe(client.socket.io);
    } finally {
      later.disconnect();
    }
  });
});
