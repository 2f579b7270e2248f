import { networkInterfaces } from 'node:os';

export type NetworkInterfaces = ReturnType<typeof networkInterfaces>;

/** Every non-internal IPv4 address of this machine: where classmates on the LAN can reach it. */
export function lanIpv4Addresses(interfaces: NetworkInterfaces = networkInterfaces()): string[] {
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((address) => address.family === 'IPv4' && !address.internal)
    .map((address) => address.address);
  // Once each: one address on two interfaces (a bridge and its member, say) is one place to reach the server.
  return [...new Set(addresses)];
}

/** Hosts that listen on every interface (`0` is how Node and the system read `0.0.0.0` too). */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '0', '::', '::0', '']);

/**
 * The URLs to print for people to open: when listening on every interface, localhost (for this machine;
 * a secure context, so WebCrypto works) and each LAN address; otherwise the one host listened on.
 */
export function urlsToOpen(host: string, port: number, interfaces: NetworkInterfaces = networkInterfaces()): string[] {
  if (!WILDCARD_HOSTS.has(host)) return [`http://${host.includes(':') ? `[${host}]` : host}:${port}/`];
  return [`http://localhost:${port}/`, ...lanIpv4Addresses(interfaces).map((address) => `http://${address}:${port}/`)];
}

/** The origins other devices reach this server at: each LAN address, where it listens on every interface. */
export function lanOriginsOf(
  host: string,
  port: number,
  interfaces: NetworkInterfaces = networkInterfaces(),
): string[] {
  if (!WILDCARD_HOSTS.has(host)) return [];
  return lanIpv4Addresses(interfaces).map((address) => `http://${address}:${port}`);
}
