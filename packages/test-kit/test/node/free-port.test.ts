import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, RESTARTABLE_PORTS, startSignallingServer } from '../../src/server/index';

/** The low end of the kernel's range for client sockets' local ports (Linux's default where it cannot be read). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

describe('ports for servers a test restarts', () => {
  it('lie below the kernel’s range for client sockets, where none of the suite’s connections can take them', async () => {
    expect(RESTARTABLE_PORTS.to).toBeLessThanOrEqual(ephemeralLow());
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(RESTARTABLE_PORTS.from);
    expect(port).toBeLessThan(RESTARTABLE_PORTS.to);
    const server = await startSignallingServer();
    try {
      expect(server.port).toBeLessThan(RESTARTABLE_PORTS.to);
    } finally {
      await server.close();
    }
  });
});
