import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { SignallingClient } from '../src/signalling-client';

const servers: Server[] = [];
const clients: SignallingClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A socket.io server on port 0 that refuses every connection as ours does past a per-address limit. */
async function refusingServer(data: unknown): Promise<string> {
  const server = new Server();
  servers.push(server);
  server.use((_socket, next) => next(Object.assign(new Error('refused'), { data })));
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe('SignallingClient when the server refuses the connection', () => {
  it('answers a waiting request, and every later one, with the refusal at once instead of a timeout', async () => {
    const message = 'Too many connections from your network address.';
    const client = SignallingClient.connect(await refusingServer({ code: 'too-many-connections', message }), 60_000);
    clients.push(client);
    const startedMs = Date.now();
    const waiting = await client.joinSwarm({ swarmId: 'A'.repeat(22) });
    expect(waiting).toEqual({ ok: false, error: { code: 'too-many-connections', message } });
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(client.refusal?.code).toBe('too-many-connections');
    expect(await client.leaveSwarm()).toEqual({ ok: false, error: { code: 'too-many-connections', message } });
  });

  it('ignores a refusal it does not recognise (left to the ack timeout)', async () => {
    const client = SignallingClient.connect(await refusingServer({ code: 'drop-tables', message: 'x' }), 300);
    clients.push(client);
    const result = await client.leaveSwarm();
    expect(result.ok ? undefined : result.error.code).toBe('timeout');
    expect(client.refusal).toBeUndefined();
  });
});

describe('SignallingClient: the classroom requests', () => {
  it('sends code:resolve and peer:name with their payloads and hands back the answers', async () => {
    const server = new Server();
    servers.push(server);
    const heard: unknown[] = [];
    server.on('connection', (socket) => {
      socket.on('code:resolve', (request: unknown, ack: (result: unknown) => void) => {
        heard.push(['code:resolve', request]);
        ack({ ok: true, swarmId: 'A'.repeat(22), contentId: 'a'.repeat(64) });
      });
      socket.on('peer:name', (request: unknown, ack: (result: unknown) => void) => {
        heard.push(['peer:name', request]);
        ack({ ok: false, error: { code: 'not-in-swarm', message: 'Not in a swarm.' } });
      });
    });
    server.listen(0);
    const { port } = server.httpServer.address() as AddressInfo;
    const client = SignallingClient.connect(`http://127.0.0.1:${port}`, 5_000);
    clients.push(client);

    expect(await client.resolveCode({ code: 'K7MQ3P' })).toEqual({
      ok: true,
      swarmId: 'A'.repeat(22),
      contentId: 'a'.repeat(64),
    });
    expect(await client.setName({ name: 'Ada' })).toEqual({
      ok: false,
      error: { code: 'not-in-swarm', message: 'Not in a swarm.' },
    });
    expect(heard).toEqual([
      ['code:resolve', { code: 'K7MQ3P' }],
      ['peer:name', { name: 'Ada' }],
    ]);
  });
});
