// `pnpm bench signalling`'s honest clients, in a process of their own: pairs in swarms of their own, relaying signals.
import type { SignalData, SignallingResult, SwarmCreated, SwarmJoined } from '@swarmlab/protocol';
import type { Socket } from 'socket.io-client';
import { sleep } from './failure';
import {
  codeOf,
  connectFrom,
  countInto,
  pairAddress,
  serveCommands,
  smallCreateRequest,
  type PairsCommand,
  type PairsReply,
  type RelayReport,
} from './signalling-load';
import { median } from './stats';

/** What trickle ICE sends most: a host candidate (about 150 bytes of JSON). */
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' },
};
/** Pairs connected at once while setting up. */
const CONNECT_BATCH = 20;
const ACK_TIMEOUT_MS = 10_000;

interface Member {
  readonly socket: Socket;
  readonly peerId: string;
}

interface Pair {
  readonly creator: Member;
  readonly joiner: Member;
}

const pairs: Pair[] = [];
let delivered = 0;

async function request<Result extends object = object>(
  socket: Socket,
  event: string,
  ...payload: unknown[]
): Promise<SignallingResult<Result>> {
  try {
    return (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...payload)) as SignallingResult<Result>;
  } catch {
    return { ok: false, error: { code: 'timeout', message: 'no answer' } };
  }
}

async function connectPair(url: string, joinerUrl: string, index: number): Promise<Pair | undefined> {
  const [creator, joiner] = await Promise.all([
    connectFrom(url, pairAddress(index)),
    connectFrom(joinerUrl, pairAddress(index)),
  ]);
  // A pair refused closes what it opened: its sockets stayed connected, uncounted, the server never emptied, and
  // their heap was counted to the pairs that were let in (found by review).
  const refused = (): undefined => {
    for (const side of [creator, joiner]) if (side.ok) side.socket.disconnect();
    return undefined;
  };
  if (!creator.ok || !joiner.ok) return refused();
  const created = await request<SwarmCreated>(creator.socket, 'swarm:create', await smallCreateRequest());
  if (!created.ok) return refused();
  const joined = await request<SwarmJoined>(joiner.socket, 'swarm:join', { swarmId: created.swarmId });
  if (!joined.ok) return refused();
  for (const socket of [creator.socket, joiner.socket]) socket.on('signal:relay', () => delivered++);
  return {
    creator: { socket: creator.socket, peerId: created.peerId },
    joiner: { socket: joiner.socket, peerId: joined.peerId },
  };
}

/** One sender: a signal to `to`, its acknowledgement awaited, at most `perSec` a second, until the deadline. */
async function send(from: Member, to: Member, perSec: number, deadlineMs: number, tally: Tally): Promise<void> {
  const intervalMs = 1000 / perSec;
  while (performance.now() < deadlineMs) {
    const startMs = performance.now();
    const result = await request(from.socket, 'signal:send', { to: to.peerId, signal: CANDIDATE });
    tally.latenciesMs.push(performance.now() - startMs);
    tally.sent++;
    if (result.ok) tally.acknowledged++;
    else countInto(tally.refusals, codeOf(result));
    const waitMs = startMs + intervalMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
  }
}

interface Tally {
  sent: number;
  acknowledged: number;
  readonly refusals: Record<string, number>;
  readonly latenciesMs: number[];
}

async function relay(seconds: number, perSec: number): Promise<RelayReport> {
  const tally: Tally = { sent: 0, acknowledged: 0, refusals: {}, latenciesMs: [] };
  const deliveredBefore = delivered;
  const startMs = performance.now();
  const deadlineMs = startMs + seconds * 1000;
  await Promise.all(
    pairs.flatMap(({ creator, joiner }) => [
      send(joiner, creator, perSec, deadlineMs, tally),
      send(creator, joiner, perSec, deadlineMs, tally),
    ]),
  );
  const elapsedSec = (performance.now() - startMs) / 1000;
  // Every relay went out before its acknowledgement; let the last ones arrive.
  await sleep(100);
  const sorted = tally.latenciesMs.sort((a, b) => a - b);
  return {
    seconds: elapsedSec,
    sent: tally.sent,
    acknowledged: tally.acknowledged,
    delivered: delivered - deliveredBefore,
    refusals: tally.refusals,
    latencyMs: {
      p50: median(sorted),
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN,
      max: sorted.at(-1) ?? Number.NaN,
    },
  };
}

serveCommands<PairsCommand, PairsReply>(async (command) => {
  switch (command.type) {
    case 'connect': {
      const startMs = performance.now();
      let refused = 0;
      for (let first = 0; first < command.clients / 2; first += CONNECT_BATCH) {
        const batch = Array.from({ length: Math.min(CONNECT_BATCH, command.clients / 2 - first) }, (_, offset) =>
          connectPair(command.url, command.joinerUrl ?? command.url, first + offset),
        );
        for (const pair of await Promise.all(batch)) {
          if (pair) pairs.push(pair);
          else refused++;
        }
      }
      return {
        type: 'connected',
        sockets: pairs.length * 2,
        refused,
        seconds: (performance.now() - startMs) / 1000,
      };
    }
    case 'relay':
      return { type: 'relayed', relay: await relay(command.seconds, command.signalsPerSecPerSender) };
    case 'leave':
      for (const { creator, joiner } of pairs.splice(0)) {
        creator.socket.disconnect();
        joiner.socket.disconnect();
      }
      return { type: 'left' };
  }
});
