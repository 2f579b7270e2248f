/**
 * Whether `hostname` (a URL's, so IPv6 in brackets) is this machine's alone: `localhost`, IPv4's whole 127/8 and
 * IPv6's `::1`. Links built on it open each reader's own machine, so a page (`ShareOrigin`) and a headless peer
 * build the links they show from the server's network addresses instead (`lanOriginsIn`).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127\./.test(hostname) || hostname === '[::1]';
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
