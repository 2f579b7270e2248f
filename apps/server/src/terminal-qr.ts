import { isLoopbackHost } from '@swarmlab/protocol';
import { renderUnicodeCompact } from 'uqr';

/**
 * The first URL another device can open: not this machine's loopback (all of 127/8 and `::1`), nor one no browser
 * opens (an IPv6 address with its interface, `fe80::1%eth0`: `--host` such an address threw here, after the server
 * was listening, found by review).
 */
export function lanUrlOf(urls: readonly string[]): string | undefined {
  return urls.find((url) => {
    try {
      return !isLoopbackHost(new URL(url).hostname);
    } catch {
      return false;
    }
  });
}

/**
 * A QR code of `url` for a terminal, in Unicode half blocks (two modules a character), with a quiet zone of
 * two modules: students point their phones at the teacher's terminal instead of typing the address. Drawn
 * with light modules as blocks, for the usual dark terminal (`uqr`'s `renderUnicodeCompact`).
 */
export function terminalQr(url: string): string {
  return renderUnicodeCompact(url, { border: 2 });
}
