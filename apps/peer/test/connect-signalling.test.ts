import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, expect, it } from 'vitest';
import { connectSignalling } from '../src/connect-signalling';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A socket.io server that turns away its first `refused` handshakes as ours does while an address owes bytes. */
function serverRefusingFirst(refused: number): { url: string; handshakes: () => number } {
  const server = new Server();
  servers.push(server);
  let handshakes = 0;
  server.use((_socket, next) => {
    if (++handshakes > refused) return next();
    next(Object.assign(new Error('refused'), { data: { code: 'rate-limited', message: 'Slow down.' } }));
  });
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, handshakes: () => handshakes };
}

it('connects once a server that turned it away for a moment lets it in, rather than call the server unreachable', async () => {
  const server = serverRefusingFirst(1);
  const client = await connectSignalling(server.url, 5000, { refusedReconnectDelayMs: 50 });
  expect(client.connection.state).toBe('connected');
  expect(server.handshakes()).toBe(2);
  client.disconnect();
});

it('says the server turned it away, not that it is unreachable, when it is never let in within the time allowed', async () => {
  const server = serverRefusingFirst(Infinity);
  await expect(connectSignalling(server.url, 300, { refusedReconnectDelayMs: 50 })).rejects.toThrow(/Slow down/);
});
