import { DEFAULT_RUN_CONFIG, type PeerProgress, type SignalSendRequest, type SwarmProgress } from '@swarmlab/protocol';
import { VirtualClock } from '@swarmlab/test-kit';
import {
  CONNECT_TIMEOUT_MS,
  CONNECTION_TOP_UP_INTERVAL_MS,
  MAX_CONNECT_ATTEMPTS,
  type PeerFactory,
  type SignallingClient,
} from '@swarmlab/webrtc';
import { EventEmitter } from 'node:events';
import { expect, it } from 'vitest';
import { PeerTransports } from '../src/peer-transports';

/** Runs `clock` on by `ms`, every timer due meanwhile included. */
function advance(clock: VirtualClock, ms: number): void {
  const untilMs = clock.nowMs() + ms;
  clock.setTimer(ms, () => {});
  clock.run(() => false, untilMs);
}

/** Lets the offers of the tries just made be sent (a peer makes its offer a moment after it is made). */
const offersSent = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const member = (peerId: string, role: PeerProgress['role']): PeerProgress => ({
  peerId,
  role,
  report: null,
  joinedAfterMs: 0,
  override: {},
  flagged: null,
  away: false,
});

it('times its tries on its clock, and tops them up from a table once a minute: a seeder given up on is tried again', async () => {
  const clock = new VirtualClock();
  const offers: SignalSendRequest[] = [];
  const signalling = {
    on: () => () => {},
    sendSignal: async (request: SignalSendRequest) => {
      if (request.signal.type === 'offer') offers.push(request);
      return { ok: false, error: { code: 'peer-not-found', message: 'No such peer.' } };
    },
  } as unknown as SignallingClient;
  // Tries that never connect: each is refused (the seeder's socket is away), and so given up after four.
  const createPeer: PeerFactory = ({ initiator }) => {
    const peer = Object.assign(new EventEmitter(), { destroyed: false, destroy() {}, signal() {} });
    if (initiator) queueMicrotask(() => peer.emit('signal', { type: 'offer', sdp: 'v=0 offer' }));
    return peer as never;
  };
  const transports = new PeerTransports({ signalling, createPeer, clock });
  transports.enter({ localPeerId: 'me', iceServers: [] }, () => {});
  const table: SwarmProgress = {
    swarmId: 'swarm',
    peers: [member('seeder', 'seeder'), member('me', 'leecher')],
    config: DEFAULT_RUN_CONFIG,
    run: null,
    flows: [],
  };
  transports.tableArrived(table);
  transports.connectTo(['seeder']);
  for (let tick = 0; tick < 20; tick++) {
    advance(clock, CONNECT_TIMEOUT_MS);
    await offersSent();
  }
  expect(offers).toHaveLength(MAX_CONNECT_ATTEMPTS);

  advance(clock, CONNECTION_TOP_UP_INTERVAL_MS);
  transports.tableArrived(table);
  await offersSent();
  expect(offers.map(({ to }) => to)).toEqual(Array(MAX_CONNECT_ATTEMPTS + 1).fill('seeder'));
  transports.close();
});
