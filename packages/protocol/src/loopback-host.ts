/**
 * Whether `hostname` (a URL's, so IPv6 in brackets) is this machine's alone: `localhost`, IPv4's whole 127/8 and
 * IPv6's `::1`. Links built on it open each reader's own machine, so a page (`ShareOrigin`) and a headless peer
 * build the links they show from the server's network addresses instead.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || /^127\./.test(hostname) || hostname === '[::1]';
}
