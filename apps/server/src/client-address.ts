import { isIP, isIPv6 } from 'node:net';
import { ipv6Groups } from './ipv6-groups';
import type { SignallingSocket } from './signalling-io';

/** What socket.io knows of a connecting client: its address, headers, query and `auth`. */
export type Handshake = SignallingSocket['handshake'];

/**
 * The network address a client's per-address limits count against; `handshake.address` (the TCP peer)
 * by default. Behind a reverse proxy every client has the proxy's address: read the forwarded header
 * that proxy sets (`lastForwardedAddress`, and only then, or any client could claim any address), or
 * raise the limits.
 */
export type ClientAddress = (handshake: Handshake) => string;

export const peerAddress: ClientAddress = (handshake) => handshake.address;

/**
 * The address a reverse proxy took the connection from (`--trust-proxy`): the last entry of `X-Forwarded-For`,
 * which the proxy appends (nginx's `$proxy_add_x_forwarded_for`) after whatever the client wrote there itself, so
 * the client cannot choose it. Without the header, or when its last entry is no IP address (a proxy that does not
 * append it, a header cut short), the TCP peer's: the proxy's own, shared, the safe side of every limit. Behind a
 * proxy only: a client reaching the server directly writes the header itself. Before it, every client behind a
 * proxy counted as the proxy, and a class's 49th tab was refused a seat in its swarm (found by review).
 */
export const lastForwardedAddress: ClientAddress = (handshake) => {
  const header: string | string[] | undefined = handshake.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  return ipOf(entries.at(-1)!.trim()) ?? handshake.address;
};

/**
 * The IP address an `X-Forwarded-For` entry names, without the port some proxies add (`192.0.2.7:41234`,
 * `[2001:db8::7]:41234`), or undefined (a name, `unknown`, junk).
 */
function ipOf(entry: string): string | undefined {
  const address =
    /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry)?.[1] ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry)?.[1] ?? entry;
  return isIP(address) === 0 ? undefined : address;
}

/**
 * The key per-address limits count by. An IPv4 address as it is, and as such when IPv6-mapped (`::ffff:0:0/96`),
 * dotted or in hex (`::ffff:203.0.113.9`, `::ffff:cb00:7109`, as a dual-stack server or a proxy writes it); an IPv6
 * address as its /64 network, the block one subscriber is usually given, so that a client cannot escape the limits by
 * cycling through its own addresses. Anything else (a name a test or a proxy header gives) as it is. The mapped form
 * in hex was keyed `0:0:0:0::/64`, shared with `::1` and every address that starts with `::` (found by review).
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff)
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
