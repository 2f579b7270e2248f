import { MAX_CHUNK_COUNT, type RunConfig, type SignallingResult } from '@swarmlab/protocol';
import { largestCreateRequest, largestRestoreRequest } from '@swarmlab/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/index';
import {
  disconnected,
  makeManifest,
  record,
  roundTrip,
  startHarness,
  WAIT_MS,
  type Harness,
  type RawClient,
  ON_SHARED_STORE,
} from './harness';

async function rawRequest(client: RawClient, event: string, ...payloads: unknown[]): Promise<SignallingResult> {
  return client.timeout(WAIT_MS).emitWithAck(event, ...payloads);
}

const codeOf = (result: SignallingResult): string => (result.ok ? 'ok' : result.error.code);

const pick = <T>(index: number, items: readonly T[]): T => items[index % items.length]!;

/** Acknowledgement ids of raw requests: far above the ones socket.io-client gives its own requests. */
let nextRawAckId = 1_000_000;

/**
 * Sends `event` with `payloadJson` as a socket.io text frame written by hand, as a hostile client would
 * (socket.io-client recurses through a payload to encode it, so it cannot send every payload a raw
 * socket can), and resolves with the server's answer.
 */
async function rawFrameRequest(client: RawClient, event: string, payloadJson: string): Promise<SignallingResult> {
  const engine = client.io.engine as unknown as {
    send(frame: string): void;
    on(event: 'message', listener: (data: unknown) => void): void;
    off(event: 'message', listener: (data: unknown) => void): void;
  };
  const id = nextRawAckId++;
  const answerPrefix = `3${id}[`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to raw request ${id}`)), WAIT_MS);
    const onMessage = (data: unknown): void => {
      if (typeof data !== 'string' || !data.startsWith(answerPrefix)) return;
      clearTimeout(timer);
      engine.off('message', onMessage);
      resolve((JSON.parse(data.slice(answerPrefix.length - 1)) as [SignallingResult])[0]);
    };
    engine.on('message', onMessage);
    // A socket.io EVENT packet (type 2) with its acknowledgement id; engine.io adds its own message type.
    engine.send(`2${id}${JSON.stringify([event]).slice(0, -1)},${payloadJson}]`);
  });
}

/** A config whose numbers take the most digits. */
const LONGEST_CONFIG: RunConfig = {
  mode: 'client-server',
  seederUploadBytesPerSec: 9_999_999_999.999998,
  peerUploadBytesPerSec: 1_234_567.8901234567,
  peerDownloadBytesPerSec: 10_000.000000000002,
  leaveOnComplete: false,
};

describe('signalling server against hostile payloads', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses payloads nested 5,000 deep as payload-too-deep, logs nothing, and keeps serving', async () => {
    harness = await startHarness();
    const [hostile, honest] = [await harness.connectRaw(), await harness.connect()];
    const created = await honest.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
    if (!created.ok) throw new Error(created.error.message);

    // 200 of them, as in issue #10 (each a 10 KB frame), while the honest client makes a round trip.
    const deep = `[${'['.repeat(5000)}${']'.repeat(5000)}]`;
    const refusals = Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        rawFrameRequest(hostile, pick(index, ['swarm:join', 'swarm:create', 'signal:send']), deep),
      ),
    );
    await roundTrip(honest);
    const results = await refusals;
    expect(new Set(results.map(codeOf))).toEqual(new Set(['payload-too-deep']));
    expect(results[0]).toMatchObject({ error: { message: 'The request nests deeper than 16 levels.' } });
    expect(harness.logLines).toEqual(['swarm created (1 swarms)']);
    expect(hostile.connected).toBe(true);
  });

  it('caps signals in UTF-8 bytes: an offer within the character cap but past the byte cap is refused', async () => {
    harness = await startHarness();
    const [a, b] = [await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const created = await a.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
    if (!created.ok) throw new Error(created.error.message);
    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId })).toMatchObject({
      ok: true,
    });

    // 65,536 characters (the schema's cap) but 196,608 bytes: the old character count let it through.
    const wide = { type: 'offer' as const, sdp: '€'.repeat(64 * 1024) };
    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: created.peerId, signal: wide })).toMatchObject({
      ok: false,
      error: { code: 'payload-too-large', message: `The request is larger than ${80 * 1024} bytes.` },
    });

    // The largest honest SDP: 64 Ki ASCII characters in candidate lines, their CRLFs escaped in JSON.
    const line = 'a=candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host\r\n';
    const longest = { type: 'offer' as const, sdp: line.repeat(Math.floor((64 * 1024) / line.length)) };
    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: created.peerId, signal: longest })).toEqual({
      ok: true,
    });
    await roundTrip(a);
    expect(receivedA.relays.map((relay) => relay.signal)).toEqual([longest]);
  });

  it('accepts the largest valid swarm:create with the default limits, which are sized for it', async () => {
    harness = await startHarness();
    const request = await largestCreateRequest(LONGEST_CONFIG);
    const requestBytes = Buffer.byteLength(JSON.stringify(request));
    expect(requestBytes).toBeGreaterThan(MAX_CHUNK_COUNT * 67);
    // socket.io's framing (`421["swarm:create",…]`) fits in what is left.
    expect(requestBytes + 64).toBeLessThan(DEFAULT_LIMITS.maxEventBytes);
    const client = await harness.connect();
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:create', request)).toMatchObject({ ok: true });
  });

  it('reads the largest valid swarm:restore (a swarm re-registered after a restart), which the limits hold too', async () => {
    harness = await startHarness();
    const request = await largestRestoreRequest(LONGEST_CONFIG);
    expect(Buffer.byteLength(JSON.stringify(request)) + 64).toBeLessThan(DEFAULT_LIMITS.maxEventBytes);
    const client = await harness.connect();
    // Its made-up seal does not bind its swarm id: refused, but read and answered, not cut off by the transport.
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:restore', request)).toMatchObject({
      ok: false,
      error: { code: 'seal-mismatch' },
    });
  });

  it('reads the largest valid swarm:resume (a controller listing the links it set for every member)', async () => {
    harness = await startHarness();
    const { manifest: _, contentId: __, ...resume } = await largestRestoreRequest(LONGEST_CONFIG);
    expect(Buffer.byteLength(JSON.stringify(resume))).toBeGreaterThan(DEFAULT_LIMITS.maxSignalPayloadBytes);
    const client = await harness.connect();
    // Read and answered (the server knows no such swarm), not refused as too large.
    expect(await client.timeout(WAIT_MS).emitWithAck('swarm:resume', resume)).toMatchObject({
      ok: false,
      error: { code: 'swarm-not-found' },
    });
  });

  // On Redis only the commit script knows (`ON_SHARED_STORE`): such creates are refused once read.
  it.skipIf(ON_SHARED_STORE)(
    'refuses what cannot succeed before reading it: a member’s create, a create past the swarm cap',
    async () => {
      harness = await startHarness({ limits: { maxSwarms: 1 } });
      const [member, outsider] = [await harness.connectRaw(), await harness.connectRaw()];
      expect(await rawRequest(member, 'swarm:create', await makeManifest())).toMatchObject({ ok: true });
      // Neither payload is even valid: the refusal comes before anything reads it.
      const abyss = `{"manifest":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      expect(codeOf(await rawFrameRequest(member, 'swarm:create', abyss))).toBe('already-in-swarm');
      expect(codeOf(await rawRequest(outsider, 'swarm:create', 'not a request'))).toBe('too-many-swarms');
    },
  );

  it('charges events without an acknowledgement, and unknown events, to the sender’s budget', async () => {
    let nowMs = 0;
    harness = await startHarness({
      nowMs: () => nowMs,
      limits: { maxEventBytes: 8 * 1024, receivedByteBurst: 20 * 1024, receivedBytesPerSec: 10 * 1024 },
    });
    const [flooder, other] = [await harness.connectRaw(), await harness.connectRaw()];
    const junk = { swarmId: 'x'.repeat(6 * 1024) };
    // About 26 KiB with the per-frame floor: 6 KiB into debt, and none of these has an acknowledgement.
    for (let event = 0; event < 4; event++) flooder.emit('swarm:join', junk);
    expect(codeOf(await rawRequest(flooder, 'swarm:leave'))).toBe('rate-limited');
    expect(codeOf(await rawRequest(other, 'swarm:leave'))).toBe('not-in-swarm');

    nowMs += 1000; // 10 KiB back: out of debt
    expect(codeOf(await rawRequest(flooder, 'swarm:leave'))).toBe('not-in-swarm');

    // A socket that goes on sending far past its budget is disconnected, whatever it sends.
    const closed = disconnected(flooder);
    for (let event = 0; event < 8; event++) flooder.emit('no:such-event', junk);
    await closed;
    expect(harness.logLines.filter((line) => line.includes('past its byte budget'))).toHaveLength(1);
    expect(codeOf(await rawRequest(other, 'swarm:leave'))).toBe('not-in-swarm');
  });

  it('takes a request token for every event, unknown or without an acknowledgement', async () => {
    harness = await startHarness({ nowMs: () => 0, limits: { messageBurst: 4 } });
    const client = await harness.connectRaw();
    client.emit('no:such-event');
    client.emit('swarm:leave');
    client.emit('swarm:leave', { extra: true });
    expect(codeOf(await rawRequest(client, 'swarm:leave'))).toBe('not-in-swarm');
    expect(codeOf(await rawRequest(client, 'swarm:leave'))).toBe('rate-limited');
  });

  it('disconnects a sender of a frame larger than the largest valid request', async () => {
    harness = await startHarness();
    const [hog, other] = [await harness.connectRaw(), await harness.connect()];
    const closed = disconnected(hog);
    hog.emit('swarm:create', { junk: 'x'.repeat(DEFAULT_LIMITS.maxEventBytes) });
    expect(await closed).toBe('transport close');
    await roundTrip(other);
  });
});
