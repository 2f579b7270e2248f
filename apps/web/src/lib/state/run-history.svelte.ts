import { runsToCsv, runsToJson } from '../run-export';
import type { RunRecord } from '../run-record';
import { runRecordOf } from '../run-record-schema';
import { pageStorage } from './page-storage';

/** Where the runs live in the browser (`localStorage`); versioned so a later format can start afresh. */
export const STORAGE_KEY = 'swarmlab.runs.v1';
/** Runs kept: enough for a term of classes, small enough for localStorage (a few KB each). */
export const MAX_RUNS_KEPT_IN_BROWSER = 500;
/**
 * The ids of runs "Forget all runs" forgot: a swarm broadcasts its latest run until the next starts, and every page
 * following it (this one, another tab of the browser) kept it again within a quarter of a second (found by review).
 */
export const FORGOTTEN_KEY = 'swarmlab.runs.forgotten.v1';

/**
 * Every finished run this browser has seen, kept in `localStorage` so the distribution-time-vs-N chart
 * builds up over a lesson, and exported (see `run-export.ts`).
 */
export class RunHistory {
  #records = $state.raw<readonly RunRecord[]>([]);
  readonly #storage: Storage | undefined;
  /** The storage refused the latest write: what this page shows holds runs the storage lacks. */
  #unsaved = $state(false);
  /** Runs dropped, oldest first, to make room for newer ones in a full storage. */
  #droppedForRoom = $state(0);
  /** Ids of the runs forgotten (`clear`), here or in another tab: never kept again. */
  #forgotten: ReadonlySet<string>;
  /**
   * What the storage held of the runs when this page last read or wrote them (`#records` is what it reads as; null:
   * nothing; undefined: not known), so a `storage` event that changes nothing parses nothing.
   */
  #storedText: string | null | undefined;

  constructor(storage: Storage | undefined = pageStorage('localStorage')) {
    this.#storage = storage;
    this.#records = this.#load();
    this.#forgotten = loadForgotten(storage);
  }

  /** Oldest first. */
  get records(): readonly RunRecord[] {
    return this.#records;
  }

  /**
   * Whether the browser keeps these runs past this page: false with site data blocked (a managed school machine) or
   * a storage that refused the last write, where they last as long as the page and the panel says so (it said
   * "kept in this browser" all the same; found by review).
   */
  get keptInBrowser(): boolean {
    return this.#storage !== undefined && !this.#unsaved;
  }

  /** How many of the oldest runs were dropped to make room for newer ones (the browser's storage was full). */
  get droppedForRoom(): number {
    return this.#droppedForRoom;
  }

  /**
   * Keeps `record` unless a run with its id is already kept. Added to what the storage holds now, not to
   * what this page read earlier: another tab of the browser (the seeder's beside the overview) may have kept
   * runs, or forgotten them all, meanwhile, and writing this page's older list back would undo that.
   */
  add(record: RunRecord): void {
    // Kept already (every broadcast of the swarm carries its latest run until the next starts, four a second):
    // nothing to read, parse or redraw.
    if (this.#records.some((run) => run.id === record.id) || this.#forgotten.has(record.id)) return;
    // Forgotten in another tab since this page last looked (a storage event may not have come yet).
    this.#forgotten = loadForgotten(this.#storage, this.#forgotten);
    if (this.#forgotten.has(record.id)) return;
    const kept = this.#storage && !this.#unsaved ? this.#load() : this.#records;
    if (kept.some((run) => run.id === record.id)) {
      this.#records = kept;
      return;
    }
    const next = [...kept, record];
    this.#records = next.length > MAX_RUNS_KEPT_IN_BROWSER ? next.slice(-MAX_RUNS_KEPT_IN_BROWSER) : next;
    this.#save();
  }

  /** Forgets every run kept, and keeps them forgotten: the latest run each swarm still broadcasts is not kept again. */
  clear(): void {
    const ids = [...loadForgotten(this.#storage, this.#forgotten), ...this.#records.map((run) => run.id)];
    if (this.#storage && !this.#unsaved) ids.push(...load(this.#storage).map((run) => run.id));
    // The latest forgotten: a swarm rebroadcasts only its latest run, and a page only follows a few. Plain bookkeeping,
    // never rendered.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.#forgotten = new Set([...new Set(ids)].slice(-MAX_RUNS_KEPT_IN_BROWSER));
    // The runs go first: in a full storage (when a teacher forgets them) the list of those forgotten did not fit
    // beside them, and the next page kept the swarm's latest run again (found by review).
    this.#records = [];
    this.#droppedForRoom = 0;
    this.#save(false);
    try {
      this.#storage?.setItem(FORGOTTEN_KEY, JSON.stringify([...this.#forgotten]));
    } catch {
      // Refused: this page still keeps them forgotten.
    }
  }

  /**
   * Redraws the kept runs whenever another tab of the same origin changes them (the browser fires `storage` in every
   * other tab of the origin, and each origin has a history of its own): an overview beside the seeder's tab at the
   * same address shows a run the moment either keeps it, and a "Forget all" in one empties the other. Not across
   * origins: a teacher's tab at `http://localhost:8080` opens its control and overview links at the machine's network
   * address (`ShareOrigin`), another origin, whose history and "Forget all" are apart. Returns the unsubscription.
   */
  follow(target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>): () => void {
    const changed = (event: Event): void => {
      const { key, newValue } = event as StorageEvent;
      // What this page holds already (it read another tab's write as it came to keep the same run, before the event):
      // nothing to parse, where a full history took 56 ms, in every tab at every run's end, hidden ones too (found by
      // review). `records` stays the same array: nothing redraws.
      const unchanged = key === STORAGE_KEY && newValue !== undefined && newValue === this.#storedText;
      // A null key: the other tab cleared the whole storage.
      if ((key === STORAGE_KEY || key === null) && !unchanged && !this.#unsaved) this.#records = this.#load();
      if (key === FORGOTTEN_KEY || key === null) this.#forgotten = loadForgotten(this.#storage, this.#forgotten);
    };
    target.addEventListener('storage', changed);
    return () => target.removeEventListener('storage', changed);
  }

  toJson(): string {
    return runsToJson(this.#records);
  }

  toCsv(): string {
    return runsToCsv(this.#records);
  }

  /** The runs the storage holds, as `load` reads them, remembering the text it read them from. */
  #load(): RunRecord[] {
    this.#storedText = storedText(this.#storage);
    return load(this.#storage, this.#storedText);
  }

  /**
   * Writes the kept runs, and, unless `keepUnreadable` is false ("Forget all"), the stored runs this page cannot read:
   * another version's, which its tab beside this one still shows (written back without them, they were erased at
   * this page's next run, found by review).
   */
  #save(keepUnreadable = true): void {
    const records = this.#records;
    let unreadable = keepUnreadable ? unreadableIn(this.#storage) : [];
    const write = (count: number): unknown => {
      try {
        const text = JSON.stringify([...unreadable, ...records.slice(records.length - count)]);
        this.#storage?.setItem(STORAGE_KEY, text);
        if (this.#storage) this.#storedText = text;
        return undefined;
      } catch (error) {
        return error;
      }
    };
    let refused = write(records.length);
    if (refused === undefined) return void (this.#unsaved = false);
    // Full: what this page cannot read goes first (kept whole, it left no room for this lesson's runs, found by review).
    if (isQuotaExceeded(refused) && unreadable.length > 0) {
      unreadable = [];
      refused = write(records.length);
      if (refused === undefined) return void (this.#unsaved = false);
    }
    // A full storage (a large class's runs are 10 KB or more each, against 5 M characters per origin) keeps the
    // newest runs that fit, found by halving (a few writes, not one per run): this lesson's runs are the ones
    // to keep.
    let fits = 0;
    let fails = records.length;
    while (isQuotaExceeded(refused) && fails - fits > 1) {
      const count = Math.floor((fits + fails) / 2);
      if (write(count) === undefined) fits = count;
      else fails = count;
    }
    if (fits === 0) {
      this.#unsaved = true;
      // Disabled storage, or not even one run fits: the runs stay on screen and exportable for this page's life.
      console.warn('swarmlab: could not keep the runs in localStorage', refused);
      return;
    }
    // The storage holds the last write that went through, of `fits` runs (a write refused changes nothing).
    this.#unsaved = false;
    this.#droppedForRoom += records.length - fits;
    console.warn(`swarmlab: the browser's storage is full: dropped the ${records.length - fits} oldest runs`);
    this.#records = records.slice(records.length - fits);
  }
}

/** The storage is full (each browser names it its own way; a DOMException's code 22 in most). */
function isQuotaExceeded(error: unknown): boolean {
  return (
    error instanceof DOMException &&
    (error.name === 'QuotaExceededError' || error.name === 'NS_ERROR_DOM_QUOTA_REACHED' || error.code === 22)
  );
}

/** The ids of the runs forgotten, with `also` (what this page knows of); an unreadable list counts as none. */
function loadForgotten(storage: Storage | undefined, also: ReadonlySet<string> = new Set()): ReadonlySet<string> {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(FORGOTTEN_KEY) ?? '[]');
    const stored = Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
    return stored.length === 0 ? also : new Set([...also, ...stored]);
  } catch {
    return also;
  }
}

/** What the storage holds that `load` sets aside: kept as it is, never shown. */
function unreadableIn(storage: Storage | undefined): unknown[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item) => runRecordOf(item) === undefined) : [];
  } catch {
    return [];
  }
}

/** What the storage holds of the runs (null: nothing), or undefined if it cannot be read. */
function storedText(storage: Storage | undefined): string | null | undefined {
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return undefined;
  }
}

/** The kept runs (in `text`, else read); anything unreadable (another version, a hand edit) is set aside, not trusted. */
function load(storage: Storage | undefined, text = storedText(storage)): RunRecord[] {
  try {
    const parsed: unknown = JSON.parse(text ?? '[]');
    if (!Array.isArray(parsed)) return [];
    // Record by record, its peers too (`runRecordSchema`): one damaged run is set aside, not the others.
    return parsed.flatMap((item) => runRecordOf(item) ?? []);
  } catch {
    return [];
  }
}
