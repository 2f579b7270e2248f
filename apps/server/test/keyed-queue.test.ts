import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from '../src/keyed-queue';

describe('KeyedQueue', () => {
  it('runs one key’s tasks in turn, other keys’ beside them, and says which keys have a task queued', async () => {
    const queue = createKeyedQueue();
    const order: string[] = [];
    let release!: () => void;
    const first = queue.run('a', () => new Promise<void>((resolve) => (release = resolve)).then(() => order.push('1')));
    const second = queue.run('a', async () => {
      order.push('2');
      throw new Error('refused');
    });
    const other = queue.run('b', async () => order.push('b'));
    expect([queue.has('a'), queue.has('c')]).toEqual([true, false]);
    await other;
    expect(order).toEqual(['b']);
    release();
    await first;
    await expect(second).rejects.toThrow('refused');
    expect(order).toEqual(['b', '1', '2']);
    // A failed task ends its key's queue as one that succeeded does.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([queue.has('a'), queue.size]).toEqual([false, 0]);
  });
});
