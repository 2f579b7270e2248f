import { describe, expect, it } from 'vitest';
import { storageMarginBytes, uncheckedRoomNote } from '../src/lib/storage/storage-quota';

describe('uncheckedRoomNote', () => {
  it('says what room a download needs where the page cannot check it (no navigator.storage: plain http)', () => {
    const fileBytes = 2 * 1024 ** 3;
    const note = uncheckedRoomNote(fileBytes, undefined);
    const neededMiB = Math.ceil((fileBytes + storageMarginBytes(fileBytes)) / 2 ** 20);
    expect(neededMiB).toBe(2089);
    expect(note).toContain('cannot check');
    expect(note).toContain('about 2,089 MiB free');
  });

  it('says nothing where the page checks its room itself', () => {
    expect(uncheckedRoomNote(2 * 1024 ** 3, () => Promise.resolve({ quota: 1, usage: 0 }))).toBeUndefined();
  });
});
