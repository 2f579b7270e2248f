import { describe, expect, it } from 'vitest';
import { ShareOrigin } from '../src/lib/state/share-origin.svelte';

const at = (origin: string) => ({ origin, hostname: new URL(origin).hostname });

describe('ShareOrigin', () => {
  it('keeps the page’s origin where other devices reach it, without asking the server', async () => {
    const share = new ShareOrigin(at('http://192.168.1.10:8080'));
    let asked = false;
    await share.load(async () => {
      asked = true;
      return ['http://10.0.0.1:8080'];
    });
    expect([share.origin, share.loopback, share.unreachable, asked]).toEqual([
      'http://192.168.1.10:8080',
      false,
      false,
      false,
    ]);
  });

  it('at localhost, uses the first network address the server knows, or another one picked', async () => {
    const share = new ShareOrigin(at('http://localhost:8080'));
    expect(share.origin).toBe('http://localhost:8080');
    await share.load(async () => ['http://192.168.1.10:8080', 'http://172.17.0.1:8080', 'javascript:alert(1)']);
    expect(share.lanOrigins).toEqual(['http://192.168.1.10:8080', 'http://172.17.0.1:8080']);
    expect(share.origin).toBe('http://192.168.1.10:8080');
    share.pick('http://172.17.0.1:8080');
    expect(share.origin).toBe('http://172.17.0.1:8080');
    share.pick('http://evil.example');
    expect(share.origin).toBe('http://172.17.0.1:8080');
    expect(share.unreachable).toBe(false);
  });

  it('at localhost with no network address known (or no answer), says other devices cannot use its links', async () => {
    const none = new ShareOrigin(at('http://127.0.0.1:31731'));
    expect(none.unreachable).toBe(false); // not known yet
    await none.load(async () => []);
    expect([none.origin, none.unreachable]).toEqual(['http://127.0.0.1:31731', true]);
    const failing = new ShareOrigin(at('http://[::1]:8080'));
    await failing.load(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(failing.unreachable).toBe(true);
  });
});
