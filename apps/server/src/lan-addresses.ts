import { networkInterfaces } from 'node:os';

export type NetworkInterfaces = ReturnType<typeof networkInterfaces>;

/**
 * Interfaces a classmate's laptop is unlikely to reach this machine through: container and VM bridges (Docker,
 * libvirt, VirtualBox, Hyper-V/WSL) and VPN tunnels (WireGuard, Tailscale, ZeroTier, OpenVPN, macOS's utun).
 */
const VIRTUAL_INTERFACE =
  /^(docker|br-|veth|virbr|vboxnet|vmnet|vethernet|wsl|utun|tun|tap|wg|tailscale|zt|cni|flannel)/i;

/** 169.254/16: a link-local address, which a system gives itself when no DHCP server answered. */
const isLinkLocal = (address: string): boolean => address.startsWith('169.254.');

/** Home and school networks first (192.168/16, then 10/8, then 172.16/12), then any other (a campus's public range). */
function rangeRank(address: string): number {
  const [first, second] = address.split('.').map(Number) as [number, number];
  if (first === 192 && second === 168) return 0;
  if (first === 10) return 1;
  if (first === 172 && second >= 16 && second <= 31) return 2;
  return 3;
}

/**
 * Every non-internal IPv4 address of this machine: where classmates on the LAN can reach it, the likeliest first
 * (it is the one the terminal's QR code and a page opened at localhost offer). A teacher's laptop with Docker, WSL
 * or a VPN listed those first, and the QR code sent the class to a bridge nobody could reach (found by review):
 * addresses of physical interfaces come before those of virtual ones, link-local addresses last, and among the rest
 * private ranges in the order above; otherwise the system's order.
 */
export function lanIpv4Addresses(interfaces: NetworkInterfaces = networkInterfaces()): string[] {
  const addresses = Object.entries(interfaces).flatMap(([name, entries]) =>
    (entries ?? [])
      .filter((address) => address.family === 'IPv4' && !address.internal)
      .map((address) => ({ address: address.address, virtual: VIRTUAL_INTERFACE.test(name) })),
  );
  const rankOf = ({ address, virtual }: { address: string; virtual: boolean }): number =>
    (isLinkLocal(address) ? 8 : 0) + (virtual ? 4 : 0) + rangeRank(address);
  // Once each: one address on two interfaces (a bridge and its member, say) is one place to reach the server, ranked
  // by the better of the two. `sort` is stable: equal ranks keep the system's order.
  const best = new Map<string, number>();
  for (const entry of addresses) best.set(entry.address, Math.min(best.get(entry.address) ?? Infinity, rankOf(entry)));
  return [...best.keys()].sort((a, b) => best.get(a)! - best.get(b)!);
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
