/** An IPv6 address's trailing dotted IPv4 part (`::ffff:192.0.2.7`, `64:ff9b::192.0.2.1`). */
const DOTTED_TAIL = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The eight 16-bit groups of an IPv6 address (one `isIPv6` accepts), its `::` expanded, a dotted IPv4 tail read as the
 * two groups it stands for, and a zone (`%eth0`) left out: what the per-address limits key by (`addressKey`) and what a
 * STUN answer writes (`bindingSuccess`).
 */
export function ipv6Groups(address: string): number[] {
  const hexGroup = (high: string, low: string): string => ((Number(high) << 8) | Number(low)).toString(16);
  const bare = address
    .split('%', 1)[0]!
    .replace(DOTTED_TAIL, (_tail, a: string, b: string, c: string, d: string) => `${hexGroup(a, b)}:${hexGroup(c, d)}`);
  const [headText = '', tailText] = bare.split('::');
  const groupsOf = (text: string | undefined): number[] =>
    text ? text.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = groupsOf(headText);
  const tail = groupsOf(tailText);
  return [...head, ...Array<number>(Math.max(0, 8 - head.length - tail.length)).fill(0), ...tail];
}
