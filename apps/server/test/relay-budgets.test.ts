import type { SignalData, SignallingResult } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CANDIDATES_PER_CONNECTION,
  DEFAULT_LIMITS,
  DEFAULT_MAX_PEERS_PER_SWARM,
  LARGEST_CANDIDATE_SIGNAL_BYTES,
  resolveLimits,
} from '../src/limits';
import { createRelayBudgets } from '../src/relay-budgets';
import {
  addressFromAuth,
  makeManifest,
  record,
  roundTrip,
  startHarness,
  WAIT_MS,
  type Harness,
  type TypedClient,
} from './harness';

const codeOf = (result: SignallingResult): string => (result.ok ? 'ok' : result.error.code);

/** Stops reading `client`'s websocket (its TCP socket paused) until `resume`. */
function pauseReading(client: TypedClient): { resume(): void } {
  const socket = (client.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws
    ._socket;
  socket.pause();
  return socket;
}

describe('the relay budget of each pair of sockets', () => {
  const limits = { relayByteBurstPerPair: 1000, relayBytesPerSecPerPair: 100 };

  it('relays its burst, then what the refill allows, each pair on its own', () => {
    let nowMs = 0;
    const relays = createRelayBudgets(limits, () => nowMs);
    expect(relays.tryRelay('a', 't', 600)).toBe(true);
    expect(relays.tryRelay('a', 't', 600)).toBe(false);
    expect(relays.tryRelay('a', 'u', 1000)).toBe(true);
    nowMs += 2000;
    expect(relays.tryRelay('a', 't', 600)).toBe(true);
    expect(relays.size).toBe(2);
  });

  it('still relays one sender’s signal to a target another sender has spent its budget on', () => {
    const relays = createRelayBudgets(limits, () => 0);
    while (relays.tryRelay('flooder', 'seeder', 1));
    // Before, one budget per target: the flooder's signals left none for the newcomer's offer (found by review).
    expect(relays.tryRelay('newcomer', 'seeder', 1000)).toBe(true);
  });

  it('forgets a socket’s pairs when it disconnects, as sender and as target', () => {
    const relays = createRelayBudgets(limits, () => 0);
    relays.tryRelay('a', 'b', 1000);
    relays.tryRelay('b', 'a', 1000);
    relays.tryRelay('c', 'a', 1000);
    relays.tryRelay('c', 'b', 1000);
    relays.forget('a');
    expect(relays.size).toBe(1);
    // Its pair with b gone, c's to b kept, still spent.
    expect(relays.tryRelay('c', 'b', 1)).toBe(false);
    relays.forget('b');
    expect(relays.size).toBe(0);
  });

  it('drops the pairs with a target gone elsewhere once they are full again, as budgets are used', () => {
    let nowMs = 0;
    const relays = createRelayBudgets(limits, () => nowMs);
    relays.tryRelay('here', 'elsewhere', 1000);
    nowMs += 60_000;
    relays.tryRelay('here', 'another', 1);
    expect(relays.size).toBe(1);
  });

  const largestCandidate: SignalData = {
    type: 'candidate',
    candidate: {
      candidate: 'c'.repeat(1024),
      sdpMLineIndex: 255,
      sdpMid: 'm'.repeat(64),
      usernameFragment: 'u'.repeat(256),
    },
  };
  const bytesOf = (signal: SignalData): number => Buffer.byteLength(JSON.stringify(signal));

  it('holds a try at the largest valid sizes, and a tab’s tries of one peer at real sizes with offers crossed', () => {
    const largestOffer: SignalData = { type: 'offer', sdp: 'x'.repeat(64 * 1024) };
    expect(bytesOf(largestCandidate)).toBeLessThanOrEqual(LARGEST_CANDIDATE_SIGNAL_BYTES);
    const largestTry = bytesOf(largestOffer) + CANDIDATES_PER_CONNECTION * bytesOf(largestCandidate);
    expect(largestTry).toBeLessThanOrEqual(DEFAULT_LIMITS.relayByteBurstPerPair);
    // A real try: an SDP of about a kilobyte, each candidate some 250 bytes; crossed, a side sends an offer and an
    // answer, each with its candidates.
    const realCandidate: SignalData = {
      type: 'candidate',
      candidate: {
        candidate:
          'candidate:842163049 1 udp 1677729535 203.0.113.9 54321 typ srflx raddr 0.0.0.0 rport 0 generation 0',
        sdpMLineIndex: 0,
        sdpMid: '0',
        usernameFragment: 'abcd',
      },
    };
    const realTry = 1024 + CANDIDATES_PER_CONNECTION * bytesOf(realCandidate);
    // A tab's tries of one peer (`MAX_CONNECT_ATTEMPTS`, packages/webrtc, which the server does not depend on): 4.
    const triesOfOnePeer = 4;
    expect(2 * triesOfOnePeer * 2 * realTry).toBeLessThanOrEqual(DEFAULT_LIMITS.relayByteBurstPerPair);
    expect(() => resolveLimits({ relayByteBurstPerPair: 1000 })).toThrow(/relayByteBurstPerPair/);
  });

  it('lets every other member of a full swarm together fill a third of what the server queues for a socket', () => {
    const allSenders = (DEFAULT_MAX_PEERS_PER_SWARM - 1) * DEFAULT_LIMITS.relayByteBurstPerPair;
    expect(allSenders * 2.5).toBeLessThan(DEFAULT_LIMITS.maxSocketBacklogBytes);
  });
});

describe('many members offering one classmate at once', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses the senders past their relay budgets to it, and the target stays connected', async () => {
    // The backlog bound lowered (19.4 MB by default) so that fewer senders pass it; the relay budget its default.
    harness = await startHarness({
      clientAddress: addressFromAuth,
      limits: { maxSocketBacklogBytes: 12 * 1024 * 1024 },
    });
    const target = await harness.connect({ address: 'victim' });
    const received = record(target);
    const created = await target.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
    if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
    // 16 members (a student's script would hold up to 48 seats of its address; each here is an address of its
    // own, so that no per-address budget of theirs stops them first).
    const senders: TypedClient[] = [];
    for (let index = 0; index < 16; index++) {
      const sender = await harness.connect({ address: `10.0.0.${index + 1}` });
      const joined = await sender.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
      if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);
      senders.push(sender);
    }
    const targetOnServer = harness.io.of('/').sockets.get(target.id!)!;
    const reading = pauseReading(target);
    // Each sends 36 offers of 60 KB, within its own byte burst (2.4 MB): 35 MB to the target together, which reads
    // nothing meanwhile.
    const offer: SignalData = { type: 'offer', sdp: 'x'.repeat(60_000) };
    const results = await Promise.all(
      senders.flatMap((sender) =>
        Array.from({ length: 36 }, () =>
          sender
            .timeout(5 * WAIT_MS)
            .emitWithAck('signal:send', { to: created.peerId, signal: offer })
            .then(codeOf),
        ),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Before, every offer was relayed, and the target's connection was closed as a drop (12 MiB queued for it).
    expect(harness.logLines.filter((line) => line.includes('bytes queued for it'))).toEqual([]);
    expect(targetOnServer.connected).toBe(true);
    const relayed = results.filter((code) => code === 'ok').length;
    expect(results.filter((code) => code === 'rate-limited').length).toBe(results.length - relayed);
    // Each sender's burst to it (106,496 bytes) holds one such offer, the refill (5.3 KB/s) one more every 11 s.
    expect(relayed).toBeGreaterThanOrEqual(senders.length);
    expect(relayed).toBeLessThan(3 * senders.length);
    // Reading again, it gets what was relayed to it, and goes on.
    reading.resume();
    await roundTrip(target);
    expect(received.relays).toHaveLength(relayed);
  });

  it('still relays a member’s offers to the seeder that a dozen members flood with candidates', async () => {
    // The clock stopped: no budget refills, so what the flood leaves is what the offers find, however fast this runs.
    harness = await startHarness({ clientAddress: addressFromAuth, nowMs: () => 1000 });
    const seeder = await harness.connect({ address: 'teacher' });
    const received = record(seeder);
    const created = await seeder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
    if (!created.ok) throw new Error(`create refused: ${created.error.code}`);
    const join = async (address: string): Promise<{ client: TypedClient; peerId: string }> => {
      const client = await harness!.connect({ address });
      const joined = await client.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
      if (!joined.ok) throw new Error(`join refused: ${joined.error.code}`);
      return { client, peerId: joined.peerId };
    };
    // A student's script holding 12 of its address's 48 seats (headless peers, say), each within its own budgets.
    const flooders: TypedClient[] = [];
    for (let index = 0; index < 12; index++) flooders.push((await join('prankster')).client);
    const student = await join('student');
    const send = (client: TypedClient, signal: SignalData): Promise<string> =>
      client
        .timeout(5 * WAIT_MS)
        .emitWithAck('signal:send', { to: created.peerId, signal })
        .then(codeOf);
    const sendMany = (signal: SignalData, count: number): Promise<string[][]> =>
      Promise.all(flooders.map((flooder) => Promise.all(Array.from({ length: count }, () => send(flooder, signal)))));

    // Large offers first, 10 each (7.2 MB together), then candidates of some 550 bytes, 100 each.
    await sendMany({ type: 'offer', sdp: 'x'.repeat(60_000) }, 10);
    const flood = await sendMany(
      { type: 'candidate', candidate: { candidate: 'c'.repeat(480), sdpMLineIndex: 0, sdpMid: '0' } },
      100,
    );
    // Each flooder is refused once it has spent its own budget to the seeder.
    for (const codes of flood) expect(codes.at(-1)).toBe('rate-limited');
    // A tab's 4 tries of one peer; a real offer's SDP is about a kilobyte.
    const offer: SignalData = { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(1000) };
    const answered: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) answered.push(await send(student.client, offer));
    // Before, the flood left the seeder's one budget below a real offer: newcomers' offers were refused, and members'
    // answers to it (found by review).
    expect(answered).toEqual(['ok', 'ok', 'ok', 'ok']);
    await roundTrip(seeder);
    expect(received.relays.filter(({ from }) => from === student.peerId)).toHaveLength(4);
  });
});
