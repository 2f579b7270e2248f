import { describe, expect, it } from 'vitest';
import { createKeyedQueue } from '../src/keyed-queue';

describe('KeyedQueue', () => {
  it('runs one key’s tasks in turn and says when those queued so far have ended, a failed one included', async () => {
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
    // Settled waits for both of a's tasks (the failing one too), not for any queued after it.
    const settled = queue.settled('a').then(() => order.push('settled'));
    await other;
    expect(order).toEqual(['b']);
    release();
    await first;
    await expect(second).rejects.toThrow('refused');
    await settled;
    expect(order).toEqual(['b', '1', '2', 'settled']);
    await queue.settled('c'); // nothing queued: at once
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([queue.has('a'), queue.size]).toEqual([false, 0]);
  });
});
