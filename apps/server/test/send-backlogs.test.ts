import { describe, expect, it } from 'vitest';
import {
  ADDRESS_CHECK_INTERVAL_MS,
  MAX_QUEUED_PACKETS,
  SendBacklogs,
  type BacklogOverflow,
} from '../src/send-backlogs';

const limits = { maxSocketBacklogBytes: 1000, maxAddressBacklogBytes: 2500 };

/** Backlogs on a clock the test moves, and connections whose transport holds what the test says. */
function setUp() {
  const clock = { nowMs: 0 };
  const backlogs = new SendBacklogs(limits, () => clock.nowMs);
  const closed: [string, BacklogOverflow][] = [];
  const connect = (name: string, address = 'a') => {
    const queue = { writeBufferPackets: 0, transportBufferedBytes: 0 };
    const backlog = backlogs.open(address, queue, (why) => closed.push([name, why]));
    return { queue, backlog };
  };
  return { clock, backlogs, closed, connect };
}

describe('SendBacklogs', () => {
  it('closes a connection past its own bound, counting the write buffer as packets come and go', () => {
    const { closed, connect } = setUp();
    const reader = connect('reader');
    reader.backlog.queued(600);
    reader.backlog.flushed(600);
    reader.backlog.queued(600);
    expect(closed).toEqual([]);
    const stuck = connect('stuck');
    stuck.queue.transportBufferedBytes = 500;
    stuck.backlog.queued(600);
    expect(closed).toEqual([['stuck', 'socket']]);
  });

  it('takes a connection with more packets queued than it may hold as not reading, whatever their bytes', () => {
    const { closed, connect } = setUp();
    const tiny = connect('tiny');
    tiny.queue.writeBufferPackets = MAX_QUEUED_PACKETS + 1;
    tiny.backlog.queued(1);
    expect(closed).toEqual([['tiny', 'socket']]);
  });

  it('closes an address’s largest holders once its connections together pass its bound, however small each', () => {
    const { clock, closed, connect } = setUp();
    // Each within its own bound, and under a sixteenth of it for most: 3,100 bytes together.
    const hoarders = [900, 800, 700, 600].map((bytes, i) => {
      const hoarder = connect(`hoarder${i}`);
      hoarder.queue.transportBufferedBytes = bytes;
      return hoarder;
    });
    const classmate = connect('classmate');
    clock.nowMs += ADDRESS_CHECK_INTERVAL_MS;
    classmate.backlog.queued(100);
    expect(closed).toEqual([['hoarder0', 'address']]);
    // Another address is no part of it.
    const elsewhere = connect('elsewhere', 'b');
    elsewhere.backlog.queued(900);
    expect(closed).toHaveLength(1);
    expect(hoarders).toHaveLength(4);
  });

  /** Three connections of one address, summed once; then past the address's bound within that sum's interval. */
  function overTheBoundWithinAnInterval() {
    const { clock, backlogs, closed, connect } = setUp();
    const first = connect('first');
    first.backlog.queued(10);
    const second = connect('second');
    second.queue.transportBufferedBytes = 900;
    const third = connect('third');
    third.queue.transportBufferedBytes = 900;
    first.backlog.queued(900);
    return { clock, backlogs, closed, first, second, third };
  }

  it('sums an address at most once per interval, and forgets an address whose connections are gone', () => {
    const { clock, backlogs, closed, first, second, third } = overTheBoundWithinAnInterval();
    // Not summed yet.
    expect(closed).toEqual([]);
    clock.nowMs += ADDRESS_CHECK_INTERVAL_MS;
    first.backlog.queued(1);
    expect(closed.map(([name]) => name)).toEqual(['first']);
    second.backlog.close();
    third.backlog.close();
    expect(backlogs.size).toBe(0);
  });

  it('sums an address once its interval is over when the packets that passed its bound came within it', async () => {
    const { clock, closed } = overTheBoundWithinAnInterval();
    // No packet comes after (a client that asked for a burst of answers, and reads nothing).
    clock.nowMs += ADDRESS_CHECK_INTERVAL_MS;
    await new Promise((resolve) => setTimeout(resolve, ADDRESS_CHECK_INTERVAL_MS + 50));
    expect(closed.map(([name]) => name)).toEqual(['first']);
  });

  it('closes a connection past its packet bound alone, on the packet that passes it or when its address is summed', () => {
    const { clock, closed, connect } = setUp();
    const hog = connect('hog');
    // engine.io tells of a packet before it queues it: the one that makes 10,001.
    hog.queue.writeBufferPackets = MAX_QUEUED_PACKETS;
    hog.backlog.queued(1);
    expect(closed).toEqual([['hog', 'socket']]);
    const quiet = connect('quiet');
    quiet.queue.writeBufferPackets = MAX_QUEUED_PACKETS + 1;
    const mates = [connect('mate1'), connect('mate2')];
    for (const mate of mates) mate.queue.transportBufferedBytes = 10;
    clock.nowMs += ADDRESS_CHECK_INTERVAL_MS;
    mates[0]!.backlog.queued(1);
    // Before, its Infinity made the address's sum NaN, and every socket of the address was closed.
    expect(closed).toEqual([
      ['hog', 'socket'],
      ['quiet', 'socket'],
    ]);
  });
});
