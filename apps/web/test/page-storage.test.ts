import { afterEach, describe, expect, it } from 'vitest';
import { pageStorage } from '../src/lib/state/page-storage';
import { RunHistory } from '../src/lib/state/run-history.svelte';
import { TabIdentity } from '../src/lib/storage/tab-id';
import { memoryStorage } from './fakes';

/** What Chromium does with site data blocked: reading `localStorage` or `sessionStorage` throws. */
function refuseStorage(): () => void {
  const kinds = ['localStorage', 'sessionStorage'] as const;
  const before = kinds.map((kind) => Object.getOwnPropertyDescriptor(globalThis, kind));
  for (const kind of kinds) {
    Object.defineProperty(globalThis, kind, {
      configurable: true,
      get() {
        throw new DOMException(
          `Failed to read the '${kind}' property from 'Window': Access is denied`,
          'SecurityError',
        );
      },
    });
  }
  return () =>
    kinds.forEach((kind, index) => {
      const descriptor = before[index];
      if (descriptor) Object.defineProperty(globalThis, kind, descriptor);
      else Reflect.deleteProperty(globalThis, kind);
    });
}

describe('a page whose browser refuses it site storage', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('has no storage, and keeps its runs for the page’s life instead of failing to start', () => {
    restore = refuseStorage();
    expect(() => globalThis.localStorage).toThrow(DOMException);
    expect(pageStorage('localStorage')).toBeUndefined();
    expect(pageStorage('sessionStorage')).toBeUndefined();
    const history = new RunHistory();
    expect(history.records).toEqual([]);
    history.clear();
    expect(history.records).toEqual([]);
  });

  it('gets a tab id from a storage that throws, or none, and keeps it where the storage works', async () => {
    const throwing: Pick<Storage, 'getItem' | 'setItem'> = {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    expect(await new TabIdentity(throwing, undefined).id()).toMatch(/^[0-9a-f]{16}$/);
    expect(await new TabIdentity(undefined, undefined).id()).toMatch(/^[0-9a-f]{16}$/);
    const storage = memoryStorage();
    expect(await new TabIdentity(storage, undefined).id()).toBe(await new TabIdentity(storage, undefined).id());
  });
});
