import { controlSecretSchema } from '@swarmlab/protocol';

const KEY_PREFIX = 'swarmlab.control.';

/**
 * The control secrets this tab holds, by swarm id: in memory, and in `sessionStorage` so that a reload
 * keeps control. Session storage, not local storage: it belongs to this tab alone (other tabs of the
 * browser, such as a student's on the teacher's laptop or a benchmark's leechers in one window, do not
 * get it) and goes with the tab. A storage that throws (private mode, quota) only loses the reload.
 */
export class ControlSecrets {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  readonly #held = new Map<string, string>();

  constructor(storage?: Pick<Storage, 'getItem' | 'setItem'>) {
    this.#storage = storage;
  }

  /** The secret of `swarmId`, if this tab holds a well-formed one. */
  get(swarmId: string): string | undefined {
    const secret = this.#held.get(swarmId) ?? this.#read(swarmId);
    return secret !== undefined && controlSecretSchema.safeParse(secret).success ? secret : undefined;
  }

  keep(swarmId: string, secret: string): void {
    this.#held.set(swarmId, secret);
    try {
      this.#storage?.setItem(KEY_PREFIX + swarmId, secret);
    } catch {
      // Kept in memory: control lasts until the page reloads.
    }
  }

  #read(swarmId: string): string | undefined {
    try {
      return this.#storage?.getItem(KEY_PREFIX + swarmId) ?? undefined;
    } catch {
      return undefined;
    }
  }
}
