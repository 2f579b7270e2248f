import { createMemoryLinkPair, type MemoryLinkOptions, type PeerLink } from '@swarmlab/engine';
import { runAll, VirtualClock } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { encodeRunControl, RUN_CONTROL_KIND, RUN_CONTROL_TAG } from '@swarmlab/protocol';
import { PEER_LEFT_RUN_REASON, RunLinks, type RunLinksOptions } from '../src/index';
import { MAX_HELD_MESSAGES } from '../src/run-links';

/** What a run link's handlers saw, as readable strings: `m:<first payload byte>`, `drain`, `close:<reason>`. */
class Recorder {
  readonly events: string[] = [];
  constructor(link: PeerLink) {
    link.attach({
      message: (bytes) => this.events.push(`m:${bytes[1]}`),
      decoded: () => this.events.push('decoded'),
      drain: () => this.events.push('drain'),
      close: (reason) => this.events.push(`close:${reason}`),
    });
  }
}

/** A two-byte run message: a wire-like tag (never the run-control one) and a marker the recorder shows. */
const msg = (marker: number): Uint8Array => Uint8Array.of(3, marker);

interface Pair {
  readonly clock: VirtualClock;
  readonly a: RunLinks;
  readonly b: RunLinks;
  readonly closes: { a: string[]; b: string[] };
}

function runLinksPair(options: RunLinksOptions = {}, linkOptions: Partial<MemoryLinkOptions> = {}): Pair {
  const clock = new VirtualClock();
  const [aT, bT] = createMemoryLinkPair('a', 'b', { clock, ...linkOptions });
  const closes = { a: [] as string[], b: [] as string[] };
  const a = new RunLinks(aT, { ...options, onClose: (reason) => closes.a.push(reason) });
  const b = new RunLinks(bT, { ...options, onClose: (reason) => closes.b.push(reason) });
  return { clock, a, b, closes };
}

/** One side wrapped in `RunLinks`, the other raw, for sending it whatever a test likes. */
function rawPair(options: RunLinksOptions = {}) {
  const clock = new VirtualClock();
  const [runT, raw] = createMemoryLinkPair('runs', 'raw', { clock });
  const closes: string[] = [];
  const runs = new RunLinks(runT, { ...options, onClose: (reason) => closes.push(reason) });
  const received: Uint8Array[] = [];
  raw.attach({ message: (bytes) => received.push(bytes), decoded: () => {}, drain: () => {}, close: () => {} });
  return { clock, runs, raw, closes, received };
}

const begin = (runNumber: number) => encodeRunControl({ kind: 'begin', runNumber });
const end = (runNumber: number) => encodeRunControl({ kind: 'end', runNumber });

describe('RunLinks', () => {
  it('both sides in run 1 exchange messages both ways; the run link shows the transport’s peer id', () => {
    const { clock, a, b } = runLinksPair();
    const a1 = a.open(1);
    const b1 = b.open(1);
    const ra = new Recorder(a1);
    const rb = new Recorder(b1);
    a1.send(msg(1));
    a1.send(msg(2));
    b1.send(msg(9));
    runAll(clock);
    expect(rb.events).toEqual(['m:1', 'm:2']);
    expect(ra.events).toEqual(['m:9']);
    expect(a1.remotePeerId).toBe('b');
    expect(b1.remotePeerId).toBe('a');
    expect(a1.bufferedBytes).toBe(0);
  });

  it('buffers messages that arrive before attach and delivers them first', () => {
    const { clock, a, b } = runLinksPair();
    const a1 = a.open(1);
    const b1 = b.open(1);
    a1.send(msg(1));
    runAll(clock);
    a1.send(msg(2));
    runAll(clock);
    const rb = new Recorder(b1);
    a1.send(msg(3));
    runAll(clock);
    expect(rb.events).toEqual(['m:1', 'm:2', 'm:3']);
  });

  it('holds a run the remote began first and delivers it, in order, when the local side opens it', () => {
    const { clock, a, b } = runLinksPair();
    new Recorder(a.open(1));
    const rb1 = new Recorder(b.open(1));
    const a2 = a.open(2);
    const ra2 = new Recorder(a2);
    for (let i = 1; i <= 5; i++) a2.send(msg(i));
    runAll(clock);
    // B's run-1 link closes: A left run 1 for good.
    expect(rb1.events).toEqual([`close:${PEER_LEFT_RUN_REASON}`]);
    const b2 = b.open(2);
    const rb2 = new Recorder(b2);
    expect(rb2.events).toEqual(['m:1', 'm:2', 'm:3', 'm:4', 'm:5']);
    b2.send(msg(42));
    a2.send(msg(6));
    runAll(clock);
    expect(ra2.events).toEqual(['m:42']);
    expect(rb2.events.at(-1)).toBe('m:6');
  });

  it('drops messages of a run the local side has already left', () => {
    const { clock, a, b } = runLinksPair();
    const a1 = a.open(1);
    const ra1 = new Recorder(a1);
    new Recorder(b.open(1));
    a1.send(msg(1)); // still in flight when B moves on
    const rb2 = new Recorder(b.open(2));
    runAll(clock);
    expect(rb2.events).toEqual([]);
    expect(ra1.events).toEqual([`close:${PEER_LEFT_RUN_REASON}`]);
    const a2 = a.open(2);
    a2.send(msg(2));
    runAll(clock);
    expect(rb2.events).toEqual(['m:2']);
  });

  it('closing a run link tells the remote’s run link, leaves the transport open, and makes send a no-op', () => {
    const { clock, a, b, closes } = runLinksPair();
    const a1 = a.open(1);
    const ra1 = new Recorder(a1);
    const rb1 = new Recorder(b.open(1));
    a1.close();
    a1.close();
    a1.send(msg(1));
    runAll(clock);
    expect(ra1.events).toEqual(['close:closed locally']);
    expect(rb1.events).toEqual([`close:${PEER_LEFT_RUN_REASON}`]);
    expect(a.closed || b.closed).toBe(false);
    expect(closes).toEqual({ a: [], b: [] });
    const a2 = a.open(2);
    const rb2 = new Recorder(b.open(2));
    a2.send(msg(2));
    runAll(clock);
    expect(rb2.events).toEqual(['m:2']);
  });

  it('a run opened after the remote already left it delivers what the remote sent, then closes', () => {
    const { clock, a, b } = runLinksPair();
    const a1 = a.open(1);
    a1.send(msg(1));
    a1.close();
    runAll(clock);
    const rb1 = new Recorder(b.open(1));
    expect(rb1.events).toEqual(['m:1', `close:${PEER_LEFT_RUN_REASON}`]);
  });

  it('a run the remote has already moved past closes at once; its messages for the later run still arrive', () => {
    const { clock, a, b } = runLinksPair();
    a.open(1);
    const a3 = a.open(3);
    a3.send(msg(3));
    runAll(clock);
    const rb1 = new Recorder(b.open(1));
    expect(rb1.events).toEqual([`close:${PEER_LEFT_RUN_REASON}`]);
    const rb3 = new Recorder(b.open(3));
    expect(rb3.events).toEqual(['m:3']);
  });

  it('forwards the transport’s drain to the open run link', () => {
    const { clock, a, b } = runLinksPair({}, { bytesPerSec: 1_000_000, lowWaterBytes: 100 });
    const a1 = a.open(1);
    const ra1 = new Recorder(a1);
    new Recorder(b.open(1));
    a1.send(new Uint8Array(1000).fill(3));
    expect(a1.bufferedBytes).toBeGreaterThan(100);
    runAll(clock);
    expect(ra1.events).toEqual(['drain']);
  });

  it('transport close closes the run link; later runs close right after attach; destroy closes the transport', () => {
    const { clock, a, b, closes } = runLinksPair();
    const ra1 = new Recorder(a.open(1));
    const rb1 = new Recorder(b.open(1));
    a.destroy();
    runAll(clock);
    expect(a.closed && b.closed).toBe(true);
    expect(ra1.events).toEqual(['close:run links destroyed locally']);
    expect(rb1.events).toEqual(['close:closed by peer']);
    expect(closes).toEqual({ a: ['run links destroyed locally'], b: ['closed by peer'] });
    const b2 = b.open(2);
    expect(new Recorder(b2).events).toEqual(['close:closed by peer']);
    b2.send(msg(1)); // a no-op, not a throw
  });

  it('closes the transport when the remote sends more than the bound for a run not yet open here', () => {
    const { clock, a, b, closes } = runLinksPair({ maxHeldBytes: 1000 });
    const a2 = a.open(2);
    const rb1 = new Recorder(b.open(1));
    a2.send(new Uint8Array(600).fill(3));
    runAll(clock);
    expect(b.closed).toBe(false);
    a2.send(new Uint8Array(600).fill(3));
    runAll(clock);
    expect(b.closed && a.closed).toBe(true);
    expect(closes.b[0]).toMatch(/more than 1000 bytes/);
    expect(rb1.events).toEqual([`close:${PEER_LEFT_RUN_REASON}`]);
  });

  it('bounds the messages held, not only their bytes: one-byte messages cannot pile up by the million', () => {
    const { clock, runs, raw, closes } = rawPair();
    runs.open(1);
    raw.send(begin(1000));
    runAll(clock);
    // Before, 16 Mi one-byte messages (6.5 GB held) before the bound tripped.
    for (let index = 0; index <= MAX_HELD_MESSAGES && !runs.closed; index++) {
      raw.send(Uint8Array.of(3));
      if (index % 1000 === 0) runAll(clock);
    }
    runAll(clock);
    expect(runs.closed).toBe(true);
    expect(closes[0]).toMatch(/more than \d+ messages for a run not yet started here/);
  });

  it('holds a classmate’s announcements of every chunk of the largest file for a run not yet open here', () => {
    const { clock, runs, raw } = rawPair();
    runs.open(1);
    raw.send(begin(1));
    raw.send(end(1));
    raw.send(begin(2));
    // A 5-byte `have` per chunk of a 16,384-chunk file, this member taking no part in run 2: honest traffic (a bound
    // of 1 KiB charged per message closed the transport at 16,305).
    for (let chunk = 0; chunk < 16_384; chunk++) {
      raw.send(Uint8Array.of(2, 0, 0, chunk >> 8, chunk & 0xff));
      if (chunk % 1000 === 0) runAll(clock);
    }
    runAll(clock);
    expect(runs.closed).toBe(false);
  });

  it('counts messages held for a run link not yet attached against the same bound', () => {
    const { clock, a, b } = runLinksPair({ maxHeldBytes: 1000 });
    const a1 = a.open(1);
    const b1 = b.open(1);
    a1.send(new Uint8Array(1001).fill(3));
    runAll(clock);
    expect(b.closed).toBe(true);
    // What arrived before the transport closed is still delivered, then the close (as from any transport).
    expect(new Recorder(b1).events).toEqual(['m:3', expect.stringMatching(/^close:.*more than 1000 bytes/)]);
  });

  it('counts the messages held for a run link not yet attached against the message bound too', () => {
    const { clock, runs, raw, closes } = rawPair();
    runs.open(1); // never attached: an engine that has not taken it yet
    raw.send(begin(1));
    for (let index = 0; index <= MAX_HELD_MESSAGES && !runs.closed; index++) {
      raw.send(Uint8Array.of(3));
      if (index % 1000 === 0) runAll(clock);
    }
    runAll(clock);
    expect(runs.closed).toBe(true);
    expect(closes[0]).toMatch(/more than \d+ messages/);
  });

  it('delivers nothing of a run this side skipped to the next run it opens', () => {
    const { clock, runs, raw } = rawPair();
    runs.open(1);
    // The remote went through run 3 while this side was in run 1, then began run 4.
    for (const bytes of [begin(3), msg(33), end(3), begin(4), msg(44)]) raw.send(bytes);
    runAll(clock);
    expect(new Recorder(runs.open(4)).events).toEqual(['m:44']);
  });

  it.each([
    ['a wrong length', Uint8Array.of(RUN_CONTROL_TAG, RUN_CONTROL_KIND.begin, 0, 0, 1), /malformed run control/],
    ['an unknown kind', Uint8Array.of(RUN_CONTROL_TAG, 9, 0, 0, 0, 1), /malformed run control/],
    ['an end with no run in progress', end(1), /ended but the run in progress is none/],
    ['a begin inside a run', [begin(1), begin(2)], /began before run 1 ended/],
    ['a run number going down', [begin(2), end(2), begin(1)], /began after run 2/],
  ])('closes the transport on %s', (_, sent, reason) => {
    const { clock, runs, raw, closes } = rawPair();
    const r1 = new Recorder(runs.open(1));
    for (const bytes of Array.isArray(sent) ? sent : [sent]) raw.send(bytes);
    runAll(clock);
    expect(runs.closed).toBe(true);
    expect(closes[0]).toMatch(reason);
    expect(r1.events).toEqual([expect.stringMatching(/^close:/)]);
  });

  it('sends begin when a run opens and end when it closes, and nothing else of its own', () => {
    const { clock, runs, raw, received } = rawPair();
    const r1 = runs.open(1);
    r1.send(msg(1));
    runs.open(2).send(msg(2));
    runAll(clock);
    expect(received.map((bytes) => [...bytes])).toEqual([
      [...begin(1)],
      [...msg(1)],
      [...end(1)],
      [...begin(2)],
      [...msg(2)],
    ]);
    raw.send(begin(2));
    raw.send(end(2));
    runAll(clock);
    // The remote left run 2: our run-2 link closes and says so on the wire.
    expect([...received.at(-1)!]).toEqual([...end(2)]);
  });

  it('throws RangeError unless the run number is an integer above every run opened before', () => {
    const { a } = runLinksPair();
    expect(() => a.open(0)).toThrow(RangeError);
    expect(() => a.open(1.5)).toThrow(RangeError);
    expect(() => a.open(2 ** 32)).toThrow(RangeError);
    a.open(3);
    expect(() => a.open(3)).toThrow(RangeError);
    expect(() => a.open(2)).toThrow(RangeError);
    expect(a.open(4)).toBeDefined();
    expect(a.runNumber).toBe(4);
  });

  it('refuses to send a run message that would read as run control', () => {
    const { a } = runLinksPair();
    expect(() => a.open(1).send(Uint8Array.of(RUN_CONTROL_TAG, 1, 0, 0, 0, 1))).toThrow(RangeError);
  });
});
