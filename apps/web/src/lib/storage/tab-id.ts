/** Where a tab keeps its id: `sessionStorage` is per tab and survives a reload, as the id must. */
const TAB_ID_KEY = 'swarmlab-tab-id';

/**
 * How long a tab waits for another tab of the browser to say it holds the same id. Tabs answer from their
 * message loop at once; a tenth of a second leaves a busy page room, and is paid once per page load.
 */
export const TAB_ID_ANSWER_MS = 150;

/** The name of the channel the tabs of one origin ask each other on. */
export const TAB_ID_CHANNEL = 'swarmlab-tab-ids';

/** `ask` carries a random `ticket`: of two tabs asking for one id at once, the lower ticket keeps it. */
type TabIdMessage = { readonly ask: string; readonly ticket: number } | { readonly mine: string };

/** The part of a `BroadcastChannel` the tabs use: every other tab of the origin gets what one posts. */
export interface TabChannel {
  postMessage(message: TabIdMessage): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/**
 * This tab's id for its stored chunks (#12): two tabs of one browser in one swarm keep separate stores, and a
 * reloaded tab finds its own. Random (64 bits), made once per tab and kept in `sessionStorage`. But the
 * browser's "Duplicate tab" copies `sessionStorage`, so a copy starts with its original's id, and would share
 * (and, leaving, delete) the original's chunks: before it takes the id, a tab asks the others on a
 * `BroadcastChannel` (which plain-http LAN pages have too) whether one holds it, and makes a new one if so.
 * A tab that took its id answers for it from then on; two tabs asking for the same id at once (a browser
 * restoring duplicated tabs together) settle it by their tickets. Pages claim their id as they load
 * (`id()`), so an original has long answered for its id when its copy asks. Without a storage that keeps the
 * id (none, or one that throws) a reload gets a new id, and its old store is cleaned up as stale; without a
 * channel the copy keeps its original's id, as before.
 */
export class TabIdentity {
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  readonly #channel: TabChannel | undefined;
  readonly #answerMs: number;
  #claimed: Promise<string> | undefined;
  #held: string | undefined;
  /** The id this tab is asking for, and its ticket, while it waits for answers. */
  #asking: { readonly id: string; readonly ticket: number; lost: boolean } | undefined;

  constructor(
    storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
    channel: TabChannel | undefined,
    answerMs = TAB_ID_ANSWER_MS,
  ) {
    this.#storage = storage;
    this.#channel = channel;
    this.#answerMs = answerMs;
    channel?.addEventListener('message', ({ data }) => {
      if (!isAsk(data)) return;
      if (this.#held !== undefined && data.ask === this.#held) channel.postMessage({ mine: this.#held });
      const asking = this.#asking;
      if (asking && data.ask === asking.id && data.ticket !== asking.ticket) {
        // Crossing asks for one id: the lower ticket keeps it, and says so; the other makes a new one.
        if (data.ticket < asking.ticket) asking.lost = true;
        else channel.postMessage({ mine: asking.id });
      }
    });
  }

  /** This tab's id, once no other tab of the browser holds it. */
  id(): Promise<string> {
    this.#claimed ??= this.#claim();
    return this.#claimed;
  }

  async #claim(): Promise<string> {
    let id = this.#read() ?? newTabId();
    if (await this.#heldElsewhere(id)) id = newTabId();
    this.#held = id;
    try {
      this.#storage?.setItem(TAB_ID_KEY, id);
    } catch {
      // Full or refused: the id lasts as long as the page.
    }
    return id;
  }

  #heldElsewhere(id: string): Promise<boolean> {
    const channel = this.#channel;
    if (!channel) return Promise.resolve(false);
    const asking = { id, ticket: Math.random(), lost: false };
    this.#asking = asking;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(asking.lost), this.#answerMs);
      channel.addEventListener('message', ({ data }) => {
        if (isMine(data) && data.mine === id) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      channel.postMessage({ ask: id, ticket: asking.ticket });
    }).finally(() => (this.#asking = undefined));
  }

  #read(): string | undefined {
    try {
      return this.#storage?.getItem(TAB_ID_KEY) ?? undefined;
    } catch {
      // Storage refused: a new id, as without one.
      return undefined;
    }
  }
}

/** The page's channel to the other tabs of its origin, where the browser has one. */
export function pageTabChannel(): TabChannel | undefined {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(TAB_ID_CHANNEL) : undefined;
}

function newTabId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const isAsk = (data: unknown): data is { ask: string; ticket: number } =>
  typeof data === 'object' &&
  data !== null &&
  typeof (data as { ask?: unknown }).ask === 'string' &&
  typeof (data as { ticket?: unknown }).ticket === 'number';
const isMine = (data: unknown): data is { mine: string } =>
  typeof data === 'object' && data !== null && typeof (data as { mine?: unknown }).mine === 'string';
