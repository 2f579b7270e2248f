import type { SignalData, SignallingResult } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SwarmConnector, type PeerFactory } from '../src/swarm-connector';

type Side = 'c' | 'm';

/** A stand-in for simple-peer that connects once both ends took the other's description and a candidate. */
interface FakePeer extends EventEmitter {
  destroyed: boolean;
  /** It holds the other side's offer or answer. */
  described: boolean;
  destroy(): void;
}

const ICE_FAILED = Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' });
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host' },
};

/** An open connection's ICE fails under it, as simple-peer tells it: an error, then its close. */
function iceFails(peer: FakePeer): void {
  peer.emit('error', ICE_FAILED);
  peer.destroyed = true;
  peer.emit('close');
}

/**
 * Two connectors, newcomer `c` and member `m`, over an in-memory signalling server that relays each signal a
 * millisecond later, or, while `m`'s socket is away (`away.m`), refuses it as the server does (`peer-not-found`).
 */
function pair(options: { readonly mSeeds?: boolean } = {}) {
  const made: Record<Side, FakePeer[]> = { c: [], m: [] };
  const offers: Record<Side, number> = { c: 0, m: 0 };
  const away = { m: false };
  const relays: Record<Side, Map<string, (payload: unknown) => void>> = { c: new Map(), m: new Map() };

  const connectIfReady = (): void => {
    const [c, m] = [made.c.at(-1), made.m.at(-1)];
    if (!c || !m || c.destroyed || m.destroyed || !c.described || !m.described) return;
    c.emit('connect');
    m.emit('connect');
  };
  const factory =
    (side: Side): PeerFactory =>
    ({ initiator }) => {
      const peer: FakePeer = Object.assign(new EventEmitter(), {
        destroyed: false,
        described: false,
        destroy: () => {
          if (peer.destroyed) return;
          peer.destroyed = true;
          peer.emit('close');
        },
      });
      const later = (delayMs: number, signal: SignalData): void =>
        void setTimeout(() => !peer.destroyed && peer.emit('signal', signal), delayMs);
      Object.assign(peer, {
        signal: (signal: SignalData) => {
          if (signal.type === 'offer') later(5, { type: 'answer', sdp: 'v=0 answer' });
          if (signal.type !== 'candidate') peer.described = true;
          else setTimeout(connectIfReady, 100);
        },
      });
      if (initiator) {
        later(5, { type: 'offer', sdp: 'v=0 offer' });
        later(50, CANDIDATE);
      } else later(6, CANDIDATE);
      made[side].push(peer);
      return peer as never;
    };
  const connectorOf = (side: Side, seeds: boolean): SwarmConnector =>
    new SwarmConnector({
      signalling: {
        on: ((event: string, handler: (payload: unknown) => void) => {
          relays[side].set(event, handler);
          return () => relays[side].delete(event);
        }) as never,
        sendSignal: async ({ signal }): Promise<SignallingResult> => {
          if (signal.type === 'offer') offers[side]++;
          if (away.m) return { ok: false, error: { code: 'peer-not-found', message: 'No such peer.' } };
          const other: Side = side === 'c' ? 'm' : 'c';
          setTimeout(() => relays[other].get('signal:relay')?.({ from: side, signal }), 1);
          return { ok: true };
        },
      },
      localPeerId: side,
      iceServers: [],
      createPeer: factory(side),
      onLink: () => {},
      seeds,
    });
  const c = connectorOf('c', false);
  const m = connectorOf('m', options.mSeeds === true);
  if (options.mSeeds) c.seederPeerId = 'm';
  return { c, m, made, away, offers };
}

afterEach(() => void vi.useRealTimers());

describe('a pair of connectors through a connection’s loss', () => {
  it.each([
    ['a member', false],
    ['the seeder', true],
  ])(
    'connect again once the side that answered (%s) is back and its stale connection fails: the side that offered gave up meanwhile',
    async (_, mSeeds) => {
      vi.useFakeTimers();
      const { c, m, made, away, offers } = pair({ mSeeds });
      c.connectTo(['m']); // the newcomer offers; m answers
      await vi.advanceTimersByTimeAsync(500);
      expect([[...c.connectedPeerIds], [...m.connectedPeerIds]]).toEqual([['m'], ['c']]);

      // m's laptop sleeps: its socket is away (the server answers `peer-not-found`), and c's connection to it fails.
      away.m = true;
      iceFails(made.c.at(-1)!);
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      const offeredWhileAway = offers.c;
      expect(offeredWhileAway).toBeGreaterThan(0);

      // m is back. Its own connection to c still looks open (a tab leaves it out of `connectTo`) until its ICE fails,
      // some 15–30 s on. c gave up; before, m had answered, so it offered nothing, and nobody ever offered again.
      away.m = false;
      await vi.advanceTimersByTimeAsync(20_000);
      expect(offers.c).toBe(offeredWhileAway);
      iceFails(made.m.at(-1)!);
      await vi.advanceTimersByTimeAsync(60_000);

      expect([[...c.connectedPeerIds], [...m.connectedPeerIds]]).toEqual([['m'], ['c']]);
      c.destroy();
      m.destroy();
    },
  );

  it('lost on both sides at once, connect again as one connection, offered by the side that offered it', async () => {
    vi.useFakeTimers();
    const { c, m, made, offers } = pair();
    c.connectTo(['m']);
    await vi.advanceTimersByTimeAsync(500);
    iceFails(made.c.at(-1)!);
    iceFails(made.m.at(-1)!);
    await vi.advanceTimersByTimeAsync(60_000);
    expect([[...c.connectedPeerIds], [...m.connectedPeerIds]]).toEqual([['m'], ['c']]);
    // The answering side's offer waits for the other's to have been answered: it finds the connection made.
    expect(offers).toEqual({ c: 2, m: 0 });
    c.destroy();
    m.destroy();
  });

  it('closed on purpose by the side that offered it, is not offered again by the side that answered', async () => {
    vi.useFakeTimers();
    const { c, m, made, offers } = pair();
    c.connectTo(['m']);
    await vi.advanceTimersByTimeAsync(500);
    // m's channel closes cleanly, as when c closes its connection (it dropped m, or it is leaving).
    const mOld = made.m.at(-1)!;
    mOld.destroyed = true;
    mOld.emit('close');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(offers.m).toBe(0);
    c.destroy();
    m.destroy();
  });

  it.each([
    // Chrome tells the other side's `destroy()` (its channel, then its RTCPeerConnection closed: an SCTP abort) so.
    ['ERR_DATA_CHANNEL', 'User-Initiated Abort, reason=Close called', 0],
    ['ERR_ICE_CONNECTION_FAILURE', 'Ice connection failed.', 1],
    ['ERR_CONNECTION_FAILURE', 'Connection failed.', 1],
  ])(
    'the side that answered, its connection closing after an error %s (%s), offers it again %i times',
    async (code, message, offersByM) => {
      vi.useFakeTimers();
      const { c, m, made, offers } = pair();
      c.connectTo(['m']);
      await vi.advanceTimersByTimeAsync(500);
      const mOld = made.m.at(-1)!;
      mOld.emit('error', Object.assign(new Error(message), { code }));
      mOld.destroyed = true;
      mOld.emit('close');
      await vi.advanceTimersByTimeAsync(60_000);
      // A tab that closed the connection on purpose (a run's malformed control, too much sent ahead) was offered it
      // again 5–7 s later: any error before the close was taken for a failure.
      expect(offers.m).toBe(offersByM);
      c.destroy();
      m.destroy();
    },
  );

  it.each([0, 1, 3, 20, 60])('offering at once, %i ms apart (glare), connect as one connection', async (gapMs) => {
    vi.useFakeTimers();
    const { c, m } = pair();
    c.connectTo(['m']);
    await vi.advanceTimersByTimeAsync(gapMs);
    m.connectTo(['c']);
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect([[...c.connectedPeerIds], [...m.connectedPeerIds]]).toEqual([['m'], ['c']]);
    c.destroy();
    m.destroy();
  });
});
