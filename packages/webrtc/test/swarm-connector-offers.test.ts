import type { SignalData } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { OFFER_BURST, OFFER_REFILL_MS, OFFERS_BURST, OFFERS_REFILL_MS } from '../src/offer-budget';
import { MAX_CONNECT_ATTEMPTS, SwarmConnector, type PeerFactory } from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0 an offer' };

/**
 * A connector whose peers answer each offer as a browser's do (an answer and candidates, through the tab's own
 * signalling), on a clock the test sets, with the server's relay in the test's hands.
 */
function answering() {
  const clock = { nowMs: 0 };
  const created: boolean[] = [];
  const peers: (EventEmitter & { destroyed: boolean })[] = [];
  const links: string[] = [];
  const sent: SignalData[] = [];
  const { signalling, relay, left } = handSignalling(async ({ signal }) => {
    sent.push(signal);
    return { ok: true };
  });
  const createPeer: PeerFactory = (options) => {
    created.push(options.initiator === true);
    const peer = Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
      signal(signal: SignalData) {
        if (signal.type !== 'offer') return;
        peer.emit('signal', { type: 'answer', sdp: 'v=0 an answer' });
        peer.emit('signal', {
          type: 'candidate',
          candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' },
        });
      },
    });
    peers.push(peer);
    return peer as unknown as ReturnType<PeerFactory>;
  };
  const connector = new SwarmConnector({
    signalling,
    localPeerId: 'victim',
    iceServers: [],
    createPeer,
    onLink: (link) => void links.push(link.remotePeerId),
    nowMs: () => clock.nowMs,
  });
  const answers = () => sent.filter((signal) => signal.type === 'answer').length;
  return { clock, connector, created, peers, links, relay, left, answers };
}

describe('SwarmConnector against a peer that offers again and again', () => {
  it('answers a burst of its offers, then one per interval: the flood no longer costs the tab its signalling budget', async () => {
    const { clock, connector, created, relay, answers } = answering();
    // 45 offers a second for 10 s, as the member's own budget allows.
    for (let index = 0; index <= 450; index++) {
      clock.nowMs = (index * 1000) / 45;
      relay('flooder', OFFER);
    }
    await Promise.resolve();
    // The burst, taken in its first 67 ms, then one each `OFFER_REFILL_MS` after (the second falls due just past 10 s).
    const answered = OFFER_BURST + 1;
    expect(OFFER_REFILL_MS).toBe(5000);
    expect(created).toHaveLength(answered);
    expect(answers()).toBe(answered);
    // Another member's offer is answered all the same.
    relay('honest', OFFER);
    await Promise.resolve();
    expect(answers()).toBe(answered + 1);
    connector.destroy();
  });

  it('answers an honest peer’s tries after failures, and a peer that left and came back afresh', async () => {
    const { clock, connector, created, relay, left } = answering();
    // Its first offer, and its three tries again (`MAX_CONNECT_ATTEMPTS`), a second or more apart.
    for (const atMs of [0, 1000, 2500, 4500]) {
      clock.nowMs = atMs;
      relay('peer', OFFER);
    }
    expect(created).toHaveLength(4);
    relay('peer', OFFER);
    expect(created).toHaveLength(4);
    left('peer');
    relay('peer', OFFER);
    expect(created).toHaveLength(5);
    connector.destroy();
  });

  it('answers a member leaving and joining again under new peer ids no faster than all peers’ budget drips', async () => {
    const { clock, connector, relay, left, answers } = answering();
    // 40 cycles of join, 4 offers 25 ms apart, leave: 4 s; every peer id new, with a budget of its own.
    for (let cycle = 0; cycle < 40; cycle++) {
      for (let offer = 0; offer < 4; offer++) {
        clock.nowMs += 25;
        relay(`flooder-${cycle}`, OFFER);
      }
      left(`flooder-${cycle}`);
    }
    await Promise.resolve();
    expect(answers()).toBeLessThanOrEqual(OFFERS_BURST + Math.ceil(clock.nowMs / OFFERS_REFILL_MS));
    expect(answers()).toBeLessThan(160);
    connector.destroy();
  });

  it('closes the open connection of a member that left (it kept its connections, on no screen any more)', async () => {
    const { connector, created, peers, relay, left, links } = answering();
    relay('sneaky', OFFER);
    peers[0]!.emit('connect');
    expect(links).toEqual(['sneaky']);
    left('sneaky');
    // Before, it stayed open: every later run opened a link to it, and served it.
    expect(peers[0]!.destroyed).toBe(true);
    expect([...connector.connectedPeerIds]).toEqual([]);
    // Its close is no loss to offer again.
    peers[0]!.emit('close');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(created).toHaveLength(1);
    connector.destroy();
  });

  it('opens nothing once destroyed', () => {
    const { connector, created } = answering();
    connector.destroy();
    connector.connectTo(['a', 'b', 'c']);
    connector.acceptSignal('a', OFFER);
    expect(created).toEqual([]);
  });
});

describe('SwarmConnector tries of the connections it opens', () => {
  /** A connector whose peers offer and never connect (each try times out), counting the offers to each peer. */
  function neverConnecting(seeds: boolean, refusal?: 'peer-not-found') {
    const offersTo = new Map<string, number>();
    const createPeer: PeerFactory = () => {
      const peer = Object.assign(new EventEmitter(), {
        destroyed: false,
        destroy() {
          this.destroyed = true;
        },
        signal() {},
      });
      setTimeout(() => peer.emit('signal', OFFER), 0);
      return peer as unknown as ReturnType<PeerFactory>;
    };
    const connector = new SwarmConnector({
      signalling: {
        on: () => () => {},
        sendSignal: async ({ to }) => {
          offersTo.set(to, (offersTo.get(to) ?? 0) + 1);
          return refusal
            ? { ok: false, error: { code: refusal, message: `no peer ${to} in this swarm` } }
            : { ok: true };
        },
      },
      localPeerId: 'me',
      iceServers: [],
      createPeer,
      onLink: () => {},
      seeds,
    });
    return { connector, offersTo };
  }

  it('gives up on a member after 4 tries, never on the seeder while both are in the swarm', async () => {
    vi.useFakeTimers();
    try {
      const { connector, offersTo } = neverConnecting(false);
      // The seeder is named by the tables, not by its place in the list (connected peers are left out of it).
      connector.seederPeerId = 'seeder';
      connector.connectTo(['unreachable-classmate', 'seeder']);
      await vi.advanceTimersByTimeAsync(15 * 60_000);
      expect(offersTo.get('unreachable-classmate')).toBe(MAX_CONNECT_ATTEMPTS);
      // 20 s each try, then 15–45 s between tries: more than 12 in 15 minutes.
      expect(offersTo.get('seeder')).toBeGreaterThan(12);
      connector.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops offering to a member the server says is not in the swarm (it left unseen), seeder or not', async () => {
    vi.useFakeTimers();
    try {
      for (const seeds of [true, false]) {
        const { connector, offersTo } = neverConnecting(seeds, 'peer-not-found');
        connector.seederPeerId = 'ghost';
        connector.connectTo(['ghost']);
        await vi.advanceTimersByTimeAsync(10 * 60_000);
        // Before, a seeder offered again every 15–45 s: 24 offers in 10 minutes, until class ended.
        expect(offersTo.get('ghost')).toBe(MAX_CONNECT_ATTEMPTS);
        connector.destroy();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('connects a pair whose set-up was cut by one side’s socket dropping, once it is back', async () => {
    vi.useFakeTimers();
    try {
      /** Fake peers that connect once both sides have the other's description and a candidate, both alive. */
      const made: Record<'c' | 'm', (EventEmitter & { destroyed: boolean; described: boolean })[]> = { c: [], m: [] };
      const connectIfReady = (): void => {
        const [c, m] = [made.c.at(-1), made.m.at(-1)];
        if (c && m && !c.destroyed && !m.destroyed && c.described && m.described) {
          c.emit('connect');
          m.emit('connect');
        }
      };
      const factory =
        (side: 'c' | 'm'): PeerFactory =>
        (options) => {
          const peer = Object.assign(new EventEmitter(), {
            destroyed: false,
            described: false,
            destroy() {
              if (peer.destroyed) return;
              peer.destroyed = true;
              peer.emit('close');
            },
            signal(signal: SignalData) {
              if (signal.type === 'offer') {
                peer.described = true;
                setTimeout(() => !peer.destroyed && peer.emit('signal', { type: 'answer', sdp: 'v=0 an answer' }), 5);
              }
              if (signal.type === 'answer') peer.described = true;
              if (signal.type === 'candidate') setTimeout(connectIfReady, 100); // ICE checks take a moment
            },
          });
          const candidate = {
            type: 'candidate' as const,
            candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host' },
          };
          if (options.initiator) {
            setTimeout(() => !peer.destroyed && peer.emit('signal', OFFER), 5);
            setTimeout(() => !peer.destroyed && peer.emit('signal', candidate), 50);
          } else setTimeout(() => !peer.destroyed && peer.emit('signal', candidate), 6);
          made[side].push(peer);
          return peer as unknown as ReturnType<PeerFactory>;
        };
      // The server relays between c and m while m's socket is up; meanwhile it knows no m.
      let mAway = false;
      const relays: Record<'c' | 'm', Map<string, (payload: never) => void>> = { c: new Map(), m: new Map() };
      const signallingOf = (side: 'c' | 'm') => ({
        on: ((event: string, handler: (payload: never) => void) => {
          relays[side].set(event, handler);
          return () => relays[side].delete(event);
        }) as never,
        sendSignal: async ({ signal }: { signal: SignalData }) => {
          if (mAway)
            return { ok: false as const, error: { code: 'peer-not-found' as const, message: 'No such peer.' } };
          const other = side === 'c' ? 'm' : 'c';
          setTimeout(() => (relays[other].get('signal:relay') as (p: unknown) => void)({ from: side, signal }), 1);
          return { ok: true as const };
        },
      });
      const connectorOf = (side: 'c' | 'm') =>
        new SwarmConnector({
          signalling: signallingOf(side),
          localPeerId: side,
          iceServers: [],
          createPeer: factory(side),
          onLink: () => {},
        });
      const [c, m] = [connectorOf('c'), connectorOf('m')];
      c.connectTo(['m']); // a newcomer offers to m, which answers
      await vi.advanceTimersByTimeAsync(20);
      mAway = true; // m's socket drops: c's candidate is refused peer-not-found
      await vi.advanceTimersByTimeAsync(2000);
      mAway = false; // m is back, and connects to the members it is not connected to
      m.connectTo(['c']);
      await vi.advanceTimersByTimeAsync(60_000);
      // Before, never tried again by c, and m's half-made answering connection kept m from offering: apart for good.
      expect([...c.connectedPeerIds]).toEqual(['m']);
      expect([...m.connectedPeerIds]).toEqual(['c']);
      c.destroy();
      m.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('as the seeder, never gives up on any member while both are in the swarm', async () => {
    vi.useFakeTimers();
    try {
      const { connector, offersTo } = neverConnecting(true);
      connector.connectTo(['student1', 'student2', 'student3']);
      await vi.advanceTimersByTimeAsync(15 * 60_000);
      for (const student of ['student1', 'student2', 'student3']) expect(offersTo.get(student)).toBeGreaterThan(12);
      connector.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
