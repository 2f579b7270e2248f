import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { pageChunkDatabase } from '../src/lib/storage/chunk-database';

describe('pageChunkDatabase', () => {
  it('opens one connection for the page, however many sessions ask', async () => {
    const open = vi.spyOn(indexedDB, 'open');
    const first = await pageChunkDatabase('page-db-shared');
    const again = await pageChunkDatabase('page-db-shared');
    expect(again).toBe(first);
    expect(open.mock.calls.filter(([name]) => name === 'page-db-shared')).toHaveLength(1);
    open.mockRestore();
  });

  it('opens again after an open that failed', async () => {
    const open = vi.spyOn(indexedDB, 'open').mockImplementationOnce(() => {
      throw new DOMException('the user denied storage', 'SecurityError');
    });
    await expect(pageChunkDatabase('page-db-retry')).rejects.toThrow('denied');
    open.mockRestore();
    const db = await pageChunkDatabase('page-db-retry');
    expect(db.objectStoreNames.contains('chunks')).toBe(true);
  });
});
