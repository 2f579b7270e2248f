import { existsSync, readFileSync } from 'node:fs';

/** The network interfaces of this process's namespace (`/proc/net/dev`; `/sys/class/net` may show the host's). */
function interfaces(): string[] {
  return readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .flatMap((line) => (line.includes(':') ? [line.split(':')[0]!.trim()] : []));
}

/**
 * Playwright's global setup: under CI the e2e suite runs where only loopback is up (`scripts/in-private-netns.mjs`,
 * which `test:e2e` goes through), or not at all. Only the unit suite checked it, and a `test:e2e` changed to a plain
 * `playwright test` would have run the WebRTC tests on the host's network, green (found by review).
 */
export default function privateNetwork(): void {
  if (!process.env['CI'] || !existsSync('/proc/net/dev')) return;
  const found = interfaces();
  if (found.length !== 1 || found[0] !== 'lo')
    throw new Error(
      `the e2e suite runs in a loopback-only network namespace under CI (node scripts/in-private-netns.mjs playwright test); this one has ${found.join(', ')}`,
    );
}
