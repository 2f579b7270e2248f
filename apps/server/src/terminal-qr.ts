import { renderUnicodeCompact } from 'uqr';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The first URL another device can open: not this machine's loopback. */
export function lanUrlOf(urls: readonly string[]): string | undefined {
  return urls.find((url) => !LOOPBACK_HOSTS.has(new URL(url).hostname));
}

/**
 * A QR code of `url` for a terminal, in Unicode half blocks (two modules a character), with a quiet zone of
 * two modules: students point their phones at the teacher's terminal instead of typing the address. Drawn
 * with light modules as blocks, for the usual dark terminal (`uqr`'s `renderUnicodeCompact`).
 */
export function terminalQr(url: string): string {
  return renderUnicodeCompact(url, { border: 2 });
}
