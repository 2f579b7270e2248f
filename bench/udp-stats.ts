import { readFileSync } from 'node:fs';

/**
 * The kernel's UDP counters (/proc/net/snmp) of the network namespace this process runs in: inside the
 * `bench` script's private namespace they count only the benchmark's own traffic. WebRTC data channels
 * run over UDP (SCTP over DTLS), so `RcvbufErrors` are datagrams dropped because a socket's receive
 * buffer was full: losses SCTP must detect and retransmit, at worst after a retransmission time-out.
 */
export type UdpCounters = Readonly<Record<string, number>>;

export function readUdpCounters(): UdpCounters | undefined {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Udp: '));
    const names = lines[0]?.split(/\s+/).slice(1) ?? [];
    const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? [];
    return Object.fromEntries(names.map((name, i) => [name, values[i] ?? 0]));
  } catch {
    return undefined;
  }
}

/** Counter increases between two readings (only the counters that changed, plus the datagram counts). */
export function udpDelta(before: UdpCounters | undefined, after: UdpCounters | undefined): UdpCounters | undefined {
  if (!before || !after) return undefined;
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, value]): [string, number] => [name, value - (before[name] ?? 0)])
      .filter(([name, delta]) => delta !== 0 || name === 'InDatagrams' || name === 'RcvbufErrors'),
  );
}
