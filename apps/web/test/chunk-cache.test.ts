import { describe, expect, it } from 'vitest';
import { ChunkCache } from '../src/lib/storage/chunk-cache';

const chunk = (bytes: number) => new Uint8Array(bytes);

describe('ChunkCache', () => {
  it('keeps at most maxBytes, dropping the least recently used', () => {
    const cache = new ChunkCache(300);
    cache.set(1, chunk(100));
    cache.set(2, chunk(100));
    cache.set(3, chunk(100));
    expect(cache.get(1)).toBeDefined(); // 1 is now the most recent
    cache.set(4, chunk(100));
    expect(cache.get(2)).toBeUndefined();
    expect([1, 3, 4].every((index) => cache.get(index))).toBe(true);
    expect(cache.heldBytes).toBe(300);
  });

  it('replacing a chunk counts it once; a chunk larger than the cache is not kept', () => {
    const cache = new ChunkCache(300);
    cache.set(1, chunk(100));
    cache.set(1, chunk(200));
    expect(cache.heldBytes).toBe(200);
    cache.set(2, chunk(400));
    expect(cache.get(2)).toBeUndefined();
    cache.delete(1);
    expect(cache.heldBytes).toBe(0);
  });
});
