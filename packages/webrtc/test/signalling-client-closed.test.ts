import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollUntil } from '@swarmlab/test-kit';
import { sentUntilTaken } from '../src/own-sends';
import { SignallingClient } from '../src/signalling-client';
import { untilRegistered } from '../src/until-registered';

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
    expect(answers).toEqual([{ ok: false, error: expect.objectContaining({ code: 'signalling-closed' }) }]);
    expect(answers).not.toContainEqual(
      expect.objectContaining({ error: expect.objectContaining({ message: /reconnecting/ }) }),
    );
  });

  it('is not asked again by the loops that wait out a lost connection', async () => {
    const client = await connectedClient(silentServer());
    client.disconnect();
    let asks = 0;
    const joined = await untilRegistered(() => {
      asks++;
      return client.joinSwarm({ swarmId: 'a'.repeat(32) });
    });
    // Before, it shared `signalling-lost` with a lost connection, and was asked every second for a minute.
    expect(asks).toBe(1);
    expect(joined).toMatchObject({ ok: false, error: { code: 'signalling-closed' } });
    const named = await sentUntilTaken(
      () => {
        asks++;
        return client.setName({ name: 'Ada' });
      },
      () => false,
    );
    expect(asks).toBe(2);
    expect(named).toMatchObject({ ok: false, error: { code: 'signalling-closed' } });
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
