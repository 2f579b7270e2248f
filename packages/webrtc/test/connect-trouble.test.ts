import { describe, expect, it } from 'vitest';
import { CONNECT_TROUBLE_REPEAT_MS, ConnectTrouble, type ConnectTroubleNotice } from '../src/connect-trouble';

describe('ConnectTrouble', () => {
  it('shows tries that fail while no connection is open, tells them once a minute, and ends when one opens', () => {
    const clock = { nowMs: 0 };
    const told: ConnectTroubleNotice[] = [];
    const trouble = new ConnectTrouble({ nowMs: () => clock.nowMs, onNotice: (notice) => told.push(notice) });
    expect(trouble.notice).toBeUndefined();
    trouble.failed('seeder', 'timed out connecting');
    expect(trouble.notice).toEqual({ peerId: 'seeder', message: 'timed out connecting', failures: 1 });
    clock.nowMs = 20_000;
    trouble.failed('other', 'Ice connection failed.');
    expect(trouble.notice).toEqual({ peerId: 'other', message: 'Ice connection failed.', failures: 2 });
    expect(told).toHaveLength(1);
    clock.nowMs = CONNECT_TROUBLE_REPEAT_MS;
    trouble.failed('seeder', 'timed out connecting');
    expect(told.map((notice) => notice.failures)).toEqual([1, 3]);
    // A connection opens: no trouble, and a failure of another peer's try then is none to tell.
    trouble.openConnections = 1;
    expect(trouble.notice).toBeUndefined();
    trouble.failed('other', 'timed out connecting');
    expect(trouble.notice).toBeUndefined();
    expect(told).toHaveLength(2);
    // It closes again, and tries fail: told at once, counted afresh.
    trouble.openConnections = 0;
    expect(trouble.notice).toBeUndefined();
    trouble.failed('seeder', 'connection lost: connecting again');
    expect(told.at(-1)).toEqual({ peerId: 'seeder', message: 'connection lost: connecting again', failures: 1 });
  });
});
