import { describe, expect, it } from 'vitest';
import { seededRandom } from '@swarmlab/engine';
import { EventQueue } from '../src/index';

describe('EventQueue', () => {
  it('runs events in (time, push order), whether pushed to the heap or appended in time order', () => {
    const random = seededRandom(3);
    const queue = new EventQueue();
    // Reference: every pending event, the earliest found by a scan.
    const pending: Array<{ atMs: number; id: number }> = [];
    const ran: number[] = [];
    const expected: number[] = [];
    const record = (id: number): void => {
      ran.push(id);
    };
    let nowMs = 0;
    for (let id = 0; id < 5000; id++) {
      const choice = random();
      if (choice < 0.3) {
        const atMs = nowMs + Math.floor(random() * 50);
        queue.push(atMs, () => record(id));
        pending.push({ atMs, id });
      } else if (choice < 0.8) {
        // Mostly a fixed delay (in order, the ring), sometimes an earlier time (back to the heap).
        const atMs = nowMs + (random() < 0.9 ? 20 : Math.floor(random() * 20));
        queue.append(atMs, record, id, undefined);
        pending.push({ atMs, id });
      } else if (pending.length > 0) {
        let first = 0;
        for (let i = 1; i < pending.length; i++) {
          const [a, b] = [pending[i]!, pending[first]!];
          if (a.atMs < b.atMs || (a.atMs === b.atMs && a.id < b.id)) first = i;
        }
        nowMs = pending[first]!.atMs;
        expected.push(pending.splice(first, 1)[0]!.id);
        expect(queue.peekTime()).toBe(nowMs);
        queue.runNext();
      }
    }
    expect(ran).toEqual(expected);
    expect(queue.size).toBe(pending.length);
  });

  it('merges a sorted batch into the ring, after queued events of the same time', () => {
    const queue = new EventQueue();
    const ran: string[] = [];
    const record = (id: string): void => {
      ran.push(id);
    };
    queue.append(20, record, 'local 20', undefined);
    queue.append(25, record, 'local 25', undefined);
    queue.push(22, () => record('timer 22'));
    const batch = ['remote 20', 'remote 21', 'remote 25', 'remote 30'];
    queue.mergeSorted(
      4,
      Float64Array.of(20, 21, 25, 30),
      batch.map(() => record),
      batch,
      batch.map(() => undefined),
    );
    queue.append(30, record, 'local 30', undefined);
    while (queue.runNext());
    expect(ran).toEqual([
      'local 20',
      'remote 20',
      'remote 21',
      'timer 22',
      'local 25',
      'remote 25',
      'remote 30',
      'local 30',
    ]);
  });
});
