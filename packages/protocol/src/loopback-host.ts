/** An IPv4 address as a URL writes it (`new URL('http://127.1/').hostname` is `127.0.0.1`). */
const DOTTED_QUAD = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * IPv6 hosts that reach this machine, as a URL writes them: `::1`, the unspecified `::`, and 127/8 and 0.0.0.0 mapped
 * into IPv6 (`[::ffff:127.0.0.1]` is written `[::ffff:7f00:1]`).
 */
const LOOPBACK_IPV6 = /^\[(?:::1|::|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}|::ffff:0:0)\]$/;

/**
 * Whether `hostname` (a URL's, so IPv6 in brackets and IPv4 as a dotted quad) is this machine's alone: `localhost`
 * and its subdomains (a trailing dot too: `localhost.` is the same name, fully qualified), IPv4's whole 127/8 and
 * IPv6's `::1`, and the unspecified addresses `0.0.0.0` and `::`, which a browser on this machine opens as this
 * machine (a teacher who opened `http://0.0.0.0:8080/` handed the class links to it, found by review). Links built on
 * it open each reader's own machine, so a page (`ShareOrigin`) and a headless peer build the links they show from the
 * server's network addresses instead (`lanOriginsIn`). A name that only starts with 127 (`127.school.example`) is a
 * DNS name like any other.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (DOTTED_QUAD.test(host)) return host.startsWith('127.') || host === '0.0.0.0';
  if (host.startsWith('[')) return LOOPBACK_IPV6.test(host);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * The origins in the server's answer to `GET /lan-origins` (`{ origins: [...] }`, the network addresses other
 * machines reach it at), once each and only http(s) origins; none for anything else (an older server's page, a
 * proxy's error page).
 */
export function lanOriginsIn(body: unknown): string[] {
  const origins = typeof body === 'object' && body !== null ? (body as { origins?: unknown }).origins : undefined;
  // Once each: an address on two interfaces would be listed twice (a duplicate key in the page's list).
  return Array.isArray(origins) ? [...new Set(origins.filter(isHttpOrigin))] : [];
}

function isHttpOrigin(origin: unknown): origin is string {
  if (typeof origin !== 'string') return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
  } catch {
    return false;
  }
}
