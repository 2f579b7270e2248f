import { VirtualClock } from '@swarmlab/test-kit';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CONNECTION_TOP_UP_INTERVAL_MS, connectionTopUp, type TableMembers } from '../src/connection-top-up';
import {
  CONNECT_TIMEOUT_MS,
  MAX_CONNECT_ATTEMPTS,
  SwarmConnector,
  type ConnectFailureCause,
  type PeerFactory,
} from '../src/swarm-connector';
import { handSignalling } from './hand-signalling';

/** Runs `clock` on by `ms`, every timer due meanwhile included. */
function advance(clock: VirtualClock, ms: number): void {
  const untilMs = clock.nowMs() + ms;
  clock.setTimer(ms, () => {});
  clock.run(() => false, untilMs);
}

/** Lets the offers of the tries just made be sent (a peer makes its offer a moment after it is made). */
const offersSent = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A connector as `a` on a virtual clock, whose tries never connect (no answer ever comes: each times out), topped up
 * by `topUp` from the tables given it.
 */
function connectorOnClock(options: { readonly maxInitiatedConnections?: number; readonly seeds?: boolean } = {}) {
  const clock = new VirtualClock();
  /** Whom each try offered to, in order. */
  const offeredTo: string[] = [];
  const failures: string[] = [];
  const { signalling } = handSignalling(async ({ to, signal }) => {
    if (signal.type === 'offer') offeredTo.push(to);
    return { ok: true };
  });
  const createPeer: PeerFactory = ({ initiator }) => {
    const peer = Object.assign(new EventEmitter(), { destroyed: false, destroy() {}, signal() {} });
    if (initiator) queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: 'v=0 offer' }));
    return peer as never;
  };
  const connector = new SwarmConnector({
    signalling,
    localPeerId: 'a',
    iceServers: [],
    createPeer,
    onLink: () => {},
    onConnectError: (peerId, message, cause: ConnectFailureCause) =>
      void failures.push(`${peerId}: ${message} (${cause})`),
    nowMs: () => clock.nowMs(),
    setTimer: (delayMs, callback) => clock.setTimer(delayMs, callback),
    ...options,
  });
  const topUp = connectionTopUp({
    localPeerId: 'a',
    nowMs: () => clock.nowMs(),
    topUp: (peerIds) => connector.topUp(peerIds),
  });
  return { clock, connector, offeredTo, failures, topUp };
}

/** A table listing `peerIds`, in joining order; those in `away` away. */
function table(peerIds: readonly string[], away: readonly string[] = []): TableMembers {
  return { peers: peerIds.map((peerId) => ({ peerId, away: away.includes(peerId) })) };
}

describe('SwarmConnector: its timers', () => {
  it('times a try out, and waits for the next, on the timers it is given (unthrottled in a hidden tab)', async () => {
    const { clock, connector, offeredTo, failures } = connectorOnClock();
    connector.connectTo(['b']);
    advance(clock, CONNECT_TIMEOUT_MS - 1);
    expect(failures).toEqual([]);
    advance(clock, 1);
    // Before, the page's own `setTimeout` timed it: the clock it was given had nothing to run.
    expect(failures).toEqual(['b: timed out connecting (signalling)']);
    advance(clock, 3000);
    await offersSent();
    expect(offeredTo).toEqual(['b', 'b']);
    connector.destroy();
  });
});

describe('connectionTopUp: the tables bring back the peers a member gave up on', () => {
  it('makes four tries to a peer that never connects, then a fifth after a minute and a table, once', async () => {
    const { clock, connector, offeredTo, topUp } = connectorOnClock();
    connector.connectTo(['b']);
    for (let minute = 0; minute < 10; minute++) {
      advance(clock, 60_000);
      await offersSent();
    }
    expect(offeredTo).toHaveLength(MAX_CONNECT_ATTEMPTS);

    // Tables come a few times a second in a run: only the first past the minute tops up.
    topUp(table(['a', 'b']));
    topUp(table(['a', 'b']));
    await offersSent();
    expect(offeredTo).toHaveLength(MAX_CONNECT_ATTEMPTS + 1);
    // That try is one try: it times out, and nothing follows it until the next minute's table.
    advance(clock, CONNECTION_TOP_UP_INTERVAL_MS - 1);
    topUp(table(['a', 'b']));
    await offersSent();
    expect(offeredTo).toHaveLength(MAX_CONNECT_ATTEMPTS + 1);
    advance(clock, 1);
    topUp(table(['a', 'b']));
    await offersSent();
    expect(offeredTo).toHaveLength(MAX_CONNECT_ATTEMPTS + 2);
    connector.destroy();
  });

  it('makes one try to each member from a seeder’s top-up, not one every 15–45 s for as long as it stays', async () => {
    const { clock, connector, offeredTo } = connectorOnClock({ seeds: true });
    connector.seederPeerId = 'a';
    const members = Array.from({ length: 60 }, (_, i) => `m${i}`);
    connector.topUp(members);
    for (let i = 0; i < 40; i++) {
      advance(clock, 15_000);
      await offersSent();
    }
    // A seeder tries the members it connects to for as long as both stay; those of its top-ups were tried so too:
    // 759 offers in these 10 minutes. One each now, the next top-up's a minute on (`CONNECTION_TOP_UP_INTERVAL_MS`).
    expect(offeredTo.sort()).toEqual([...members].sort());
    connector.destroy();
  });

  it('goes on trying the seeder from a leecher’s top-up, as its other tries to it', async () => {
    const { clock, connector, offeredTo } = connectorOnClock();
    connector.seederPeerId = 's';
    connector.topUp(['s', 'b']);
    for (let i = 0; i < 40; i++) {
      advance(clock, 15_000);
      await offersSent();
    }
    // b once; the seeder every 35–65 s (its 20 s timeout, then 15–45 s), 9 times at least.
    expect(offeredTo.filter((peerId) => peerId === 'b')).toEqual(['b']);
    expect(offeredTo.filter((peerId) => peerId === 's').length).toBeGreaterThanOrEqual(9);
    connector.destroy();
  });

  it('waits a minute from entering, offers to nobody away nor to itself, and stops at its cap', async () => {
    const { clock, connector, offeredTo, topUp } = connectorOnClock({ maxInitiatedConnections: 3 });
    connector.seederPeerId = 's';
    const members = table(['s', 'a', 'b', 'c', 'e'], ['s', 'e']);
    topUp(members);
    await offersSent();
    expect(offeredTo).toEqual([]);
    advance(clock, CONNECTION_TOP_UP_INTERVAL_MS);
    topUp(members);
    await offersSent();
    expect(offeredTo.sort()).toEqual(['b', 'c']);
    // Tries under way count towards the cap: one more makes three.
    connector.topUp(['b', 'c', 'd', 'f']);
    await offersSent();
    expect(offeredTo).toHaveLength(3);
    connector.destroy();
  });
});
