import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The suites run where only loopback is up (`scripts/in-private-netns.mjs`, which `test:unit` and `test:e2e` go
 * through). Under CI the script makes that namespace or fails; this suite checks it is in one: the script ran the
 * suites on the host's network, exit 0, whenever it was not root (found by review).
 */
describe('the network this suite runs in', () => {
  it('is loopback alone under CI', () => {
    // Not Linux: no namespace, and the suites run as they are (with a note), never under CI.
    if (!existsSync('/proc/net/dev')) return void expect(process.env['CI']).toBeUndefined();
    // Its namespace's interfaces (`/sys/class/net` shows the host's in a namespace made without a new sysfs).
    const interfaces = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .flatMap((line) => (line.includes(':') ? [line.split(':')[0]!.trim()] : []));
    if (process.env['CI']) expect(interfaces).toEqual(['lo']);
    else expect(interfaces).toContain('lo');
  });
});
