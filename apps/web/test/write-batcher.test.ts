import { describe, expect, it } from 'vitest';
import { WriteBatcher } from '../src/lib/storage/write-batcher';

/** A write the test finishes by hand, so it decides what queues meanwhile. */
function controlledWrites() {
  const batches: number[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const write = (items: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push([...items]);
      finish.push((error) => (error ? reject(error) : resolve()));
    });
  return { batches, finish, write };
}

const settled = (promise: Promise<void>) =>
  promise.then(
    () => 'written',
    (error: Error) => `rejected: ${error.message}`,
  );

describe('WriteBatcher', () => {
  it('writes the first item at once and everything queued meanwhile in the next write', async () => {
    const { batches, finish, write } = controlledWrites();
    const batcher = new WriteBatcher(write, 10);
    const first = settled(batcher.add(1));
    const rest = [2, 3, 4].map((item) => settled(batcher.add(item)));
    expect(batches).toEqual([[1]]);
    expect(batcher.pending).toBe(4);
    finish[0]!();
    expect(await first).toBe('written');
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]!();
    expect(await Promise.all(rest)).toEqual(['written', 'written', 'written']);
    expect(batcher.pending).toBe(0);
  });

  it('takes at most maxItems per write, in order', async () => {
    const { batches, finish, write } = controlledWrites();
    const batcher = new WriteBatcher(write, 2);
    const all = [1, 2, 3, 4, 5].map((item) => settled(batcher.add(item)));
    for (let step = 0; step < 3; step++) {
      await Promise.resolve();
      finish[step]!();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
    expect(await Promise.all(all)).toEqual(Array(5).fill('written'));
  });

  it("rejects a failed batch's items with its error and goes on with the next", async () => {
    const { batches, finish, write } = controlledWrites();
    const batcher = new WriteBatcher(write, 10);
    const first = settled(batcher.add(1));
    const second = settled(batcher.add(2));
    finish[0]!(new Error('quota exceeded'));
    expect(await first).toBe('rejected: quota exceeded');
    expect(batches).toEqual([[1], [2]]);
    finish[1]!();
    expect(await second).toBe('written');
  });

  it('rejectQueued drops what waits and leaves the write under way alone', async () => {
    const { batches, finish, write } = controlledWrites();
    const batcher = new WriteBatcher(write, 10);
    const inWrite = settled(batcher.add(1));
    const waiting = [2, 3].map((item) => settled(batcher.add(item)));
    batcher.rejectQueued(new Error('storage failed'));
    expect(await Promise.all(waiting)).toEqual(['rejected: storage failed', 'rejected: storage failed']);
    expect(batcher.pending).toBe(1);
    finish[0]!();
    expect(await inWrite).toBe('written');
    expect(batches).toEqual([[1]]);
  });

  it('refuses a batch size below one', () => {
    expect(() => new WriteBatcher(async () => {}, 0)).toThrow(RangeError);
  });
});
