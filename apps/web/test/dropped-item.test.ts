import { describe, expect, it } from 'vitest';
import { droppedFolder } from '../src/lib/dropped-item';

describe('a dropped item', () => {
  it('is a folder only when its entry says so', () => {
    expect(droppedFolder({ webkitGetAsEntry: () => ({ isDirectory: true }) })).toBe(true);
    expect(droppedFolder({ webkitGetAsEntry: () => ({ isDirectory: false }) })).toBe(false);
    // No entry (a dragged text), no entry API, nothing dropped: the file list decides, as before.
    expect(droppedFolder({ webkitGetAsEntry: () => null })).toBe(false);
    expect(droppedFolder({})).toBe(false);
    expect(droppedFolder(undefined)).toBe(false);
  });
});
