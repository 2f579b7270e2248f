import { expect, it } from 'vitest';
import { isLoopbackHost, lanOriginsIn } from '../src/index';

it('knows the loopback hosts', () => {
  expect(['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
  expect(['192.168.1.10', 'swarmlab.test', '1127.0.0.1.example', '[::2]'].some(isLoopbackHost)).toBe(false);
});

it('reads the server’s network origins once each, http(s) origins only, none from anything else', () => {
  const origins = ['http://192.168.1.10:8080', 'https://a.test', 'http://192.168.1.10:8080', 'http://x.test/path'];
  expect(lanOriginsIn({ origins: [...origins, 'javascript:alert(1)', 42, null] })).toEqual([
    'http://192.168.1.10:8080',
    'https://a.test',
  ]);
  for (const body of [null, 'origins', { origins: 'http://a.test' }, [], 7]) expect(lanOriginsIn(body)).toEqual([]);
});
