import type { SignallingResult, SwarmCreated } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  disconnected,
  makeManifest,
  OFFER,
  record,
  roundTrip,
  startHarness,
  WAIT_MS,
  type Harness,
  type RawClient,
  type TypedClient,
} from './harness';

/** Sends anything, as a buggy or hostile client would, and returns the server's answer. */
async function rawRequest(client: RawClient, event: string, ...payloads: unknown[]): Promise<SignallingResult> {
  return client.timeout(WAIT_MS).emitWithAck(event, ...payloads);
}

async function createSwarm(client: TypedClient): Promise<SwarmCreated> {
  const result = await client.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
  if (!result.ok) throw new Error(`create refused: ${result.error.message}`);
  return result;
}

describe('signalling server under malformed and abusive input', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses malformed requests with invalid-payload and keeps serving everyone', async () => {
    harness = await startHarness();
    const [raw, member, bystander] = [await harness.connectRaw(), await harness.connect(), await harness.connect()];
    // A create from a socket already in a swarm is refused before its payload is read: these come from outside.
    const outsider = await harness.connectRaw();
    const { peerId } = await createSwarm(member);
    // Signals are checked only once the sender is in a swarm, so put the raw client in one too.
    const { manifest, contentId } = await makeManifest();
    expect(await rawRequest(raw, 'swarm:create', { manifest, contentId })).toMatchObject({ ok: true });

    const malformed: [string, string, ...unknown[]][] = [
      ['non-object', 'swarm:join', 'hello'],
      ['null', 'swarm:join', null],
      ['array', 'swarm:join', ['AAAAAAAAAAAAAAAAAAAAAA']],
      ['missing field', 'swarm:join', {}],
      ['wrong type', 'swarm:join', { swarmId: 42 }],
      ['bad swarm id', 'swarm:join', { swarmId: 'short' }],
      ['bad swarm id characters', 'swarm:join', { swarmId: 'AAAAAAAAAAAAAAAAAAAA/+' }],
      ['extra field', 'swarm:join', { swarmId: 'AAAAAAAAAAAAAAAAAAAAAA', admin: true }],
      ['two payloads', 'swarm:join', { swarmId: 'AAAAAAAAAAAAAAAAAAAAAA' }, { swarmId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      ['no payload', 'swarm:create'],
      ['manifest missing', 'swarm:create', { contentId }],
      ['manifest wrong type', 'swarm:create', { manifest: 'manifest', contentId }],
      ['manifest extra field', 'swarm:create', { manifest: { ...manifest, evil: 1 }, contentId }],
      ['manifest hash count wrong', 'swarm:create', { manifest: { ...manifest, sizeBytes: 1 }, contentId }],
      ['payload on leave', 'swarm:leave', { now: true }],
      ['signal missing', 'signal:send', { to: peerId }],
      ['unknown signal type', 'signal:send', { to: peerId, signal: { type: 'pranswer', sdp: '' } }],
      ['signal wrong type', 'signal:send', { to: peerId, signal: { type: 'offer', sdp: 7 } }],
      ['bad peer id', 'signal:send', { to: '../etc', signal: OFFER }],
      ['extra signal field', 'signal:send', { to: peerId, signal: OFFER, via: 'x' }],
      ['bad watched swarm id', 'swarm:watch', { swarmId: 'short' }],
      ['run:start without config', 'run:start', {}],
      ['run:start config not an object', 'run:start', { config: 'p2p' }],
      ['payload on run:stop', 'run:stop', { runNumber: 1 }],
      ['peer:configure without override', 'peer:configure', { peerId }],
      ['peer:configure unknown field', 'peer:configure', { peerId, override: { turbo: true } }],
    ];
    for (const [label, event, ...payloads] of malformed) {
      const result = await rawRequest(event === 'swarm:create' ? outsider : raw, event, ...payloads);
      expect(result, label).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
      if (!result.ok) expect(result.error.message, label).not.toBe('');
    }

    expect(raw.connected).toBe(true);
    expect(await bystander.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest())).toMatchObject({
      ok: true,
    });
  });

  it('ignores a request without an acknowledgement, and survives unknown events, without disconnecting', async () => {
    harness = await startHarness();
    const [raw, member] = [await harness.connectRaw(), await harness.connect()];
    const received = record(member);
    const { peerId, swarmId } = await createSwarm(member);
    const { manifest, contentId } = await makeManifest();
    raw.emit('swarm:create', { manifest, contentId });
    raw.emit('swarm:join', 'not even an object');
    raw.emit('signal:send', { to: peerId, signal: OFFER }, 'not an ack');
    raw.emit('server:shutdown', () => undefined);

    // Had the acknowledgement-less create gone through, this would answer already-in-swarm.
    expect(await rawRequest(raw, 'swarm:create', { manifest, contentId })).toMatchObject({ ok: true });
    expect(raw.connected).toBe(true);

    // A signal without an acknowledgement from a member of the same swarm, which one with it would reach (above, the
    // raw client was in no swarm of the member's: nothing could have been relayed whatever the server did).
    const classmate = await harness.connectRaw();
    expect(await rawRequest(classmate, 'swarm:join', { swarmId })).toMatchObject({ ok: true });
    classmate.emit('signal:send', { to: peerId, signal: OFFER }, 'not an ack');
    classmate.emit('signal:send', { to: peerId, signal: OFFER });
    // Its events are handled in order: once this one is answered, the two before it were.
    expect(await rawRequest(classmate, 'swarm:watch', { swarmId: 'short' })).toMatchObject({ ok: false });
    await roundTrip(member);
    expect(received.relays).toEqual([]);
    // The control: the same signal, acknowledged, is relayed.
    expect(await rawRequest(classmate, 'signal:send', { to: peerId, signal: OFFER })).toEqual({ ok: true });
    await roundTrip(member);
    expect(received.relays).toHaveLength(1);
  });

  it('refuses a signal larger than the signal cap with payload-too-large', async () => {
    harness = await startHarness({ limits: { maxSignalPayloadBytes: 1024 } });
    const [a, b] = [await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const { swarmId, peerId } = await createSwarm(a);
    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId })).toMatchObject({ ok: true });

    const bigOffer = { type: 'offer' as const, sdp: 'a=x\r\n'.repeat(400) };
    const result = await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerId, signal: bigOffer });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload-too-large' } });
    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerId, signal: OFFER })).toEqual({ ok: true });
    await roundTrip(a);
    expect(receivedA.relays).toEqual([{ from: expect.any(String), signal: OFFER }]);
  });

  it('relays a signal’s try id, and refuses one that is no such id', async () => {
    harness = await startHarness();
    const [a, b] = [await harness.connect(), await harness.connect()];
    const receivedA = record(a);
    const { swarmId, peerId } = await createSwarm(a);
    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId })).toMatchObject({ ok: true });
    for (const attempt of [-1, 1.5, 2 ** 31, '7'])
      expect(
        await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerId, signal: OFFER, attempt } as never),
      ).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(await b.timeout(WAIT_MS).emitWithAck('signal:send', { to: peerId, signal: OFFER, attempt: 7 })).toEqual({
      ok: true,
    });
    await roundTrip(a);
    expect(receivedA.relays).toEqual([{ from: expect.any(String), signal: OFFER, attempt: 7 }]);
  });

  it('disconnects a client that sends a packet past maxHttpBufferSize, and serves the others', async () => {
    harness = await startHarness({ limits: { maxEventBytes: 4096 } });
    const [hog, other] = [await harness.connectRaw(), await harness.connect()];
    const { manifest, contentId } = await makeManifest();
    const closed = disconnected(hog);
    hog.emit('swarm:create', { manifest: { ...manifest, name: 'x'.repeat(8192) }, contentId }, () => undefined);
    expect(await closed).toBe('transport close');
    expect(await other.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId })).toMatchObject({
      ok: true,
    });
  });

  it('answers rate-limited past the burst, refills over time, and does not slow other sockets', async () => {
    let nowMs = 0;
    harness = await startHarness({ limits: { messageBurst: 5, messagesPerSec: 2 }, nowMs: () => nowMs });
    const [flooder, other] = [await harness.connect(), await harness.connect()];

    const results = await Promise.all(
      Array.from({ length: 8 }, () => flooder.timeout(WAIT_MS).emitWithAck('swarm:leave')),
    );
    const codes = results.map((result) => (result.ok ? 'ok' : result.error.code));
    expect(codes).toEqual([...Array<string>(5).fill('not-in-swarm'), ...Array<string>(3).fill('rate-limited')]);

    expect(await other.timeout(WAIT_MS).emitWithAck('swarm:leave')).toMatchObject({
      error: { code: 'not-in-swarm' },
    });

    nowMs += 1000; // two tokens back at 2 per second
    const later = [];
    for (let i = 0; i < 3; i++) later.push(await flooder.timeout(WAIT_MS).emitWithAck('swarm:leave'));
    expect(later.map((result) => (result.ok ? 'ok' : result.error.code))).toEqual([
      'not-in-swarm',
      'not-in-swarm',
      'rate-limited',
    ]);
    expect(flooder.connected).toBe(true);
  });

  it('answers internal-error when a handler fails, logs why, and carries on serving', async () => {
    let failNext = true;
    harness = await startHarness({
      randomBytes: (byteCount) => {
        if (failNext) {
          failNext = false;
          throw new Error('entropy pool on fire');
        }
        return new Uint8Array(byteCount).map(() => Math.floor(Math.random() * 256));
      },
    });
    harness.expectLogErrors(/swarm:create handler failed: .*on fire/);
    const [a, b] = [await harness.connect(), await harness.connect()];
    const { manifest, contentId } = await makeManifest();
    // swarm:create is async (it hashes the manifest): this failure is a rejected promise.
    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId })).toEqual({
      ok: false,
      error: { code: 'internal-error', message: expect.stringContaining('server failed') },
    });
    expect(
      harness.logLines.some((line) => line.includes('swarm:create handler failed') && line.includes('on fire')),
    ).toBe(true);

    expect(await a.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId })).toMatchObject({ ok: true });
    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:create', { manifest, contentId })).toMatchObject({ ok: true });
  });

  it('answers internal-error when a synchronous handler throws, without telling the client why', async () => {
    let failJoin = false;
    harness = await startHarness({
      randomBytes: (byteCount) => {
        if (failJoin) throw new Error('secret detail');
        return new Uint8Array(byteCount).map(() => Math.floor(Math.random() * 256));
      },
    });
    harness.expectLogErrors(/swarm:join handler failed: Error: secret detail/);
    const [a, b] = [await harness.connect(), await harness.connect()];
    const { swarmId } = await createSwarm(a);
    failJoin = true;
    const result = await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal-error' } });
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(harness.logLines.some((line) => line.includes('swarm:join handler failed: Error: secret detail'))).toBe(
      true,
    );
    failJoin = false;
    expect(await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId })).toMatchObject({ ok: true });
  });
});
