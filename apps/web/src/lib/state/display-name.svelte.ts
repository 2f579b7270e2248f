import { displayNameSchema, type DisplayName } from '@swarmlab/protocol';

const KEY = 'swarmlab.displayName';

/**
 * The name this tab's user chose, kept in the tab's `sessionStorage` so a reload keeps it: the tab's, not
 * the browser's, so the many tabs of a lab on one machine do not all take one name. A storage that throws
 * (private mode) keeps it in memory only; a stored value that is no longer a valid name is ignored.
 */
export class DisplayNameSetting {
  #name = $state<DisplayName | undefined>();
  readonly #storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined;

  constructor(storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>) {
    this.#storage = storage;
    let stored: string | null | undefined;
    try {
      stored = storage?.getItem(KEY);
    } catch {
      stored = undefined;
    }
    const parsed = displayNameSchema.safeParse(stored);
    this.#name = parsed.success ? parsed.data : undefined;
  }

  get name(): DisplayName | undefined {
    return this.#name;
  }

  /**
   * Sends `name` (already parsed; undefined: back to the default) with `send`, which resolves to a sentence for
   * the user when the server refused it, and keeps it only if it did not: a refused name stayed this tab's
   * (and was sent again on its next swarm) while every other screen showed the old one.
   */
  async save(
    name: DisplayName | undefined,
    send: (name: DisplayName | undefined) => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const refused = await send(name);
    if (refused === undefined) this.set(name);
    return refused;
  }

  /** Keeps `name` (already parsed), or forgets it with undefined. */
  set(name: DisplayName | undefined): void {
    this.#name = name;
    try {
      if (name === undefined) this.#storage?.removeItem(KEY);
      else this.#storage?.setItem(KEY, name);
    } catch {
      // Kept in memory: the name lasts until the page reloads.
    }
  }
}
