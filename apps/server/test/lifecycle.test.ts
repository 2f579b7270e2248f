import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { io as connectClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS } from '../src/create-server';
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

  it('closes within its grace with a client that reads nothing and a request never finished (an asleep laptop, a slowloris)', async () => {
    const server = createSignallingServer(quiet);
    const { port } = await server.listen(0, '127.0.0.1');
    const unfinished = netConnect(port, '127.0.0.1');
    unfinished.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const asleep = netConnect(port, '127.0.0.1');
    await once(asleep, 'connect');
    asleep.write(
      'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await once(asleep, 'data'); // upgraded
    asleep.pause(); // and reads nothing more
    const startedMs = performance.now();
    // Before, still closing after 8 s (the HTTP server's header timeout, ws's close handshake).
    const closedIn = await Promise.race([
      server.close().then(() => performance.now() - startedMs),
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), 5000)),
    ]);
    expect(closedIn).toBeLessThan(CLOSE_GRACE_MS + 2000);
    unfinished.destroy();
    asleep.destroy();
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
