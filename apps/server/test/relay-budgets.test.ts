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

describe('the relay budget of each target socket', () => {
  it('relays its burst, then what the refill allows, each target on its own, and forgets a target', () => {
    let nowMs = 0;
    const relays = createRelayBudgets({ relayByteBurstPerTarget: 1000, relayBytesPerSecPerTarget: 100 }, () => nowMs);
    expect(relays.tryRelay('a', 600)).toBe(true);
    expect(relays.tryRelay('a', 600)).toBe(false);
    expect(relays.tryRelay('b', 1000)).toBe(true);
    nowMs += 2000;
    expect(relays.tryRelay('a', 600)).toBe(true);
    expect(relays.size).toBe(2);
    relays.forget('a');
    expect(relays.size).toBe(1);
  });

  it('drops the budgets of targets gone elsewhere once they are full again, as budgets are used', () => {
    let nowMs = 0;
    const relays = createRelayBudgets({ relayByteBurstPerTarget: 1000, relayBytesPerSecPerTarget: 100 }, () => nowMs);
    relays.tryRelay('elsewhere', 1000);
    nowMs += 60_000;
    relays.tryRelay('here', 1);
    expect(relays.size).toBe(1);
  });

  it('holds a class arriving: every other member of a full swarm sending the largest offer and candidates', () => {
    const largestOffer: SignalData = { type: 'offer', sdp: 'x'.repeat(64 * 1024) };
    const largestCandidate: SignalData = {
      type: 'candidate',
      candidate: {
        candidate: 'c'.repeat(1024),
        sdpMLineIndex: 255,
        sdpMid: 'm'.repeat(64),
        usernameFragment: 'u'.repeat(256),
      },
    };
    const candidateBytes = Buffer.byteLength(JSON.stringify(largestCandidate));
    expect(candidateBytes).toBeLessThanOrEqual(LARGEST_CANDIDATE_SIGNAL_BYTES);
    const arrival =
      (DEFAULT_MAX_PEERS_PER_SWARM - 1) *
      (Buffer.byteLength(JSON.stringify(largestOffer)) + CANDIDATES_PER_CONNECTION * candidateBytes);
    expect(arrival).toBeLessThanOrEqual(DEFAULT_LIMITS.relayByteBurstPerTarget);
    // While a flood of relays fills at most a third of what the server holds for a socket that does not read.
    expect(DEFAULT_LIMITS.relayByteBurstPerTarget * 2.5).toBeLessThan(DEFAULT_LIMITS.maxSocketBacklogBytes);
    expect(() => resolveLimits({ relayByteBurstPerTarget: 1000 })).toThrow(/relayByteBurstPerTarget/);
  });
});

describe('many members offering one classmate at once', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses the senders past the target’s relay budget, and the target stays connected', async () => {
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
    // The burst (6.7 MB, 111 such offers) and a few seconds' refill at most.
    expect(relayed).toBeGreaterThanOrEqual(100);
    expect(relayed).toBeLessThan(160);
    // Reading again, it gets what was relayed to it, and goes on.
    reading.resume();
    await roundTrip(target);
    expect(received.relays).toHaveLength(relayed);
  });
});
