import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CdpConnection } from '../../src/browser/index';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

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
