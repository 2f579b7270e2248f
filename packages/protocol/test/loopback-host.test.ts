import { expect, it } from 'vitest';
import { isLoopbackHost, lanOriginsIn } from '../src/index';

it('knows the loopback hosts', () => {
  expect(['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
  expect(['192.168.1.10', 'swarmlab.test', '1127.0.0.1.example', '[::2]'].some(isLoopbackHost)).toBe(false);
});

/** `hostname` of `url`, as a page's `location` and a peer's `new URL(serverUrl)` give it. */
const hostOf = (url: string): string => new URL(url).hostname;

it('knows every form a URL gives this machine: unspecified, IPv4-mapped, fully qualified (found by review)', () => {
  const thisMachine = [
    'http://0.0.0.0:8080/',
    'http://0:8080/',
    'http://[::]:8080/',
    'http://[::ffff:127.0.0.1]:8080/',
    'http://[::ffff:127.9.8.7]:8080/',
    'http://[::ffff:0.0.0.0]:8080/',
    'http://localhost.:8080/',
    'http://LOCALHOST.:8080/',
    'http://app.localhost.:8080/',
    'http://127.1:8080/',
    'http://127.0.0.1.:8080/',
  ];
  for (const url of thisMachine) expect(isLoopbackHost(hostOf(url)), url).toBe(true);
});

it('takes a DNS name that starts like 127/8 for a name, not for this machine (found by review)', () => {
  const elsewhere = [
    'http://127.school.example/',
    'http://127.0.0.1.nip.io/',
    'http://0.0.0.0.example/',
    'http://localhost.example/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:128.0.0.1]/',
    'http://[::2]/',
    'http://10.127.0.1/',
  ];
  for (const url of elsewhere) expect(isLoopbackHost(hostOf(url)), url).toBe(false);
});

it('reads the server’s network origins once each, http(s) origins only, none from anything else', () => {
  const origins = ['http://192.168.1.10:8080', 'https://a.test', 'http://192.168.1.10:8080', 'http://x.test/path'];
  expect(lanOriginsIn({ origins: [...origins, 'javascript:alert(1)', 42, null] })).toEqual([
    'http://192.168.1.10:8080',
    'https://a.test',
  ]);
  for (const body of [null, 'origins', { origins: 'http://a.test' }, [], 7]) expect(lanOriginsIn(body)).toEqual([]);
});
