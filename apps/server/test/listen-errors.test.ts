import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeListenError } from '../src/listen-errors';

/** The error listening on `port` at `host` fails with, as the server's `listen` would meet it. */
async function listenError(port: number, host: string): Promise<unknown> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return undefined;
  } catch (error) {
    return error;
  } finally {
    server.close();
  }
}

describe('the errors listening fails with', () => {
  it('name the option to change, with the exit code: a host that is no address here, or no name', async () => {
    expect(describeListenError(await listenError(0, '10.254.254.254'))).toMatchObject({
      message: expect.stringMatching(/^--host is not an address of this machine/),
      exitCode: 2,
    });
    // As a name lookup fails (not looked up here: the tests' network has no resolver, and a lookup may wait for one).
    for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
      const lookupFailed = Object.assign(new Error(`getaddrinfo ${code} 999.1.1.1`), { code });
      expect(describeListenError(lookupFailed)).toMatchObject({
        message: expect.stringMatching(/^--host is no address or name/),
        exitCode: 2,
      });
    }
  });

  it('a link-local IPv6 address without its interface, IPv6 on a machine without it', async () => {
    expect(describeListenError(await listenError(0, 'fe80::1'))).toMatchObject({
      message: expect.stringContaining('fe80::1%eth0'),
      exitCode: 2,
    });
    const noIpv6 = Object.assign(new Error('listen EAFNOSUPPORT: address family not supported :::8080'), {
      code: 'EAFNOSUPPORT',
    });
    expect(describeListenError(noIpv6)).toMatchObject({ message: expect.stringMatching(/no IPv6/), exitCode: 2 });
  });

  it('a port in use, or one this user may not take', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    expect(describeListenError(await listenError(port, '127.0.0.1'))).toMatchObject({
      message: expect.stringMatching(/^the port is already in use/),
      exitCode: 1,
    });
    holder.close();
    const eacces = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' });
    expect(describeListenError(eacces)).toMatchObject({ message: expect.stringMatching(/--port/), exitCode: 1 });
  });

  it('leave any other error to the stack trace', () => {
    expect(describeListenError(new Error('something else'))).toBeUndefined();
  });
});
