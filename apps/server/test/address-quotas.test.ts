import { describe, expect, it } from 'vitest';
import { createAddressQuotas } from '../src/address-quotas';
import { addressKey } from '../src/client-address';

const limits = { maxConnectionsPerAddress: 2, maxSwarmsPerAddress: 2, maxPeersPerAddressInSwarm: 2 };
const SWARM_1 = 'AAAAAAAAAAAAAAAAAAAAAA';
const SWARM_2 = 'BBBBBBBBBBBBBBBBBBBBBB';

describe('address quotas', () => {
  it('counts connections per address, each address on its own', () => {
    const quotas = createAddressQuotas(limits);
    expect([quotas.tryConnect('a'), quotas.tryConnect('a'), quotas.tryConnect('a')]).toEqual([true, true, false]);
    expect(quotas.canConnect('a')).toBe(false);
    expect(quotas.tryConnect('b')).toBe(true);
    quotas.disconnected('a');
    expect(quotas.tryConnect('a')).toBe(true);
  });

  it('counts the swarms an address created until each ends, whoever is still in it', () => {
    const quotas = createAddressQuotas(limits);
    quotas.swarmCreated('a', SWARM_1);
    quotas.swarmCreated('a', SWARM_2);
    expect(quotas.canCreateSwarm('a')).toBe(false);
    expect(quotas.canCreateSwarm('b')).toBe(true);
    quotas.swarmEnded(SWARM_1);
    expect(quotas.canCreateSwarm('a')).toBe(true);
  });

  it('counts seats per address in each swarm', () => {
    const quotas = createAddressQuotas(limits);
    quotas.joined('a', SWARM_1);
    quotas.joined('a', SWARM_1);
    expect(quotas.canJoin('a', SWARM_1)).toBe(false);
    expect(quotas.canJoin('a', SWARM_2)).toBe(true);
    expect(quotas.canJoin('b', SWARM_1)).toBe(true);
    quotas.left('a', SWARM_1);
    expect(quotas.canJoin('a', SWARM_1)).toBe(true);
  });

  it('holds nothing once every client has gone', () => {
    const quotas = createAddressQuotas(limits);
    quotas.tryConnect('a');
    quotas.tryConnect('b');
    quotas.swarmCreated('a', SWARM_1);
    quotas.joined('a', SWARM_1);
    quotas.joined('b', SWARM_1);
    expect(quotas.sizes()).toEqual({ addresses: 2, swarms: 1, seats: 2 });
    quotas.left('a', SWARM_1);
    quotas.left('b', SWARM_1);
    quotas.swarmEnded(SWARM_1);
    quotas.disconnected('a');
    quotas.disconnected('b');
    expect(quotas.sizes()).toEqual({ addresses: 0, swarms: 0, seats: 0 });
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses, unwrapping IPv4-mapped IPv6 ones', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:192.168.1.20')).toBe('192.168.1.20');
    expect(addressKey('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });

  it('counts an IPv6 address by its /64 network', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps anything else as it is', () => {
    expect(addressKey('classroom-a')).toBe('classroom-a');
  });
});
