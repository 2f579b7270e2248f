import { runsToCsv, runsToJson } from '../run-export';
import type { RunRecord } from '../run-record';
import { pageStorage } from './page-storage';

/** Where the runs live in the browser; versioned so a later format can start afresh. */
const STORAGE_KEY = 'swarmlab.runs.v1';
/** Runs kept: enough for a term of classes, small enough for localStorage (a few KB each). */
export const MAX_RUNS_KEPT_IN_BROWSER = 500;

/**
 * Every finished run this browser has seen, kept in `localStorage` so the distribution-time-vs-N chart
 * builds up over a lesson, and exported (see `run-export.ts`).
 */
export class RunHistory {
  #records = $state.raw<readonly RunRecord[]>([]);
  readonly #storage: Storage | undefined;

  constructor(storage: Storage | undefined = pageStorage('localStorage')) {
    this.#storage = storage;
    this.#records = load(storage);
  }

  /** Oldest first. */
  get records(): readonly RunRecord[] {
    return this.#records;
  }

  /** Keeps `record` unless a run with its id is already kept. */
  add(record: RunRecord): void {
    if (this.#records.some((kept) => kept.id === record.id)) return;
    const next = [...this.#records, record];
    this.#records = next.length > MAX_RUNS_KEPT_IN_BROWSER ? next.slice(-MAX_RUNS_KEPT_IN_BROWSER) : next;
    this.#save();
  }

  clear(): void {
    this.#records = [];
    this.#save();
  }

  toJson(): string {
    return runsToJson(this.#records);
  }

  toCsv(): string {
    return runsToCsv(this.#records);
  }

  #save(): void {
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(this.#records));
    } catch (error) {
      // Full or disabled storage: the runs stay on screen and exportable for this page's life.
      console.warn('swarmlab: could not keep the runs in localStorage', error);
    }
  }
}

/** The kept runs; anything unreadable (another version, a hand edit) is set aside, not trusted. */
function load(storage: Storage | undefined): RunRecord[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (item): item is RunRecord =>
        typeof item === 'object' &&
        item !== null &&
        typeof (item as RunRecord).id === 'string' &&
        typeof (item as RunRecord).distributionSec === 'number' &&
        typeof (item as RunRecord).leechers === 'number' &&
        Array.isArray((item as RunRecord).peers),
    );
  } catch {
    return [];
  }
}
