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

it('keeps the loopback origin, said to open this machine only, when the server knows no network address or says nothing readable', async () => {
  for (const answer of [
    async () => ({ origins: [] }),
    async () => ({ origins: ['javascript:alert(1)', 'http://x.test/path', 42] }),
    async () => 'not json',
    async () => {
      throw new TypeError('fetch failed');
    },
  ])
    expect(await shareOriginOf('http://localhost:8080', answer)).toEqual({
      origin: 'http://localhost:8080',
      others: [],
      thisMachineOnly: true,
    });
});
