import { networkInterfaces } from 'node:os';

export type NetworkInterfaces = ReturnType<typeof networkInterfaces>;

/**
 * Interfaces a classmate's laptop is unlikely to reach this machine through, by name: container and VM bridges
 * (Docker, Podman, LXD, libvirt, VirtualBox, VMware, Hyper-V/WSL, macOS's `bridge100` of UTM, Parallels and
 * Multipass) and VPN tunnels (WireGuard, Tailscale, ZeroTier, OpenVPN, macOS's `utun`), as Linux, macOS and Windows
 * name them ("VirtualBox Host-Only Network", "VMware Network Adapter VMnet8", "vEthernet (WSL)").
 */
const VIRTUAL_INTERFACE_NAME =
  /^(docker|br-|veth|virbr|vboxnet|vmnet|utun|tun|tap|wg|tailscale|zt|cni|flannel|lxdbr|lxcbr|podman|mpqemubr|bridge1\d\d)|virtualbox|vmware|vethernet|hyper-v|wsl|zerotier|wireguard|openvpn|tap-windows|parallels/i;

/** MAC address prefixes of virtual adapters: VirtualBox's host-only (0a:00:27, 08:00:27), VMware's, Docker's. */
const VIRTUAL_MAC_PREFIXES = ['0a:00:27', '08:00:27', '00:50:56', '00:0c:29', '00:05:69', '00:1c:14', '02:42:'];

/** 169.254/16: a link-local address, which a system gives itself when no DHCP server answered. */
const isLinkLocal = (address: string): boolean => address.startsWith('169.254.');

/**
 * Every non-internal IPv4 address of this machine: where classmates on the LAN can reach it, the likeliest first
 * (it is the one the terminal's QR code and a page opened at localhost offer). A teacher's laptop with Docker, WSL, a
 * VM or a VPN may list those first, and the QR code sent the class to a bridge nobody could reach (found by review):
 * addresses of physical interfaces come before those of virtual ones (by name, or by the MAC prefix of a virtual
 * adapter), link-local addresses last; otherwise the system's order (a school's network may be 10/8 or 172.16/12
 * as well as a VM's 192.168).
 */
export function lanIpv4Addresses(interfaces: NetworkInterfaces = networkInterfaces()): string[] {
  const addresses = Object.entries(interfaces).flatMap(([name, entries]) =>
    (entries ?? [])
      .filter((address) => address.family === 'IPv4' && !address.internal)
      .map((address) => ({
        address: address.address,
        virtual:
          VIRTUAL_INTERFACE_NAME.test(name) ||
          VIRTUAL_MAC_PREFIXES.some((prefix) => address.mac.toLowerCase().startsWith(prefix)),
      })),
  );
  const rankOf = ({ address, virtual }: { address: string; virtual: boolean }): number =>
    (isLinkLocal(address) ? 2 : 0) + (virtual ? 1 : 0);
  // Once each: one address on two interfaces (a bridge and its member, say) is one place to reach the server, ranked
  // by the better of the two. `sort` is stable: equal ranks keep the system's order.
  const best = new Map<string, number>();
  for (const entry of addresses) best.set(entry.address, Math.min(best.get(entry.address) ?? Infinity, rankOf(entry)));
  return [...best.keys()].sort((a, b) => best.get(a)! - best.get(b)!);
}

/** Hosts that listen on every interface (`0` is how Node and the system read `0.0.0.0` too). */
export const WILDCARD_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '0', '::', '::0', '']);

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
