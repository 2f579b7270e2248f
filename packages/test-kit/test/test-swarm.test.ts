import { sha256Hex, toHex } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import type { PeerLink } from '@swarmlab/engine';
import {
  EVENT_BUDGET,
  EventBudgetSpent,
  fileHashOf,
  HashGate,
  runAll,
  SwarmTimeout,
  testFile,
  TestSwarm,
  UnreadableFrame,
  VirtualClock,
} from '../src/index';

const CHUNK_BYTES = 16 * 1024;

describe('TestSwarm', () => {
  it('times out in test-clock time, not wall time, and says what it waited for', async () => {
    const swarm = new TestSwarm(await testFile(4 * CHUNK_BYTES, CHUNK_BYTES));
    swarm.peer('seeder', { seed: true }); // alone: its timers keep running, nothing completes
    await expect(swarm.runUntil(() => false, 60_000, 'the impossible')).rejects.toThrow(
      new SwarmTimeout('timed out: the impossible (not within 60000 ms on the test clock)'),
    );
    // The test clock ran the whole minute (in wall time, within the test's own timeout: no timed assertion here).
    expect(swarm.clock.nowMs()).toBe(60_000);
  });

  it('says so at once when nothing is left to run', async () => {
    const swarm = new TestSwarm(await testFile(CHUNK_BYTES, CHUNK_BYTES));
    await expect(swarm.runUntil(() => false, 1000, 'anything')).rejects.toThrow(/^stalled: anything/);
  });

  it('runFor moves the clock by exactly that much', async () => {
    const swarm = new TestSwarm(await testFile(CHUNK_BYTES, CHUNK_BYTES));
    await swarm.runFor(30);
    await swarm.runFor(12.5);
    expect(swarm.clock.nowMs()).toBe(42.5);
  });

  it('runFor runs every event due up to its end, timers and link deliveries alike', async () => {
    const swarm = new TestSwarm(await testFile(CHUNK_BYTES, CHUNK_BYTES));
    const ran: string[] = [];
    for (const name of ['a', 'b', 'c']) swarm.clock.setTimer(100, () => ran.push(name));
    const [from, to] = swarm.linkPair('a', 'b', { latencyMs: 100 });
    const delivered: number[] = [];
    to.attach({ message: (bytes) => delivered.push(bytes[0]!), decoded: () => {}, drain: () => {}, close: () => {} });
    from.send(Uint8Array.of(1));
    from.send(Uint8Array.of(2));
    const before: number[] = [];
    await swarm.runFor(100, () => before.push(swarm.clock.nowMs()));
    // Every event of its last instant ran: before the fix it stopped at the first (one timer, no message).
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(delivered).toEqual([1, 2]);
    expect(before.length).toBeGreaterThan(0);
    expect(swarm.clock.nowMs()).toBe(100);
  });

  it('a seeder and a leecher over a memory link end with the same bytes, the same way every time', async () => {
    const file = await testFile(6 * CHUNK_BYTES + 5, CHUNK_BYTES, { seed: 3 });
    const run = async (): Promise<number> => {
      const swarm = new TestSwarm(file, { config: { blockBytes: 4096, tickMs: 200 } });
      const seeder = swarm.peer('seeder', { seed: true });
      const leecher = swarm.peer('leecher');
      swarm.connect(seeder, leecher, { bytesPerSec: 1_000_000, latencyMs: 5 });
      await swarm.runUntil(() => leecher.engine.isComplete, 10_000, 'leecher complete');
      expect(toHex(leecher.engine.snapshot().bits)).toBe(toHex(seeder.engine.snapshot().bits));
      // The bytes themselves, read back from the leecher's store, not only which chunks it says it holds.
      expect(await fileHashOf(leecher, file)).toBe(file.sha256);
      return swarm.clock.nowMs();
    };
    const completedAtMs = await run();
    expect(await run()).toBe(completedAtMs);
  });
});

describe('a raw peer', () => {
  it('fails the run when an engine sends it a frame that does not decode, rather than recording nothing', async () => {
    const swarm = new TestSwarm(await testFile(4 * CHUNK_BYTES, CHUNK_BYTES));
    const seeder = swarm.peer('seeder', { seed: true });
    let engineEnd: PeerLink | undefined;
    const raw = swarm.rawPeer(seeder, undefined, 'rogue', { engineSide: (link) => (engineEnd = link) });
    await swarm.runFor(1000);
    expect(raw.received.map((message) => message.type)).toContain('bitfield');
    // What a broken encoder in the engine would put on the wire. Before, dropped: "sent nothing more" passed.
    engineEnd!.send(Uint8Array.of(0xff, 0xff, 0xff));
    await expect(swarm.runFor(1000)).rejects.toThrow(UnreadableFrame);
    expect(raw.unreadable).toEqual(['unknown message tag 255']);
  });
});

describe('HashGate', () => {
  it('answers with WebCrypto’s SHA-256, only on deliver, in the order asked', async () => {
    const gate = new HashGate();
    const inputs = [new Uint8Array(300_000).fill(1), Uint8Array.of(2), new Uint8Array(1000).fill(3)];
    const answered: string[] = [];
    for (const [i, bytes] of inputs.entries())
      void Promise.resolve(gate.sha256(bytes)).then((digest) => answered.push(`${i}:${toHex(digest)}`));
    // The same hashes, straight from WebCrypto: meanwhile the gate's are done too, but held.
    const expected = await Promise.all(inputs.map(async (bytes, i) => `${i}:${await sha256Hex(bytes)}`));
    expect(answered).toEqual([]);
    expect(gate.waiting).toBe(true);
    await gate.deliver();
    expect(gate.waiting).toBe(false);
    expect(answered).toEqual(expected);
  });
});

describe('runAll', () => {
  it('runs every event, including those scheduled meanwhile, in time order', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimer(20, () => seen.push('b'));
    clock.setTimer(10, () => {
      seen.push('a');
      clock.setTimer(15, () => seen.push('c'));
    });
    runAll(clock);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(clock.nowMs()).toBe(25);
  });

  it('throws on a timer that repeats for ever instead of running for ever, where no test timeout can stop it', () => {
    const clock = new VirtualClock();
    const repeat = (): void => void clock.setTimer(10, repeat);
    repeat();
    expect(() => runAll(clock)).toThrow(new EventBudgetSpent(EVENT_BUDGET).message);
    expect(() => runAll(clock)).toThrow(/^still busy after 1000000 events: a timer that repeats for ever\?$/);
    expect(clock.eventsRun).toBe(2 * EVENT_BUDGET);
  });
});

describe('the event budget of a TestSwarm', () => {
  /** A swarm whose clock has a timer that reschedules itself at the same instant: test-clock time stops passing. */
  async function stuckSwarm(): Promise<TestSwarm> {
    const swarm = new TestSwarm(await testFile(CHUNK_BYTES, CHUNK_BYTES));
    const repeat = (): void => void swarm.clock.setTimer(0, repeat);
    repeat();
    return swarm;
  }

  it('stops runUntil with an error naming the budget and what it waited for, not a hang', async () => {
    const swarm = await stuckSwarm();
    await expect(swarm.runUntil(() => false, 1000, 'the impossible')).rejects.toThrow(
      new EventBudgetSpent(EVENT_BUDGET, 'waiting for the impossible'),
    );
    expect(swarm.clock.nowMs()).toBe(0);
  });

  it('stops runFor likewise', async () => {
    const swarm = await stuckSwarm();
    await expect(swarm.runFor(1000)).rejects.toThrow(/^still busy after 1000000 events \(running for 1000 ms\)/);
  });

  it('lets a run within its budget end as it did, and a swarm take a budget of its own', async () => {
    const swarm = new TestSwarm(await testFile(CHUNK_BYTES, CHUNK_BYTES), { eventBudget: 10 });
    for (let delayMs = 1; delayMs <= 5; delayMs++) swarm.clock.setTimer(delayMs, () => {});
    await swarm.runFor(10);
    expect(swarm.clock.nowMs()).toBe(10);
    // The budget is per run, not per swarm.
    for (let delayMs = 1; delayMs <= 5; delayMs++) swarm.clock.setTimer(delayMs, () => {});
    await swarm.runUntil(() => swarm.clock.idle, 10, 'every timer');
    for (let delayMs = 1; delayMs <= 20; delayMs++) swarm.clock.setTimer(delayMs, () => {});
    await expect(swarm.runFor(30)).rejects.toThrow(new EventBudgetSpent(10, 'running for 30 ms'));
  });
});
