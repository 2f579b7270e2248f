import { isLoopbackHost, lanOriginsIn } from '@swarmlab/protocol';
import { pageStorage } from './page-storage';

/**
 * Where the network address picked is kept, in `localStorage`: the page origin's own (`http://localhost:8080` and
 * `http://127.0.0.1:8080` keep theirs apart), shared by its tabs. The network the class is on is the machine's, not a
 * tab's: the control page, the projector and the seeder's tab, each opened or reloaded, build their links from it.
 */
export const PICKED_ORIGIN_KEY = 'swarmlab:share-origin';

/** Where the page's server says other devices reach it (`GET /lan-origins`); empty when it knows none. */
export type FetchLanOrigins = () => Promise<readonly string[]>;

/**
 * The origin share links, control links and QR codes are built from. The page's own, unless it was opened at
 * a loopback address (`localhost`, `127.x.x.x`, `[::1]`, which the server prints first): other devices cannot
 * reach that, and a student scanning the projector's QR code would open their own machine. Then it is one of
 * the machine's network addresses as the server knows them (the first, or the one the user picked), if any. The pick
 * is kept (`PICKED_ORIGIN_KEY`): a teacher whose laptop has Ethernet and Wi-Fi picked Wi-Fi, reloaded the seeder's tab,
 * and its QR code went back to the first address without a word (found by review).
 */
export class ShareOrigin {
  readonly #pageOrigin: string;
  readonly loopback: boolean;
  #lanOrigins = $state.raw<readonly string[]>([]);
  #picked = $state<string | undefined>();
  /** Whether the server's answer came (or none will: not loopback). */
  #known = $state(false);

  /** Where the pick is kept; none where the browser refuses storage (it is then forgotten with the page). */
  readonly #storage: Storage | undefined;

  constructor(
    location: Pick<Location, 'origin' | 'hostname'>,
    storage: Storage | undefined = pageStorage('localStorage'),
  ) {
    this.#pageOrigin = location.origin;
    this.#storage = storage;
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
    // Only while the machine still has it: an address of a network left since (another room's Wi-Fi) reaches nobody.
    const kept = this.#kept();
    if (this.#picked === undefined && kept !== undefined && this.#lanOrigins.includes(kept)) this.#picked = kept;
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
    if (!this.#lanOrigins.includes(origin)) return;
    this.#picked = origin;
    try {
      this.#storage?.setItem(PICKED_ORIGIN_KEY, origin);
    } catch {
      // Refused (private mode, a full storage): this page still builds its links from it.
    }
  }

  /**
   * Follows the picks of the origin's other open tabs (`storage` events of `target`, the window) until the returned
   * function is called: the teacher picked the Wi-Fi address on the seeder's tab, and the projector's overview, open
   * beside it, kept showing a QR code of the other address until it was reloaded (found by review). A pick of an address
   * this page's list lacks (the laptop joined the Wi-Fi after the page loaded) asks the server again; one the server does
   * not list either is left alone. A page not at a loopback address builds its links from its own origin, and picks none.
   */
  follow(
    target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>,
    fetchLanOrigins: FetchLanOrigins = serverLanOrigins,
  ): () => void {
    const changed = (event: Event): void => {
      const { key, newValue } = event as StorageEvent;
      if (key !== PICKED_ORIGIN_KEY || newValue === null || !this.loopback) return;
      if (this.#lanOrigins.includes(newValue)) {
        this.#picked = newValue;
        return;
      }
      void (async () => {
        try {
          this.#lanOrigins = lanOriginsIn({ origins: await fetchLanOrigins() });
        } catch {
          return; // No answer: the links stay as they are.
        }
        // Only if it is still the latest pick: one made meanwhile (known, or asked for since) stands (found by review).
        if (this.#kept() !== newValue) return;
        if (this.#lanOrigins.includes(newValue)) this.#picked = newValue;
        // The address picked before may be gone with the network it was on.
        else if (this.#picked !== undefined && !this.#lanOrigins.includes(this.#picked)) this.#picked = undefined;
      })();
    };
    target.addEventListener('storage', changed);
    return () => target.removeEventListener('storage', changed);
  }

  /** The address picked on an earlier page of the origin, if the storage holds one and lets it be read. */
  #kept(): string | undefined {
    try {
      return this.#storage?.getItem(PICKED_ORIGIN_KEY) ?? undefined;
    } catch {
      return undefined;
    }
  }
}

async function serverLanOrigins(): Promise<readonly string[]> {
  const response = await fetch('/lan-origins', { cache: 'no-store' });
  return lanOriginsIn(await response.json());
}
