import { describe, expect, it, vi } from 'vitest';
import { recordOfRun, type RunRecord } from '../src/lib/run-record';
import { MAX_RUNS_KEPT_IN_BROWSER, RunHistory, STORAGE_KEY } from '../src/lib/state/run-history.svelte';
import { manifest, memoryStorage, runState, SWARM_A, swarmProgress } from './fakes';

function record(runNumber: number): RunRecord {
  const progress = swarmProgress(SWARM_A, runState(runNumber, 'finished'));
  return recordOfRun(SWARM_A, manifest, progress.run!, progress)!;
}

describe('RunHistory', () => {
  it('sets a damaged run aside, its peers checked too, and exports the others', () => {
    const storage = memoryStorage();
    const damaged = { ...record(1), peers: [{ ...record(1).peers[0], peerId: undefined }] };
    // 5e9 leechers (a hand edit): the history's chart threw on every page showing it.
    const impossible = { ...record(5), leechers: 5e9 };
    storage.setItem(STORAGE_KEY, JSON.stringify([damaged, record(2), { ...record(3), fileBytes: 'many' }, impossible]));
    const history = new RunHistory(storage);
    expect(history.records.map((kept) => kept.runNumber)).toEqual([2]);
    // Before, the damaged peer was kept, and the CSV export of every run threw on it.
    expect(history.toCsv().trim().split('\n')).toHaveLength(1 + 3);
    // Set aside, not erased: another version's tab beside this one may read it. "Forget all" erases it.
    history.add(record(4));
    const stored = (): unknown[] => JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]') as unknown[];
    expect(stored()).toHaveLength(5);
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([2, 4]);
    history.clear();
    expect(stored()).toEqual([]);
  });

  it('reads back a run whose leechers left past 10,000 times (a long churny run): it was shown, then lost at the next load', () => {
    const storage = memoryStorage();
    const progress = swarmProgress(SWARM_A, { ...runState(6, 'finished'), abandonedLeechers: 12_000 });
    const churny = recordOfRun(SWARM_A, manifest, progress.run!, progress)!;
    new RunHistory(storage).add(churny);
    expect(new RunHistory(storage).records.map((kept) => [kept.runNumber, kept.abandonedLeechers])).toEqual([
      [6, 12_000],
    ]);
  });

  it('gives up what it cannot read first when the storage is full', () => {
    const storage = memoryStorage();
    const unreadable = Array.from({ length: 20 }, (_, index) => ({ id: `old#${index}`, padding: 'x'.repeat(1000) }));
    storage.setItem(STORAGE_KEY, JSON.stringify(unreadable));
    // Room for about what is stored now: another run does not fit beside it.
    const setItem = storage.setItem.bind(storage);
    storage.setItem = (key: string, value: string) => {
      if (value.length > 21_000) throw new DOMException('full', 'QuotaExceededError');
      setItem(key, value);
    };
    const history = new RunHistory(storage);
    history.add(record(1));
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([1]);
    expect(history.keptInBrowser).toBe(true);
  });

  it('reads back every run it keeps, whatever its phase and fields', () => {
    const storage = memoryStorage();
    const history = new RunHistory(storage);
    const stopped = { ...record(2), phase: 'stopped' as const, distributionSec: null, ratio: null };
    history.add(record(1));
    history.add(stopped);
    expect(new RunHistory(storage).records).toEqual([record(1), stopped]);
  });

  it('keeps each run once, in the browser storage, for the next page', () => {
    const storage = memoryStorage();
    const history = new RunHistory(storage);
    history.add(record(1));
    history.add(record(2));
    history.add(record(1));
    expect(history.records.map((kept) => kept.runNumber)).toEqual([1, 2]);
    expect(new RunHistory(storage).records).toEqual(history.records);
    expect(JSON.parse(history.toJson())).toHaveLength(2);
    // One CSV row per peer of each run (three peers each), after the header.
    expect(history.toCsv().trim().split('\n')).toHaveLength(1 + 2 * 3);
  });

  it('shares the kept runs with the browser’s other tabs: neither undoes what the other kept or forgot', () => {
    const storage = memoryStorage();
    const seederTab = new RunHistory(storage);
    const overviewTab = new RunHistory(storage);
    seederTab.add(record(1));
    overviewTab.add(record(2));
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([1, 2]);
    overviewTab.clear();
    seederTab.add(record(3));
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([3]);
    expect(seederTab.records.map((kept) => kept.runNumber)).toEqual([3]);
  });

  it('keeps the runs it forgot forgotten, though the swarm broadcasts its latest run again, here or in another tab', () => {
    const storage = memoryStorage();
    const page = new EventTarget();
    const seederTab = new RunHistory(storage);
    const overviewTab = new RunHistory(storage);
    overviewTab.follow(page);
    seederTab.add(record(1));
    overviewTab.add(record(1));
    seederTab.clear();
    // Before, the next broadcast of the finished run (a quarter of a second on) kept it again, in either tab.
    seederTab.add(record(1));
    overviewTab.add(record(1));
    page.dispatchEvent(Object.assign(new Event('storage'), { key: STORAGE_KEY }));
    expect(seederTab.records).toEqual([]);
    expect(overviewTab.records).toEqual([]);
    expect(new RunHistory(storage).records).toEqual([]);
    // A page opened later, and the next run, as before.
    const later = new RunHistory(storage);
    later.add(record(1));
    later.add(record(2));
    overviewTab.add(record(2));
    expect(later.records.map((kept) => kept.runNumber)).toEqual([2]);
    expect(overviewTab.records.map((kept) => kept.runNumber)).toEqual([2]);
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([2]);
  });

  it('keeps them forgotten in a full storage too, where a teacher forgets them', () => {
    const inner = memoryStorage();
    // The origin's quota counts every key, as localStorage's does: room for three runs.
    const quota = JSON.stringify([record(1), record(2), record(3)]).length + 10;
    const usedWith = (key: string, value: string): number => {
      let used = value.length;
      for (let index = 0; index < inner.length; index++) {
        const other = inner.key(index)!;
        if (other !== key) used += inner.getItem(other)!.length;
      }
      return used;
    };
    const full: Storage = {
      get length() {
        return inner.length;
      },
      clear: () => inner.clear(),
      getItem: (key) => inner.getItem(key),
      key: (index) => inner.key(index),
      removeItem: (key) => inner.removeItem(key),
      setItem: (key, value) => {
        if (usedWith(key, value) > quota) throw new DOMException('full', 'QuotaExceededError');
        inner.setItem(key, value);
      },
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const history = new RunHistory(full);
      for (let runNumber = 1; runNumber <= 6; runNumber++) history.add(record(runNumber));
      expect(history.droppedForRoom).toBeGreaterThan(0);
      history.clear();
    } finally {
      warn.mockRestore();
    }
    // Before: the list of those forgotten did not fit beside the runs, and the next page kept run 6 again.
    const next = new RunHistory(full);
    next.add(record(6));
    expect(next.records).toEqual([]);
  });

  it('redraws what another tab kept or forgot, as the browser tells it (a storage event)', () => {
    const storage = memoryStorage();
    const page = new EventTarget();
    const overviewTab = new RunHistory(storage);
    const stop = overviewTab.follow(page);
    const storageChanged = (key: string | null): boolean =>
      page.dispatchEvent(Object.assign(new Event('storage'), { key }));
    new RunHistory(storage).add(record(1));
    expect(overviewTab.records).toEqual([]);
    storageChanged('swarmlab.runs.v1');
    expect(overviewTab.records.map((kept) => kept.runNumber)).toEqual([1]);
    new RunHistory(storage).clear();
    storageChanged('swarmlab.name');
    expect(overviewTab.records).toHaveLength(1);
    storageChanged(null);
    expect(overviewTab.records).toEqual([]);
    stop();
    new RunHistory(storage).add(record(2));
    storageChanged('swarmlab.runs.v1');
    expect(overviewTab.records).toEqual([]);
  });

  it('parses nothing for a storage event that brings what it holds already, and reloads for one that changes it', () => {
    const storage = memoryStorage();
    const page = new EventTarget();
    const overviewTab = new RunHistory(storage);
    overviewTab.follow(page);
    const storageChanged = (key: string | null, newValue: string | null): boolean =>
      page.dispatchEvent(Object.assign(new Event('storage'), { key, newValue }));
    // The seeder's tab keeps run 1; the overview, given run 1 by the swarm too, reads it from the storage before the
    // browser's event comes.
    new RunHistory(storage).add(record(1));
    overviewTab.add(record(1));
    const shown = overviewTab.records;
    expect(shown.map((kept) => kept.runNumber)).toEqual([1]);
    // Before, each event parsed the whole history again (56 ms for a full one) and redrew it.
    storageChanged(STORAGE_KEY, storage.getItem(STORAGE_KEY));
    expect(overviewTab.records).toBe(shown);
    // What it wrote itself, brought back.
    overviewTab.add(record(2));
    const written = overviewTab.records;
    storageChanged(STORAGE_KEY, storage.getItem(STORAGE_KEY));
    expect(overviewTab.records).toBe(written);
    // Another key's event: nothing to do with the runs.
    storageChanged('swarmlab.name', 'Ada');
    expect(overviewTab.records).toBe(written);
    // Another tab's change: read.
    new RunHistory(storage).add(record(3));
    storageChanged(STORAGE_KEY, storage.getItem(STORAGE_KEY));
    expect(overviewTab.records).not.toBe(written);
    expect(overviewTab.records.map((kept) => kept.runNumber)).toEqual([1, 2, 3]);
  });

  it(`keeps the latest ${MAX_RUNS_KEPT_IN_BROWSER} runs`, () => {
    // A browser that kept all but one already (each add writes them all: 500 adds here would take seconds).
    const storage = memoryStorage();
    const first = Array.from({ length: MAX_RUNS_KEPT_IN_BROWSER - 1 }, (_, index) => record(index + 1));
    storage.setItem(STORAGE_KEY, JSON.stringify(first));
    const history = new RunHistory(storage);
    expect(history.records).toHaveLength(MAX_RUNS_KEPT_IN_BROWSER - 1);
    for (let i = MAX_RUNS_KEPT_IN_BROWSER; i <= MAX_RUNS_KEPT_IN_BROWSER + 3; i++) history.add(record(i));
    expect(history.records).toHaveLength(MAX_RUNS_KEPT_IN_BROWSER);
    expect(history.records[0]!.runNumber).toBe(4);
    expect(new RunHistory(storage).records).toHaveLength(MAX_RUNS_KEPT_IN_BROWSER);
  });

  it('forgets every run, there and in the storage', () => {
    const storage = memoryStorage();
    const history = new RunHistory(storage);
    history.add(record(1));
    history.clear();
    expect(history.records).toEqual([]);
    expect(new RunHistory(storage).records).toEqual([]);
  });

  it('sets aside what it cannot read, and keeps runs on screen when the storage refuses them', () => {
    const storage = memoryStorage();
    storage.setItem('swarmlab.runs.v1', JSON.stringify([{ id: 'x' }, record(1), 'junk']));
    expect(new RunHistory(storage).records.map((kept) => kept.runNumber)).toEqual([1]);
    storage.setItem('swarmlab.runs.v1', '{not json');
    expect(new RunHistory(storage).records).toEqual([]);
    const full = {
      ...memoryStorage(),
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const history = new RunHistory(full);
    const warn = console.warn;
    console.warn = () => {};
    try {
      history.add(record(1));
    } finally {
      console.warn = warn;
    }
    expect(history.records).toHaveLength(1);
  });

  it('says whether the browser keeps the runs: not with site data blocked, nor once the storage refused them', () => {
    const kept = new RunHistory(memoryStorage());
    kept.add(record(1));
    expect(kept.keptInBrowser).toBe(true);
    // Site data blocked (a managed school machine): no storage at all. The panel said "kept in this browser".
    const blocked = new RunHistory(undefined);
    blocked.add(record(1));
    expect(blocked.records).toHaveLength(1);
    expect(blocked.keptInBrowser).toBe(false);
    // A storage that refuses every write, for a reason other than room.
    let refusing = true;
    const storage = memoryStorage();
    const setItem = storage.setItem.bind(storage);
    storage.setItem = (key: string, value: string) => {
      if (refusing) throw new DOMException('The operation is insecure.', 'SecurityError');
      setItem(key, value);
    };
    const refused = new RunHistory(storage);
    const warn = console.warn;
    console.warn = () => {};
    try {
      refused.add(record(1));
    } finally {
      console.warn = warn;
    }
    expect(refused.keptInBrowser).toBe(false);
    // Once a write goes through again, they are kept.
    refusing = false;
    refused.add(record(2));
    expect(refused.keptInBrowser).toBe(true);
    expect(new RunHistory(storage).records.map((run) => run.runNumber)).toEqual([1, 2]);
  });

  it('does not read the storage again for a run it keeps already', () => {
    const storage = memoryStorage();
    let reads = 0;
    const counting = { ...storage, getItem: (key: string) => (reads++, storage.getItem(key)) };
    const history = new RunHistory(counting);
    history.add(record(1));
    const [readsBefore, recordsBefore] = [reads, history.records];
    for (let i = 0; i < 10; i++) history.add(record(1));
    expect(reads).toBe(readsBefore);
    expect(history.records).toBe(recordsBefore);
  });

  it('makes room in a full storage by dropping the oldest runs, and says how many', () => {
    const storage = memoryStorage();
    const quota = JSON.stringify([record(1), record(2), record(3)]).length;
    const small: Storage = {
      ...storage,
      setItem: (key, value) => {
        if (value.length > quota) throw new DOMException('full', 'QuotaExceededError');
        storage.setItem(key, value);
      },
    };
    const history = new RunHistory(small);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (let runNumber = 1; runNumber <= 6; runNumber++) history.add(record(runNumber));
    } finally {
      warn.mockRestore();
    }
    const kept = new RunHistory(storage).records.map((run) => run.runNumber);
    expect(kept.at(-1)).toBe(6);
    expect(kept).toEqual(history.records.map((run) => run.runNumber));
    expect(history.droppedForRoom).toBe(6 - kept.length);
    expect(history.droppedForRoom).toBeGreaterThan(0);
    history.clear();
    expect(history.droppedForRoom).toBe(0);
  });
});
