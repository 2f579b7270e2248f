import { io as connectClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { createSignallingServer } from '../src/index';
import { disconnected, type TypedClient } from './harness';

const quiet = { log: () => undefined };

describe('server lifecycle', () => {
  it('closes with clients still connected, disconnecting them', async () => {
    const server = createSignallingServer(quiet);
    const { port } = await server.listen(0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    const client: TypedClient = connectClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise((resolve) => client.once('connect', () => resolve(undefined)));
    const closed = disconnected(client);
    await server.close();
    expect(await closed).toMatch(/disconnect|close/);
    client.disconnect();
  });

  it('closes a server that never listened', async () => {
    await expect(createSignallingServer(quiet).close()).resolves.toBeUndefined();
  });

  it('rejects listen on a port already in use', async () => {
    const first = createSignallingServer(quiet);
    const second = createSignallingServer(quiet);
    const { port } = await first.listen(0, '127.0.0.1');
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await Promise.all([first.close(), second.close()]);
  });
});
