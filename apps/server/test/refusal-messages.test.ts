import { checkServerAnswer, MAX_DISPLAY_NAME_CHARS, type SignallingResult } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { makeManifest, startHarness, WAIT_MS, type Harness, type RawClient } from './harness';

/** Sends anything, as a buggy or hostile client would, and returns the server's answer. */
async function rawRequest(client: RawClient, event: string, ...payloads: unknown[]): Promise<SignallingResult> {
  return client.timeout(WAIT_MS).emitWithAck(event, ...payloads);
}

/** A swarm id of the right form, of no swarm. */
const SOME_SWARM_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

describe('what the server says to requests it cannot serve', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses a display name far past its length for its length alone, from a socket in no swarm or a member', async () => {
    harness = await startHarness();
    const [outsider, member] = [await harness.connect(), await harness.connect()];
    expect(await member.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest())).toMatchObject({
      ok: true,
    });
    // Just under the 80 KiB cap: 27,000 U+FDFA (3 bytes each, 18 characters each once NFKC folds them), then a control
    // character and a role mark, which the rules that fold the whole name would have told too.
    const name = `${'\uFDFA'.repeat(27_000)}\u0007 Sam (you)`;
    for (const client of [outsider, member])
      expect(await client.timeout(WAIT_MS).emitWithAck('peer:name', { name })).toEqual({
        ok: false,
        error: { code: 'invalid-payload', message: `name: at most ${MAX_DISPLAY_NAME_CHARS} characters` },
      });
    expect(await member.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Ada' })).toEqual({ ok: true });
  });

  it('answers a request with a long unknown key with a refusal its clients can read', async () => {
    harness = await startHarness();
    const raw = await harness.connectRaw();
    const answer = await rawRequest(raw, 'swarm:join', { swarmId: SOME_SWARM_ID, ['k'.repeat(5000)]: true });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    if (!answer.ok) expect(answer.error.message.length).toBeLessThanOrEqual(2000);
    // What the clients make of it: the refusal, not `malformed-answer`.
    expect(checkServerAnswer('swarm:join', answer)).toMatchObject({
      ok: true,
      value: { ok: false, error: { code: 'invalid-payload' } },
    });
  });

  it('answers an event no handler serves invalid-payload, naming it, and charges it as any event', async () => {
    harness = await startHarness({ limits: { messageBurst: 3, messagesPerSec: 0.001 } });
    const raw = await harness.connectRaw();
    expect(await rawRequest(raw, 'no:such-event', { any: 'thing' })).toEqual({
      ok: false,
      error: { code: 'invalid-payload', message: 'unknown event "no:such-event"' },
    });
    const longName = await rawRequest(raw, 'x'.repeat(5000));
    expect(longName).toEqual({
      ok: false,
      error: { code: 'invalid-payload', message: `unknown event "${'x'.repeat(64)}"` },
    });
    // The third token, then none left: unknown events took two.
    expect(await rawRequest(raw, 'swarm:leave')).toMatchObject({ ok: false, error: { code: 'not-in-swarm' } });
    expect(await rawRequest(raw, 'no:such-event')).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    expect(raw.connected).toBe(true);
  });
});
