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
