import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { io as connectClient } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_GRACE_MS } from '../src/create-server';
import { createSignallingServer } from '../src/index';
import { disconnected, type TypedClient } from './harness';

const quiet = { log: () => undefined };

describe('server lifecycle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

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
    // The server's clock from here on, which the test moves: the close ends when its grace has passed on it, not at
    // a client's own time-out (ws's close handshake waits 30 s on it). The test measured the close's wall-clock time
    // before, a ceiling a slow machine could cross (found by review).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(CLOSE_GRACE_MS - 1);
    expect(closed).toBe(false); // the clients are given their grace
    await vi.advanceTimersByTimeAsync(1);
    // Before, still closing after 8 s (the HTTP server's header timeout, ws's close handshake).
    await closing;
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
