import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_GRACE_MS } from '../src/limits';
import { refuse } from '../src/refusals';
import { createUnknownSwarms } from '../src/unknown-swarm';
import { makeManifest, seedTab, serverPerTest, waitUntil, WAIT_MS, type Tab } from './harness';

const UNKNOWN = 'AAAAAAAAAAAAAAAAAAAAAA';

// On Redis each harness has a prefix of its own, empty: a server started as Redis came back empty (`startsEmpty`).
describe('a link to a swarm the server does not know', () => {
  const server = serverPerTest();
  const { clock } = server;

  const joinAndWatch = async (swarmId: string) => {
    const [joiner, watcher] = [await server.harness.connect(), await server.harness.connect()];
    return [
      await joiner.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId }),
      await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId }),
    ];
  };

  it('is asked again while the server is young (its swarms may come back), and told it is unknown after that', async () => {
    await server.start();
    clock.nowMs += 12_000;
    for (const answer of await joinAndWatch(UNKNOWN)) {
      expect(answer).toEqual({
        ok: false,
        error: {
          code: 'swarm-not-registered-yet',
          message:
            'The signalling server started 12 s ago and does not know this swarm yet: if it was running before, its members register it again within seconds.',
        },
      });
    }
    clock.nowMs = 1000 + DEFAULT_MEMBER_GRACE_MS;
    for (const answer of await joinAndWatch(UNKNOWN)) {
      expect(answer).toEqual({
        ok: false,
        error: { code: 'swarm-not-found', message: 'This swarm link is unknown or has ended: every peer left.' },
      });
    }
  });

  it('joins once a member registered the swarm again, inside the moment', async () => {
    const first = await server.start();
    const founder = await seedTab(first);
    await first.close();
    // The same swarm, registered again on a new server by its founder (as its tab does when it reconnects).
    const second = await server.start();
    const pending = await joinAndWatch(founder.swarmId);
    expect(pending.map((answer) => !answer.ok && answer.error.code)).toEqual([
      'swarm-not-registered-yet',
      'swarm-not-registered-yet',
    ]);
    const back = await second.connect();
    const restored = await back.timeout(WAIT_MS).emitWithAck('swarm:restore', {
      ...restoreOf(founder),
      ...(await makeManifest()),
    });
    expect(restored).toMatchObject({ ok: true, swarmId: founder.swarmId });
    const [joined, watched] = await joinAndWatch(founder.swarmId);
    expect(joined).toMatchObject({ ok: true, swarmId: founder.swarmId });
    expect(watched).toMatchObject({ ok: true, swarmId: founder.swarmId });
  });

  it('is told at once that a swarm which ended in this server’s life has ended, however young the server', async () => {
    const harness = await server.start();
    const founder = await seedTab(harness);
    founder.client.disconnect();
    await waitUntil(() => harness.logLines.some((line) => line.startsWith('swarm ended')), 'the swarm ends');
    for (const answer of await joinAndWatch(founder.swarmId)) {
      expect(answer).toMatchObject({ ok: false, error: { code: 'swarm-not-found' } });
    }
    // Any other unknown swarm is still waited for.
    for (const answer of await joinAndWatch(UNKNOWN)) {
      expect(answer).toMatchObject({ ok: false, error: { code: 'swarm-not-registered-yet' } });
    }
  });
});

describe('createUnknownSwarms', () => {
  const notFound = refuse('swarm-not-found');

  it('passes every refusal unchanged where swarms outlive a restart (Redis), until Redis comes back empty', () => {
    let nowMs = 0;
    const unknown = createUnknownSwarms({ nowMs: () => nowMs, graceMs: 30_000, startsEmpty: false });
    expect(unknown.answer(UNKNOWN, notFound)).toBe(notFound);
    nowMs = 100_000;
    unknown.restarted();
    expect(unknown.answer(UNKNOWN, notFound).error).toMatchObject({
      code: 'swarm-not-registered-yet',
      // It did not start: it lost its shared state (Redis came back empty, or took this process for stopped).
      message: expect.stringContaining('lost its shared state') as unknown,
    });
    unknown.ended(UNKNOWN);
    expect(unknown.answer(UNKNOWN, notFound)).toBe(notFound);
    nowMs = 130_000;
    expect(unknown.answer('B'.repeat(22), notFound)).toBe(notFound);
  });

  it('passes other refusals unchanged, and forgets the ended swarms once the server is no longer young', () => {
    let nowMs = 0;
    const unknown = createUnknownSwarms({ nowMs: () => nowMs, graceMs: 30_000, startsEmpty: true });
    const full = refuse('swarm-full');
    expect(unknown.answer(UNKNOWN, full)).toBe(full);
    unknown.ended(UNKNOWN);
    expect(unknown.answer(UNKNOWN, notFound)).toBe(notFound);
    expect(unknown.answer('B'.repeat(22), notFound).error.code).toBe('swarm-not-registered-yet');
    nowMs = 30_000;
    unknown.ended('C'.repeat(22));
    expect(unknown.answer('B'.repeat(22), notFound)).toBe(notFound);
  });
});

/** What `tab`, its swarm's founder, sends a restarted server to register its swarm again (no run going on). */
function restoreOf(tab: Tab) {
  return {
    swarmId: tab.swarmId,
    peerId: tab.peerId,
    memberKey: tab.memberKey,
    seal: tab.seal,
    role: 'seeder' as const,
    control: tab.controlSecret!,
    run: null,
  };
}
