import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CdpConnection } from '../../src/browser/index';

const servers: (WebSocketServer | Server)[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** An endpoint that takes every connection and never answers: a browser hung as it starts. */
async function silentEndpoint(): Promise<string> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/devtools/browser/hung`;
}

/** A DevTools endpoint that hangs up on every connection at once, as a crashed browser's does. */
async function hangingUpEndpoint(): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', (socket) => socket.close());
  await new Promise((resolve) => server.once('listening', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('a DevTools connection the browser closed', () => {
  it('refuses a command at once, rather than waiting for ever for its answer', async () => {
    const connection = await CdpConnection.open(await hangingUpEndpoint());
    const deadline = Date.now() + 5000;
    while (connection.open && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connection.open).toBe(false);
    // Before, ws dropped the message without a word and this never settled (the test sat out its timeout).
    await expect(connection.send('Runtime.evaluate', { expression: '1' })).rejects.toThrow(/closed the connection/);
  });
});

describe('a DevTools connection to a browser that never answers its handshake', () => {
  it('fails once its handshake timeout has passed, rather than waiting for ever', async () => {
    const startedMs = Date.now();
    // Before, ws had no handshake timeout: this never settled, and a window's launch waited for ever.
    await expect(CdpConnection.open(await silentEndpoint(), 300)).rejects.toThrow(/handshake has timed out/);
    expect(Date.now() - startedMs).toBeLessThan(5000);
  }, 10_000);
});
