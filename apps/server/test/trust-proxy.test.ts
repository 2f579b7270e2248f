import type { SignallingResult } from '@swarmlab/protocol';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CliUsageError, parseCliOptions } from '../src/cli-options';
import { addressKey, lastForwardedAddress, type Handshake } from '../src/client-address';
import { DEFAULT_FAILED_CODE_LOOKUP_BURST_PER_ADDRESS } from '../src/limits';
import { WAIT_MS, type TypedClient } from './harness';

describe('--trust-proxy', () => {
  it('is off by default, on with the flag or SWARMLAB_TRUST_PROXY, and a word it cannot read is refused', () => {
    expect(parseCliOptions([], {}).trustProxy).toBe(false);
    expect(parseCliOptions(['--trust-proxy'], {}).trustProxy).toBe(true);
    for (const on of ['1', 'true', 'YES', ' on '])
      expect(parseCliOptions([], { SWARMLAB_TRUST_PROXY: on }).trustProxy, on).toBe(true);
    for (const off of ['', '0', 'false', 'no', 'off'])
      expect(parseCliOptions([], { SWARMLAB_TRUST_PROXY: off }).trustProxy, off).toBe(false);
    // A typo read as off would count a whole school as its proxy.
    expect(() => parseCliOptions([], { SWARMLAB_TRUST_PROXY: 'ture' })).toThrow(CliUsageError);
    expect(() => parseCliOptions([], { SWARMLAB_TRUST_PROXY: 'ture' })).toThrow('$SWARMLAB_TRUST_PROXY must be');
    expect(() => parseCliOptions(['--trust-proxy=yes'], {})).toThrow(CliUsageError);
  });

  it('is turned off from the command line with --no-trust-proxy, whatever SWARMLAB_TRUST_PROXY says', () => {
    expect(parseCliOptions(['--no-trust-proxy'], {}).trustProxy).toBe(false);
    // The flag over the environment, as --port over PORT: the environment is not read.
    for (const word of ['on', 'ture'])
      expect(parseCliOptions(['--no-trust-proxy'], { SWARMLAB_TRUST_PROXY: word }).trustProxy, word).toBe(false);
    // The last of the two given wins.
    expect(parseCliOptions(['--no-trust-proxy', '--trust-proxy'], {}).trustProxy).toBe(true);
    expect(parseCliOptions(['--trust-proxy', '--no-trust-proxy'], {}).trustProxy).toBe(false);
    expect(() => parseCliOptions(['--no-trust-proxy=yes'], {})).toThrow(CliUsageError);
    expect(() => parseCliOptions(['--no-port'], {})).toThrow(CliUsageError);
  });

  it('is not read with --help, which says how to write it', () => {
    // Before, a word it cannot read stopped the server (exit 2) instead of printing the help (found by review).
    expect(parseCliOptions(['--help'], { SWARMLAB_TRUST_PROXY: 'bogus' }).help).toBe(true);
    expect(parseCliOptions(['-h'], { SWARMLAB_TRUST_PROXY: 'bogus', PORT: 'http' }).help).toBe(true);
  });
});

describe('the address a proxy appended to X-Forwarded-For', () => {
  const handshakeWith = (forwardedFor?: string | string[]): Handshake =>
    ({ address: '10.9.9.9', headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as never;

  it('is the header’s last entry, whatever the client wrote before it', () => {
    expect(lastForwardedAddress(handshakeWith('198.51.100.7'))).toBe('198.51.100.7');
    expect(lastForwardedAddress(handshakeWith('6.6.6.6, 198.51.100.7'))).toBe('198.51.100.7');
    expect(lastForwardedAddress(handshakeWith(['6.6.6.6', '198.51.100.7']))).toBe('198.51.100.7');
    expect(lastForwardedAddress(handshakeWith(' 2001:db8::7 '))).toBe('2001:db8::7');
    // Some proxies add the port.
    expect(lastForwardedAddress(handshakeWith('198.51.100.7:41234'))).toBe('198.51.100.7');
    expect(lastForwardedAddress(handshakeWith('[2001:db8::7]:41234'))).toBe('2001:db8::7');
  });

  it('counts an IPv4 address written as IPv6 as that IPv4 address, in hex as well as dotted', () => {
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    // Before, keyed 0:0:0:0::/64, with ::1 and every address starting :: (found by review).
    for (const mapped of ['::ffff:cb00:7109', '::FFFF:CB00:7109', '0:0:0:0:0:ffff:cb00:7109', '0::ffff:203.0.113.9'])
      expect(addressKey(mapped), mapped).toBe('203.0.113.9');
    expect(addressKey('::ffff:a00:1')).toBe('10.0.0.1');
    // Not mapped: IPv6 addresses, by their /64.
    for (const unmapped of ['::1', '::cb00:7109', '::ffff:0:cb00:7109', '1::ffff:cb00:7109'])
      expect(addressKey(unmapped), unmapped).toMatch(/::\/64$/);
  });

  it('is the TCP peer’s (the proxy’s) when the header is missing, empty or names no address', () => {
    for (const header of [undefined, '', ' ', '198.51.100.7,', 'unknown', '198.51.100.7, laptop.local', '999.1.1.1'])
      expect(lastForwardedAddress(handshakeWith(header)), String(header)).toBe('10.9.9.9');
  });
});

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));
/** An app directory without an app: the server warns, and serves signalling. */
const NO_APP_DIR = mkdtempSync(join(tmpdir(), 'swarmlab-trust-proxy-'));

/** `swarmlab-server` as a teacher's machine runs it: a process of its own, listening on a free port. */
async function startServerProcess(args: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  // None of the caller's server settings: a Redis, ICE servers or a proxy setting of its own would change the test.
  const unset = new Set(['SWARMLAB_REDIS_URL', 'SWARMLAB_ICE_SERVERS', 'SWARMLAB_TRUST_PROXY', 'PORT']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.has(name)));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--port', '0', '--host', '127.0.0.1', '--static-dir', NO_APP_DIR, ...args],
    { cwd: SERVER_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 15_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const listening = /listening on port (\d+)/.exec(output);
      if (!listening) return;
      clearTimeout(timer);
      resolve(listening[1]!);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const children: ChildProcess[] = [];
const clients: TypedClient[] = [];

/** A client whose connection arrives with `forwardedFor` as its `X-Forwarded-For` header, as through a proxy. */
async function connectVia(url: string, forwardedFor?: string): Promise<TypedClient> {
  const client: TypedClient = connectClient(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(forwardedFor !== undefined && { extraHeaders: { 'X-Forwarded-For': forwardedFor } }),
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('connect_error', reject);
  });
  return client;
}

const codeOf = (result: SignallingResult): string => (result.ok ? 'ok' : result.error.code);

/** Looks up a join code that names no swarm: a miss, from the address's budget of misses. */
async function lookUpNothing(client: TypedClient): Promise<string> {
  return codeOf(await client.timeout(WAIT_MS).emitWithAck('code:resolve', { code: 'K7MQ3P' }));
}

/** Spends the budget of misses of `client`'s address: its lookups are refused from then on. */
async function spendMisses(client: TypedClient): Promise<void> {
  for (let miss = 0; miss < DEFAULT_FAILED_CODE_LOOKUP_BURST_PER_ADDRESS; miss++)
    expect(await lookUpNothing(client)).toBe('code-not-found');
  expect(await lookUpNothing(client)).toBe('too-many-code-lookups');
}

describe('the server behind a reverse proxy', () => {
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(
      children.splice(0).map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
  });
  afterAll(() => rmSync(NO_APP_DIR, { recursive: true, force: true }));

  it('with --trust-proxy, counts each client by the address its proxy appended', async () => {
    const { url } = await startServerProcess(['--trust-proxy']);
    // A client wrote 6.6.6.6 itself; the proxy appended the address it came from.
    await spendMisses(await connectVia(url, '6.6.6.6, 198.51.100.7'));
    // Another student behind the proxy has misses of its own: before, every client was the proxy's one address,
    // and one student's typos (or a class's 49th tab, or its 9th screen) locked the school out.
    expect(await lookUpNothing(await connectVia(url, '203.0.113.9'))).toBe('code-not-found');
    // Naming another address first changes nothing: the last entry is the proxy's.
    expect(await lookUpNothing(await connectVia(url, '203.0.113.9, 198.51.100.7'))).toBe('too-many-code-lookups');
    // A header that names no address counts as the TCP peer (the proxy), as a connection without one.
    await spendMisses(await connectVia(url, 'unknown'));
    expect(await lookUpNothing(await connectVia(url))).toBe('too-many-code-lookups');
  });

  it('without it, ignores the header: a client reaching it directly cannot choose its address', async () => {
    const { url } = await startServerProcess([]);
    await spendMisses(await connectVia(url, '198.51.100.7'));
    expect(await lookUpNothing(await connectVia(url, '203.0.113.9'))).toBe('too-many-code-lookups');
  });
});
