import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSignalling, unreachableMessage } from '../src/connect-signalling';

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

describe('against the real server', () => {
  let server: TestSignallingServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('says the server refused the connection, not that it may not be running, when its handshake is refused', async () => {
    // One engine.io connection per address: the second is refused at its websocket handshake (engine.io answers
    // an upgrade it refuses with HTTP 400), as a process cut off from Redis refuses every one.
    server = await startSignallingServer({ limits: { maxEngineConnectionsPerAddress: 1 } });
    const first = await connectSignalling(server.url, 5000);
    const refused = connectSignalling(server.url, 5000);
    await expect(refused).rejects.toThrow(/refused the connection \(HTTP 400\)/);
    await expect(refused).rejects.not.toThrow(/is it running/);
    first.disconnect();
  });

  it('says what answered when something other than a signalling server does', async () => {
    const other = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    try {
      await expect(connectSignalling(`http://127.0.0.1:${port}`, 5000)).rejects.toThrow(
        /answered the connection with HTTP 404: is it a swarmlab signalling server\?/,
      );
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('says the server nobody listens for may not be running, with the system’s reason', async () => {
    server = await startSignallingServer();
    const { url } = server;
    await server.close();
    server = undefined;
    await expect(connectSignalling(url, 5000)).rejects.toThrow(/\(ECONNREFUSED\): is it running\?/);
  });
});

it('says a host cannot be found, not that a server may not be running, for a mistyped address', async () => {
  // `.invalid` is never a host (RFC 2606): the lookup fails as a typo's does (or for want of DNS, said the same way).
  const refused = connectSignalling('http://signalling.invalid:8080', 5000);
  await expect(refused).rejects.toThrow(/cannot find the host signalling\.invalid \((ENOTFOUND|EAI_AGAIN)\)/);
  await expect(refused).rejects.not.toThrow(/is it running/);
});

it('says the server’s certificate is not trusted, and what to do, for a self-signed one', async () => {
  // A certificate made for this test (`openssl req -x509 … -subj /CN=localhost`, valid a century), as a school's
  // own server may have; Node trusts only its CA store.
  const fixture = (name: string): Buffer => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
  const https = createHttpsServer({
    key: fixture('self-signed-localhost.key'),
    cert: fixture('self-signed-localhost.crt'),
  });
  const io = new Server(https);
  servers.push(io);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const { port } = https.address() as AddressInfo;
  const refused = connectSignalling(`https://localhost:${port}`, 5000);
  await expect(refused).rejects.toThrow(
    /TLS certificate this machine does not trust \(DEPTH_ZERO_SELF_SIGNED_CERT\).*NODE_EXTRA_CA_CERTS/,
  );
  await expect(refused).rejects.not.toThrow(/is it running/);
});

it('tells each TLS failure its own remedy, not to add a certificate authority to every one', () => {
  const says = (url: string, code: string): string => unreachableMessage(url, code);
  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'CERT_UNTRUSTED'])
    expect(says('https://school:8443', code)).toMatch(/does not trust.*NODE_EXTRA_CA_CERTS/);
  // A TLS version no side shares (an old proxy) is no plain-http server.
  expect(says('https://school:8443', 'EPROTO')).not.toMatch(/speaks http/);
  for (const code of ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']) {
    expect(says('https://school:8443', code)).toMatch(/expired or is not valid yet.*date and time/);
    expect(says('https://school:8443', code)).not.toMatch(/NODE_EXTRA_CA_CERTS/);
  }
  expect(says('https://192.168.1.10:8443', 'ERR_TLS_CERT_ALTNAME_INVALID')).toMatch(/another host name/);
  // https:// typed for swarmlab's own server, which speaks http: it runs, and "is it running?" sent people to restart it.
  expect(says('https://192.168.1.10:8080', 'ERR_SSL_WRONG_VERSION_NUMBER')).toBe(
    "the signalling server at https://192.168.1.10:8080 does not speak https (ERR_SSL_WRONG_VERSION_NUMBER): swarmlab's own server speaks http, http://192.168.1.10:8080",
  );
  expect(says('http://192.168.1.10:8080', 'ECONNREFUSED')).toMatch(/is it running\?/);
});
