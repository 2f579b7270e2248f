import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgressBroadcaster, RELIABLE_EVERY, type Delivery } from '../src/progress-broadcaster';

describe('progress broadcaster', () => {
  let sent: string[];
  let deliveries: Delivery[];
  let errors: unknown[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    deliveries = [];
    errors = [];
    runKey = 'none';
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The run key of the table each broadcast reads. */
  let runKey = 'none';
  const broadcaster = (
    broadcast = (swarmId: string, deliveryFor: (runKey: string) => Delivery) => {
      sent.push(swarmId);
      deliveries.push(deliveryFor(runKey));
    },
  ) => createProgressBroadcaster({ intervalMs: 500, broadcast, onError: (error) => errors.push(error) });

  it('sends the first change on the next turn, then at most once per interval, coalescing changes', () => {
    const progress = broadcaster();
    progress.changed('A');
    progress.changed('A');
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(sent).toEqual(['A']);

    for (let i = 0; i < 10; i++) progress.changed('A');
    vi.advanceTimersByTime(499);
    expect(sent).toEqual(['A']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['A', 'A']);

    // Nothing changed during that interval: the latest table once more, reliably (the one before was volatile), then
    // nothing, and the swarm is idle again.
    vi.advanceTimersByTime(2000);
    expect(sent).toEqual(['A', 'A', 'A']);
    expect(deliveries).toEqual(['reliable', 'volatile', 'reliable']);
    expect(vi.getTimerCount()).toBe(0);
    progress.changed('A');
    vi.advanceTimersByTime(0);
    expect(sent).toEqual(['A', 'A', 'A', 'A']);
    expect(deliveries.at(-1)).toBe('reliable');
  });

  it('sends a lone change once, reliably; a table that keeps changing volatile, and the last one reliably again', () => {
    const progress = broadcaster();
    progress.changed('A');
    vi.advanceTimersByTime(2000);
    expect(deliveries).toEqual(['reliable']);
    progress.changed('A');
    vi.advanceTimersByTime(0);
    for (let interval = 0; interval < 4; interval++) {
      progress.changed('A');
      vi.advanceTimersByTime(500);
    }
    vi.advanceTimersByTime(2000);
    expect(deliveries).toEqual(['reliable', 'reliable', 'volatile', 'volatile', 'volatile', 'volatile', 'reliable']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends reliably a table whose run changed, and one in RELIABLE_EVERY, while the table never rests', () => {
    const progress = broadcaster();
    // A class: every interval has a report.
    const intervals = (count: number) => {
      for (let interval = 0; interval < count; interval++) {
        progress.changed('A');
        vi.advanceTimersByTime(500);
      }
    };
    progress.changed('A');
    vi.advanceTimersByTime(0);
    intervals(2 * RELIABLE_EVERY);
    // Before, only the first: a busy screen could miss every later table, a run's "finished" among them.
    const reliableAt = deliveries.flatMap((delivery, index) => (delivery === 'reliable' ? [index] : []));
    expect(reliableAt).toEqual([0, RELIABLE_EVERY, 2 * RELIABLE_EVERY]);
    runKey = '1:finished';
    intervals(1);
    expect(deliveries.at(-1)).toBe('reliable');
    intervals(1);
    expect(deliveries.at(-1)).toBe('volatile');
    progress.close();
  });

  it('throttles each swarm on its own', () => {
    const progress = broadcaster();
    progress.changed('A');
    vi.advanceTimersByTime(100);
    progress.changed('A');
    progress.changed('B');
    vi.advanceTimersByTime(0);
    expect(sent).toEqual(['A', 'B']);
    vi.advanceTimersByTime(400);
    expect(sent).toEqual(['A', 'B', 'A']);
  });

  it('drops a forgotten swarm and stops everything on close', () => {
    const progress = broadcaster();
    progress.changed('A');
    progress.changed('B');
    progress.forget('A');
    vi.advanceTimersByTime(0);
    expect(sent).toEqual(['B']);
    progress.changed('B');
    progress.close();
    progress.changed('C');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(sent).toEqual(['B']);
  });

  it('reports a failing broadcast and keeps broadcasting', () => {
    let fail = true;
    const progress = broadcaster((swarmId) => {
      if (fail) throw new Error('boom');
      sent.push(swarmId);
    });
    progress.changed('A');
    vi.advanceTimersByTime(0);
    expect(errors).toHaveLength(1);
    fail = false;
    progress.changed('A');
    vi.advanceTimersByTime(500);
    expect(sent).toEqual(['A']);
  });
});
