import { isLoopbackHost, lanOriginsIn } from '@swarmlab/protocol';

/** Where the page's server says other devices reach it (`GET /lan-origins`); empty when it knows none. */
export type FetchLanOrigins = () => Promise<readonly string[]>;

/**
 * The origin share links, control links and QR codes are built from. The page's own, unless it was opened at
 * a loopback address (`localhost`, `127.x.x.x`, `[::1]`, which the server prints first): other devices cannot
 * reach that, and a student scanning the projector's QR code would open their own machine. Then it is one of
 * the machine's network addresses as the server knows them (the first, or the one the user picked), if any.
 */
export class ShareOrigin {
  readonly #pageOrigin: string;
  readonly loopback: boolean;
  #lanOrigins = $state.raw<readonly string[]>([]);
  #picked = $state<string | undefined>();
  /** Whether the server's answer came (or none will: not loopback). */
  #known = $state(false);

  constructor(location: Pick<Location, 'origin' | 'hostname'>) {
    this.#pageOrigin = location.origin;
    this.loopback = isLoopbackHost(location.hostname);
    this.#known = !this.loopback;
  }

  /** Asks the server for the network addresses, when the page is at a loopback address. */
  async load(fetchLanOrigins: FetchLanOrigins = serverLanOrigins): Promise<void> {
    if (!this.loopback) return;
    try {
      // Checked again: a test's or a caller's list is held to the server's rules.
      this.#lanOrigins = lanOriginsIn({ origins: await fetchLanOrigins() });
    } catch {
      // No answer: the page's own origin, and the note says other devices cannot use it.
    }
    this.#known = true;
  }

  get origin(): string {
    return this.#picked ?? this.#lanOrigins[0] ?? this.#pageOrigin;
  }

  /** The network addresses to pick from (several networks, say Wi-Fi and a virtual machine's). */
  get lanOrigins(): readonly string[] {
    return this.#lanOrigins;
  }

  /** Whether links are built from an origin other devices may not reach: loopback, with no network address known. */
  get unreachable(): boolean {
    return this.loopback && this.#known && this.#lanOrigins.length === 0;
  }

  pick(origin: string): void {
    if (this.#lanOrigins.includes(origin)) this.#picked = origin;
  }
}

async function serverLanOrigins(): Promise<readonly string[]> {
  const response = await fetch('/lan-origins', { cache: 'no-store' });
  return lanOriginsIn(await response.json());
}
