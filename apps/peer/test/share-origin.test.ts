import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { shareOriginOf } from '../src/share-origin';

it('builds links on the server’s network address when it was given as loopback: they opened each student’s machine', async () => {
  const asked: string[] = [];
  const lan = async (serverUrl: string) => {
    asked.push(serverUrl);
    return { origins: ['http://192.168.1.10:8080', 'http://10.0.2.15:8080', 'http://192.168.1.10:8080'] };
  };
  expect(await shareOriginOf('http://localhost:8080', lan)).toEqual({
    origin: 'http://192.168.1.10:8080',
    others: ['http://10.0.2.15:8080'],
    thisMachineOnly: false,
  });
  for (const loopback of ['http://127.0.0.1:8080', 'http://[::1]:8080'])
    expect((await shareOriginOf(loopback, lan)).origin).toBe('http://192.168.1.10:8080');
  // A server given by a network address is asked nothing.
  expect(await shareOriginOf('http://192.168.1.10:8080', lan)).toEqual({
    origin: 'http://192.168.1.10:8080',
    others: [],
    thisMachineOnly: false,
  });
  expect(asked).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']);
});

it('keeps the loopback origin, saying whether the server knows no network address or did not say', async () => {
  const thisMachineOnly = async (answer: () => Promise<unknown>) =>
    (await shareOriginOf('http://localhost:8080', answer)).thisMachineOnly;
  expect(await thisMachineOnly(async () => ({ origins: [] }))).toBe('no-address');
  expect(await thisMachineOnly(async () => ({ origins: ['javascript:alert(1)', 'http://x.test/path', 42] }))).toBe(
    'no-address',
  );
  // An older server's page, a proxy's error page, no server at all.
  expect(await thisMachineOnly(async () => 'not json')).toBe('no-answer');
  expect(
    await thisMachineOnly(async () => {
      throw new TypeError('fetch failed');
    }),
  ).toBe('no-answer');
});

it('asks the server at GET /lan-origins, as a page does', async () => {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/lan-origins') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ origins: ['http://192.0.2.7:8080'] }));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    expect(await shareOriginOf(`http://127.0.0.1:${port}`)).toEqual({
      origin: 'http://192.0.2.7:8080',
      others: [],
      thisMachineOnly: false,
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
