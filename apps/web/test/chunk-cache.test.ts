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

  it('offers the memory of dropped chunks once each, for reads to fill', () => {
    const cache = new ChunkCache(200);
    const first = chunk(100);
    const second = chunk(100);
    cache.set(1, first);
    cache.set(2, second);
    expect(cache.takeMemory(100)).toBeUndefined(); // nothing dropped yet
    cache.set(3, chunk(100)); // drops 1
    expect(cache.takeMemory(101)).toBeUndefined(); // too small
    expect(cache.takeMemory(100)).toBe(first.buffer);
    expect(cache.takeMemory(100)).toBeUndefined(); // given once
    cache.set(4, new Uint8Array(400).subarray(0, 100)); // drops 2; a view of larger memory is never offered
    cache.set(5, chunk(100)); // drops 3
    cache.set(6, chunk(100)); // drops the view
    expect(cache.takeMemory(100)).toBe(second.buffer);
    expect(cache.takeMemory(100)).toBeDefined(); // 3's
    expect(cache.takeMemory(1)).toBeUndefined();
    cache.set(7, chunk(100));
    cache.clear();
    expect(cache.takeMemory(1)).toBeUndefined();
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
