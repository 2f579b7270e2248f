/**
 * Text from the swarm (a peer's id in a handshake, a server's message) as a terminal line may carry it: its
 * control and format characters (escape sequences, carriage returns, bidirectional overrides) each become
 * U+FFFD. A classmate's peer must not be able to clear the teacher's terminal or fake its lines.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, '\uFFFD');
}
