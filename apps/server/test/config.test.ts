import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError, DEFAULT_STATIC_DIR, parseCliOptions } from '../src/cli-options';
import { IceServersConfigError, parseIceServers } from '../src/ice-servers';
import { lanIpv4Addresses, lanOriginsOf, urlsToOpen, type NetworkInterfaces } from '../src/lan-addresses';
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits';
import { createRandomIds } from '../src/random-ids';
import { swarmIdSchema, peerIdSchema } from '@swarmlab/protocol';

const INTERFACES: NetworkInterfaces = {
  lo: [
    {
      address: '127.0.0.1',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:00',
      internal: true,
      cidr: '127.0.0.1/8',
    },
  ],
  eth0: [
    {
      address: '192.168.1.20',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: '192.168.1.20/24',
    },
    {
      address: 'fe80::1',
      netmask: 'ffff:ffff:ffff:ffff::',
      family: 'IPv6',
      mac: '02:00:00:00:00:01',
      internal: false,
      cidr: 'fe80::1/64',
      scopeid: 2,
    },
  ],
  wlan0: [
    {
      address: '10.0.0.5',
      netmask: '255.0.0.0',
      family: 'IPv4',
      mac: '02:00:00:00:00:02',
      internal: false,
      cidr: '10.0.0.5/8',
    },
  ],
};

describe('URLs to print', () => {
  it('lists every non-internal IPv4 address', () => {
    expect(lanIpv4Addresses(INTERFACES)).toEqual(['192.168.1.20', '10.0.0.5']);
  });

  it('lists an address on two interfaces (a bridge and its member) once', () => {
    const bridged = { ...INTERFACES, br0: INTERFACES['wlan0'] };
    expect(lanIpv4Addresses(bridged)).toEqual(['192.168.1.20', '10.0.0.5']);
  });

  it('lists the address classmates likely reach first: physical before container, VM and VPN ones, link-local last', () => {
    const ipv4 = (address: string, mac = '3c:22:fb:00:00:01') => [
      { address, netmask: '255.255.0.0', family: 'IPv4' as const, mac, internal: false, cidr: null },
    ];
    // A teacher's laptop with WSL, Docker, a VPN and an interface no DHCP server answered, in the system's order.
    const laptop: NetworkInterfaces = {
      lo: INTERFACES['lo'],
      'vEthernet (WSL)': ipv4('172.24.16.1'),
      docker0: ipv4('172.17.0.1'),
      tailscale0: ipv4('100.101.102.103'),
      eth1: ipv4('169.254.10.20'),
      eth0: ipv4('10.1.2.3'),
      'Wi-Fi': ipv4('192.168.1.23'),
    };
    expect(lanIpv4Addresses(laptop)).toEqual([
      '10.1.2.3',
      '192.168.1.23',
      '172.24.16.1',
      '172.17.0.1',
      '100.101.102.103',
      '169.254.10.20',
    ]);
    expect(urlsToOpen('0.0.0.0', 8080, laptop)[1]).toBe('http://10.1.2.3:8080/');
    expect(lanOriginsOf('0.0.0.0', 8080, laptop)[0]).toBe('http://10.1.2.3:8080');
    // Windows' and macOS's names of VM adapters, whose default networks are 192.168: after a school's 10/8.
    for (const vm of [
      { 'VirtualBox Host-Only Network': ipv4('192.168.56.1') },
      { 'VMware Network Adapter VMnet8': ipv4('192.168.80.1') },
      { 'ZeroTier One [8056c2e21c000001]': ipv4('192.168.191.5') },
      { bridge100: ipv4('192.168.64.1') },
      // Named like a physical one, known by its MAC address (VirtualBox's host-only adapter).
      { eth9: ipv4('192.168.57.1', '0a:00:27:00:00:09') },
    ])
      expect(lanIpv4Addresses({ ...vm, 'Wi-Fi': ipv4('10.20.30.40') }), Object.keys(vm)[0]).toEqual([
        '10.20.30.40',
        Object.values(vm)[0]![0]!.address,
      ]);
    // An address on a bridge and on its physical member ranks as the physical one.
    expect(
      lanIpv4Addresses({ docker0: ipv4('192.168.5.5'), 'Wi-Fi': ipv4('10.0.0.9'), eth0: ipv4('192.168.5.5') }),
    ).toEqual(['192.168.5.5', '10.0.0.9']);
  });

  it('prints localhost and each LAN address when listening on every interface', () => {
    expect(urlsToOpen('0.0.0.0', 8080, INTERFACES)).toEqual([
      'http://localhost:8080/',
      'http://192.168.1.20:8080/',
      'http://10.0.0.5:8080/',
    ]);
  });

  it('gives a page opened at localhost the origins other devices reach, only when listening on every interface', () => {
    expect(lanOriginsOf('0.0.0.0', 8080, INTERFACES)).toEqual(['http://192.168.1.20:8080', 'http://10.0.0.5:8080']);
    expect(lanOriginsOf('', 8080, INTERFACES)).toEqual(['http://192.168.1.20:8080', 'http://10.0.0.5:8080']);
    expect(lanOriginsOf('127.0.0.1', 8080, INTERFACES)).toEqual([]);
  });

  it('prints only the host listened on otherwise', () => {
    expect(urlsToOpen('127.0.0.1', 3000, INTERFACES)).toEqual(['http://127.0.0.1:3000/']);
    // `0` listens on every interface, as 0.0.0.0 does: `http://0:3000/` opened nothing on a student's laptop.
    expect(urlsToOpen('0', 3000, INTERFACES)).toEqual(urlsToOpen('0.0.0.0', 3000, INTERFACES));
    expect(urlsToOpen('::0', 3000, INTERFACES)).toEqual(urlsToOpen('::', 3000, INTERFACES));
    expect(urlsToOpen('::1', 3000, INTERFACES)).toEqual(['http://[::1]:3000/']);
  });
});

describe('ICE server configuration', () => {
  it('is empty when unset or blank', () => {
    expect(parseIceServers(undefined)).toEqual([]);
    expect(parseIceServers('  ')).toEqual([]);
  });

  it('accepts STUN and TURN servers', () => {
    const text =
      '[{"urls":"stun:stun.example.org:3478"},{"urls":["turn:t.example.org","turns:t.example.org"],"username":"u","credential":"p"}]';
    expect(parseIceServers(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['bad JSON', '[{urls:', /not valid JSON/],
    ['not an array', '{"urls":"stun:x"}', /must be a JSON array/],
    ['missing urls', '[{}]', /\[0\]: urls/],
    ['not an ICE URL', '[{"urls":"http://example.org"}]', /not a stun:/],
    ['TURN without credentials', '[{"urls":"turn:t.example.org"}]', /needs "username" and "credential"/],
    ['no URLs', '[{"urls":[]}]', /at least one URL/],
  ])('explains %s', (_label, text, message) => {
    expect(() => parseIceServers(text)).toThrow(IceServersConfigError);
    expect(() => parseIceServers(text)).toThrow(message);
  });
});

describe('command line', () => {
  it('defaults to port 8080 on every interface, serving apps/web/dist', () => {
    expect(parseCliOptions([], {})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      staticDir: DEFAULT_STATIC_DIR,
      staticDirGiven: false,
      trustProxy: false,
      lanStun: true,
      help: false,
    });
    expect(DEFAULT_STATIC_DIR.replaceAll('\\', '/')).toMatch(/apps\/web\/dist$/);
  });

  it('reads a relative --static-dir from where pnpm start was typed, else from the process’s directory', () => {
    const typedAtRoot = { npm_lifecycle_event: 'start', INIT_CWD: '/home/teacher/swarmlab' };
    expect(parseCliOptions(['--static-dir', 'my-build'], typedAtRoot).staticDir).toBe(
      '/home/teacher/swarmlab/my-build',
    );
    expect(parseCliOptions(['--static-dir', '/srv/app'], typedAtRoot).staticDir).toBe('/srv/app');
    // Run by hand (`npx tsx apps/server/src/main.ts`), or by another script: the process's own directory.
    expect(parseCliOptions(['--static-dir', 'my-build'], {}).staticDir).toBe(resolve('my-build'));
    expect(
      parseCliOptions(['--static-dir', 'my-build'], { npm_lifecycle_event: 'dev', INIT_CWD: '/elsewhere' }).staticDir,
    ).toBe(resolve('my-build'));
  });

  it('reads --host in its plain form: IPv6 short and without brackets, IPv4 written as IPv6 as IPv4', () => {
    const hostOf = (host: string) => parseCliOptions(['--host', host], {}).host;
    expect(hostOf('[::]')).toBe('::');
    expect(hostOf('0:0:0:0:0:0:0:0')).toBe('::');
    expect(hostOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(hostOf('[::FFFF:192.168.1.20]')).toBe('192.168.1.20');
    expect(hostOf('0000:0000::0001')).toBe('::1');
    // Empty once its brackets are off (`--host "[$HOST]"`, HOST unset) is empty: it would listen on every interface.
    for (const empty of ['[]', '[ ]', ' '])
      expect(() => parseCliOptions(['--host', empty], {}), empty).toThrow(CliUsageError);
    for (const kept of ['0.0.0.0', 'localhost', 'fe80::1%eth0', '192.168.1.20', 'laptop.local'])
      expect(hostOf(kept)).toBe(kept);
    // So every interface is every interface, and loopback loopback: URLs, QR code and /lan-origins follow.
    expect(urlsToOpen(hostOf('0:0:0:0:0:0:0:0'), 8080, INTERFACES)).toEqual(urlsToOpen('::', 8080, INTERFACES));
    expect(lanOriginsOf(hostOf('[::]'), 8080, INTERFACES)).toHaveLength(2);
    expect(urlsToOpen(hostOf('::ffff:127.0.0.1'), 8080, INTERFACES)).toEqual(['http://127.0.0.1:8080/']);
  });

  it('takes the port from PORT, and flags over the environment', () => {
    expect(parseCliOptions([], { PORT: '3000' }).port).toBe(3000);
    expect(
      parseCliOptions(['--port', '0', '--host', '127.0.0.1', '--static-dir', '/srv/app'], { PORT: '3000' }),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      staticDir: '/srv/app',
      staticDirGiven: true,
      trustProxy: false,
      lanStun: true,
      help: false,
    });
  });

  it('rejects unknown flags and bad ports', () => {
    expect(() => parseCliOptions(['--prot', '1'], {})).toThrow(CliUsageError);
    expect(() => parseCliOptions(['--port', 'http'], {})).toThrow(CliUsageError);
    expect(() => parseCliOptions(['--port', '70000'], {})).toThrow(CliUsageError);
    expect(() => parseCliOptions([], { PORT: '-1' })).toThrow(CliUsageError);
    // Where the bad value came from is named; an empty PORT is no PORT.
    expect(() => parseCliOptions([], { PORT: 'http' })).toThrow('$PORT must be a whole number from 0 to 65535');
    expect(() => parseCliOptions(['--port', 'x'], {})).toThrow('--port must be a whole number from 0 to 65535');
    expect(parseCliOptions([], { PORT: '' }).port).toBe(8080);
    // An empty directory is the working one to sirv: `--static-dir "$DIR"` with DIR unset served it.
    expect(() => parseCliOptions(['--static-dir', ''], {})).toThrow('--static-dir must name a directory');
    // An empty host is every interface to Node: `--host "$HOST"` with HOST unset put a loopback server on the LAN.
    expect(() => parseCliOptions(['--host', ''], {})).toThrow('--host must name an address, got ""');
    expect(parseCliOptions(['--host', '0.0.0.0'], {}).host).toBe('0.0.0.0');
  });
});

describe('limits and ids', () => {
  it('applies overrides and refuses caps that are not positive numbers', () => {
    expect(resolveLimits({ maxSwarms: 3 })).toEqual({ ...DEFAULT_LIMITS, maxSwarms: 3 });
    expect(() => resolveLimits({ maxPeersPerSwarm: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ messagesPerSec: Number.NaN })).toThrow(RangeError);
    // 0.2 peers per swarm made every swarm:create an internal error; a 30-day grace fired at once (Node's timers).
    expect(() => resolveLimits({ maxPeersPerSwarm: 0.2 })).toThrow('maxPeersPerSwarm must be a whole number');
    expect(() => resolveLimits({ memberGraceMs: 30 * 24 * 3600 * 1000 })).toThrow('memberGraceMs must be at most');
    expect(resolveLimits({ memberGraceMs: 2 ** 31 - 1, messagesPerSec: 0.5 }).memberGraceMs).toBe(2 ** 31 - 1);
  });

  it('makes swarm and peer ids the protocol accepts', () => {
    let counter = 0;
    const ids = createRandomIds((byteCount) => new Uint8Array(byteCount).map(() => (counter += 37) & 0xff));
    const swarmId = ids.swarmId();
    const peerId = ids.peerId();
    expect(swarmId).toHaveLength(22);
    expect(peerId).toHaveLength(12);
    expect(swarmIdSchema.safeParse(swarmId).success).toBe(true);
    expect(peerIdSchema.safeParse(peerId).success).toBe(true);
  });
});
