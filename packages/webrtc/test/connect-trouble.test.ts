import { describe, expect, it } from 'vitest';
import { CONNECT_TROUBLE_REPEAT_MS, ConnectTrouble, type ConnectTroubleNotice } from '../src/connect-trouble';
import { CONNECTION_LOST_MESSAGE } from '../src/swarm-connector';

function trouble() {
  const clock = { nowMs: 0 };
  const told: ConnectTroubleNotice[] = [];
  const tracker = new ConnectTrouble({ nowMs: () => clock.nowMs, onNotice: (notice) => told.push(notice) });
  return { clock, told, tracker };
}

describe('ConnectTrouble', () => {
  it('shows tries that fail while no connection is open, tells them once a minute, and ends when one opens', () => {
    const { clock, told, tracker } = trouble();
    expect(tracker.notice).toBeUndefined();
    expect(tracker.cannotConnect).toBe(false);
    tracker.failed('seeder', 'timed out connecting');
    expect(tracker.notice).toEqual({
      peerId: 'seeder',
      message: 'timed out connecting',
      failures: 1,
      seederUnreachable: false,
      seeding: false,
      failingPeers: 1,
    });
    expect(tracker.cannotConnect).toBe(true);
    clock.nowMs = 20_000;
    tracker.failed('other', 'Ice connection failed.');
    expect(tracker.notice).toMatchObject({ peerId: 'other', message: 'Ice connection failed.', failures: 2 });
    expect(told).toHaveLength(1);
    clock.nowMs = CONNECT_TROUBLE_REPEAT_MS;
    tracker.failed('seeder', 'timed out connecting');
    expect(told.map((notice) => notice.failures)).toEqual([1, 3]);
    // A connection opens: no trouble while it is open.
    tracker.opened('other');
    expect(tracker.notice).toBeUndefined();
    tracker.failed('third', 'timed out connecting');
    expect(tracker.notice).toBeUndefined();
  });

  it('shows the seeder out of reach though other connections are open: two tabs of a laptop reach each other only', () => {
    const { told, tracker } = trouble();
    tracker.seederPeerId = 'seeder';
    tracker.opened('tab-beside');
    tracker.failed('seeder', 'Ice connection failed.');
    expect(tracker.notice).toEqual({
      peerId: 'seeder',
      message: 'Ice connection failed.',
      failures: 1,
      seederUnreachable: true,
      seeding: false,
      failingPeers: 1,
    });
    expect(told).toHaveLength(1);
    // It downloads from the tab beside it: the screens must not say it cannot connect (found by review).
    expect(tracker.cannotConnect).toBe(false);
    tracker.closed('tab-beside');
    expect(tracker.cannotConnect).toBe(true);
    tracker.opened('seeder');
    expect(tracker.notice).toBeUndefined();
    expect(tracker.cannotConnect).toBe(false);
  });

  it('on the seeder’s page, shows the peers that cannot connect to it though a tab beside it is connected', () => {
    // A Wi-Fi that blocks multicast: the teacher's own tab reaches the seeder's, no student's laptop does. The seeder's
    // page said nothing while every student's card stayed at 0 % (found by review).
    const { clock, told, tracker } = trouble();
    tracker.localPeerId = 'seeder';
    tracker.seederPeerId = 'seeder';
    tracker.opened('teacher-tab');
    for (let tryNumber = 0; tryNumber < 3; tryNumber++)
      for (const student of ['s1', 's2', 's3', 's4']) tracker.failed(student, 'Ice connection failed.');
    expect(tracker.notice).toEqual({
      peerId: 's4',
      message: 'Ice connection failed.',
      failures: 12,
      seederUnreachable: false,
      seeding: true,
      failingPeers: 4,
    });
    // Its peers cannot reach it; it is no tab that cannot connect.
    expect(tracker.cannotConnect).toBe(false);
    // Told once a minute at most, as a leecher's trouble is.
    expect(told.map((notice) => notice.failingPeers)).toEqual([1]);
    clock.nowMs = CONNECT_TROUBLE_REPEAT_MS;
    tracker.failed('s1', 'timed out connecting');
    expect(told.map((notice) => notice.failingPeers)).toEqual([1, 4]);
    // A student connects, another leaves: the two others still cannot.
    tracker.opened('s1');
    tracker.forget('s2');
    expect(tracker.notice).toMatchObject({ seeding: true, failingPeers: 2, failures: 6 });
    tracker.opened('s3');
    tracker.opened('s4');
    expect(tracker.notice).toBeUndefined();
  });

  it('on the seeder’s page, others connected, counts a peer from its second failed try: one timed out on a busy access point', () => {
    const { told, tracker } = trouble();
    tracker.localPeerId = 'seeder';
    tracker.seederPeerId = 'seeder';
    for (let student = 1; student < 30; student++) tracker.opened(`s${student}`);
    tracker.failed('s30', 'timed out connecting');
    expect(tracker.notice).toBeUndefined();
    expect(told).toEqual([]);
    tracker.failed('s30', 'timed out connecting');
    expect(tracker.notice).toMatchObject({ seeding: true, failingPeers: 1, failures: 2 });
  });

  it('forgets a failing peer the latest table no longer lists: it left while this tab was away', () => {
    const { tracker } = trouble();
    tracker.localPeerId = 'seeder';
    tracker.seederPeerId = 'seeder';
    tracker.opened('teacher-tab');
    tracker.failed('gone', 'Ice connection failed.');
    tracker.failed('gone', 'Ice connection failed.');
    tracker.failed('here', 'Ice connection failed.');
    tracker.failed('here', 'Ice connection failed.');
    expect(tracker.notice).toMatchObject({ failingPeers: 2 });
    tracker.keepOnly(['seeder', 'teacher-tab', 'here']);
    expect(tracker.notice).toMatchObject({ failingPeers: 1, peerId: 'here' });
  });

  it('on a leecher’s page, one connection open, peers failing other than the seeder are no trouble', () => {
    const { tracker } = trouble();
    tracker.localPeerId = 'leecher';
    tracker.seederPeerId = 'seeder';
    tracker.opened('seeder');
    tracker.failed('other-leecher', 'Ice connection failed.');
    expect(tracker.notice).toBeUndefined();
  });

  it('is no trouble when the last connection is lost, a signal is refused, or a peer failing leaves', () => {
    const { told, tracker } = trouble();
    tracker.seederPeerId = 'seeder';
    tracker.opened('leecher');
    // The leecher's tab closes: its connection is lost, and it leaves the swarm.
    tracker.closed('leecher');
    tracker.failed('leecher', CONNECTION_LOST_MESSAGE, 'lost');
    expect(tracker.notice).toBeUndefined();
    // The seeder's socket dropped for a moment: the server refuses the signals to it. No network trouble.
    tracker.failed('seeder', 'No such peer in this swarm.', 'signalling');
    expect(tracker.notice).toBeUndefined();
    tracker.failed('newcomer', 'timed out connecting');
    expect(tracker.notice).toMatchObject({ peerId: 'newcomer' });
    tracker.forget('newcomer');
    expect(tracker.notice).toBeUndefined();
    expect(told).toHaveLength(1);
  });
});
