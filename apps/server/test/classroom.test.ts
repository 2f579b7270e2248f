import { JOIN_CODE_ALPHABET, joinCodeSchema, type JoinCode, type PeerProgress } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { createJoinCodes, randomJoinCode } from '../src/join-codes';
import {
  addressFromAuth,
  joinTab,
  makeManifest,
  latestProgress,
  record,
  seedTab,
  serverPerTest,
  waitUntil,
  WAIT_MS,
  type TypedClient,
  ON_SHARED_STORE,
} from './harness';

/** A code no swarm has: the first one differing from `code` in its last symbol. */
function otherCode(code: JoinCode): JoinCode {
  const last = code.at(-1)!;
  return `${code.slice(0, -1)}${last === '2' ? '3' : '2'}`;
}

async function resolve(client: TypedClient, code: string) {
  return client.timeout(WAIT_MS).emitWithAck('code:resolve', { code });
}

describe('join codes', () => {
  const server = serverPerTest();

  it('answer the creator, the joiners and the watchers, and resolve to the swarm', async () => {
    const harness = await server.start();
    const creator = await harness.connect();
    const file = await makeManifest();
    const made = await creator.timeout(WAIT_MS).emitWithAck('swarm:create', file);
    if (!made.ok) throw new Error(made.error.message);
    expect(joinCodeSchema.safeParse(made.joinCode).success).toBe(true);

    const student = await harness.connect();
    expect(await resolve(student, made.joinCode)).toEqual({
      ok: true,
      swarmId: made.swarmId,
      contentId: file.contentId,
    });
    const joined = await student.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: made.swarmId });
    expect(joined).toMatchObject({ ok: true, joinCode: made.joinCode });
    const projector = await harness.connect();
    const watched = await projector.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: made.swarmId });
    expect(watched).toMatchObject({ ok: true, joinCode: made.joinCode });
  });

  it('are unique among live swarms and go when their swarm ends', async () => {
    const harness = await server.start();
    const tabs = await Promise.all([1, 2, 3, 4].map(() => seedTab(harness)));
    const looker = await harness.connect();
    const codes: JoinCode[] = [];
    for (const tab of tabs) {
      const joined = await joinTab(harness, tab.swarmId);
      const watcher = await harness.connect();
      const watched = await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: tab.swarmId });
      if (!watched.ok) throw new Error(watched.error.message);
      codes.push(watched.joinCode);
      joined.client.disconnect();
      watcher.disconnect();
    }
    expect(new Set(codes).size).toBe(4);
    if (!ON_SHARED_STORE) expect(harness.stats().joinCodes).toBe(4);

    // The swarm ends with its last member: its code names nothing any more.
    const ended = record(looker);
    tabs[0]!.client.disconnect();
    await waitUntil(() => harness.logLines.some((line) => line.startsWith('swarm ended')), 'the first swarm ended');
    expect(await resolve(looker, codes[0]!)).toMatchObject({ ok: false, error: { code: 'code-not-found' } });
    expect(await resolve(looker, codes[1]!)).toMatchObject({ ok: true, swarmId: tabs[1]!.swarmId });
    if (!ON_SHARED_STORE) expect(harness.stats().joinCodes).toBe(3);
    expect(ended.swarmsEnded).toEqual([]);
  });

  it('refuse codes that are not in the canonical form, unread', async () => {
    const harness = await server.start();
    const client = await harness.connect();
    for (const code of ['k7mq3p', 'K7M-Q3P', 'K7MQ3O', 'K7MQ3', '<b>X</b>', '']) {
      expect(await resolve(client, code), code).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    const raw = await harness.connectRaw();
    expect(await raw.timeout(WAIT_MS).emitWithAck('code:resolve', { code: 'K7MQ3P', swarmId: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-payload' },
    });
  });

  /** A server allowing 3 failed lookups per address at once, then 60 an hour, with a swarm from 10.0.0.1. */
  const swarmOnLimitedServer = async () => {
    const harness = await server.start({
      clientAddress: addressFromAuth,
      limits: { failedCodeLookupBurstPerAddress: 3, failedCodeLookupsPerHourPerAddress: 60 },
    });
    const seeder = await harness.connect({ address: '10.0.0.1' });
    const made = await seeder.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
    if (!made.ok) throw new Error(made.error.message);
    return { harness, made };
  };

  it('limit failed lookups per address: past the budget even a right code is refused, until it refills', async () => {
    const { harness, made } = await swarmOnLimitedServer();
    const wrong = otherCode(made.joinCode);

    const guesser = await harness.connect({ address: '10.6.6.6' });
    const sameNetwork = await harness.connect({ address: '10.6.6.6' });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await resolve(guesser, wrong)).toMatchObject({ ok: false, error: { code: 'code-not-found' } });
    }
    // Out of failed lookups: the right code is refused too, from every socket of that address.
    for (const client of [guesser, sameNetwork]) {
      expect(await resolve(client, made.joinCode)).toMatchObject({
        ok: false,
        error: { code: 'too-many-code-lookups' },
      });
    }
    // Another address is not held back.
    const student = await harness.connect({ address: '10.0.0.2' });
    expect(await resolve(student, made.joinCode)).toMatchObject({ ok: true, swarmId: made.swarmId });
    // Successful lookups cost nothing of the budget.
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(await resolve(student, made.joinCode)).toMatchObject({ ok: true });
    }

    // 60 per hour: one more failed lookup a minute.
    server.clock.nowMs += 59_000;
    expect(await resolve(guesser, made.joinCode)).toMatchObject({ error: { code: 'too-many-code-lookups' } });
    server.clock.nowMs += 1_000;
    expect(await resolve(guesser, made.joinCode)).toMatchObject({ ok: true, swarmId: made.swarmId });
    expect(await resolve(guesser, wrong)).toMatchObject({ error: { code: 'code-not-found' } });
    expect(await resolve(guesser, made.joinCode)).toMatchObject({ error: { code: 'too-many-code-lookups' } });
  });

  it('holds a burst of lookups sent at once to the budget, as it holds one lookup after another', async () => {
    const { harness, made } = await swarmOnLimitedServer();
    const guesser = await harness.connect({ address: '10.6.6.6' });
    const wrong = otherCode(made.joinCode);
    const answers = await Promise.all(Array.from({ length: 10 }, () => resolve(guesser, wrong)));
    const codes = answers.map((answer) => (answer.ok ? 'ok' : answer.error.code));
    expect(codes.filter((code) => code === 'code-not-found')).toHaveLength(3);
    expect(codes.filter((code) => code === 'too-many-code-lookups')).toHaveLength(7);
  });
});

describe('join code registry', () => {
  it('draws symbols without bias: bytes from 248 up are drawn again, not folded onto the first symbols', () => {
    const batches = [
      Uint8Array.of(248, 249, 250, 251, 252, 253, 254, 255, 0, 1, 2, 3),
      Uint8Array.of(255, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
      // 31 and 62 are symbol 0 again, 247 (the last byte kept), 30, 61 and 92 the last symbol.
      Uint8Array.of(31, 62, 247, 30, 61, 92, 0, 0, 0, 0, 0, 0),
    ];
    const source = () => batches.shift()!;
    // What a batch leaves over is not kept for the next code.
    expect(randomJoinCode(source)).toBe(JOIN_CODE_ALPHABET.slice(0, 6));
    expect(randomJoinCode(source)).toBe('22ZZZZ');
  });

  it('draws again when a code is taken by a live swarm', () => {
    // The first two draws give the same code, the third another.
    const draws = [new Uint8Array(12).fill(0), new Uint8Array(12).fill(0), new Uint8Array(12).fill(1)];
    const codes = createJoinCodes(() => draws.shift() ?? new Uint8Array(12).fill(2));
    const first = codes.ensure({ swarmId: 'A'.repeat(22), contentId: 'a'.repeat(64) });
    const second = codes.ensure({ swarmId: 'B'.repeat(22), contentId: 'b'.repeat(64) });
    expect(first).toBe('222222');
    expect(second).toBe('333333');
    expect(codes.ensure({ swarmId: 'A'.repeat(22), contentId: 'a'.repeat(64) })).toBe(first);
    codes.release('A'.repeat(22));
    expect(codes.swarmOf(first)).toBeUndefined();
    expect(codes.swarmOf(second)).toEqual({ swarmId: 'B'.repeat(22), contentId: 'b'.repeat(64) });
    expect(codes.size).toBe(1);
  });
});

describe('display names', () => {
  const server = serverPerTest();

  it('reach every screen as the member typed them, HTML included, and go when it leaves', async () => {
    const harness = await server.start();
    const seeder = await seedTab(harness);
    const student = await joinTab(harness, seeder.swarmId);
    const projector = await harness.connect();
    const shown = record(projector);
    await projector.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId });

    const name = '  <img src=x onerror=alert(1)> Ada ';
    expect(await student.client.timeout(WAIT_MS).emitWithAck('peer:name', { name })).toEqual({ ok: true });
    const named = await latestProgress(
      shown,
      (progress) => progress.peers.some((peer) => peer.name != null),
      'the name is broadcast',
    );
    expect(named.peers.map((peer) => [peer.peerId, peer.name])).toEqual([
      [seeder.peerId, null],
      [student.peerId, '<img src=x onerror=alert(1)> Ada'],
    ]);
    // A later watcher gets the names in its reply.
    const lateWatcher = await harness.connect();
    const late = await lateWatcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId });
    if (!late.ok) throw new Error(late.error.message);
    expect(late.progress.peers.find((peer: PeerProgress) => peer.peerId === student.peerId)?.name).toBe(
      '<img src=x onerror=alert(1)> Ada',
    );

    expect(await student.client.timeout(WAIT_MS).emitWithAck('peer:name', { name: null })).toEqual({ ok: true });
    await latestProgress(shown, (progress) => progress.peers.every((peer) => peer.name == null), 'the name cleared');
    await student.client.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Grace' });
    // (Redis holds the names in the swarm's record, not in this process.)
    if (!ON_SHARED_STORE) expect(harness.stats().peerNames).toBe(1);
    student.client.disconnect();
    if (!ON_SHARED_STORE) await waitUntil(() => harness.stats().peerNames === 0, 'the name went with its member');
  });

  it('refuse control characters, overlong names and non-members', async () => {
    const harness = await server.start();
    const seeder = await seedTab(harness);
    for (const name of ['Ada\u0000', 'A\nB', '\u202Eevil', 'x'.repeat(33), '   ', 42]) {
      expect(
        await seeder.client.timeout(WAIT_MS).emitWithAck('peer:name', { name } as { name: string }),
        JSON.stringify(name),
      ).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    const watcher = await harness.connect();
    await watcher.timeout(WAIT_MS).emitWithAck('swarm:watch', { swarmId: seeder.swarmId });
    expect(await watcher.timeout(WAIT_MS).emitWithAck('peer:name', { name: 'Projector' })).toMatchObject({
      ok: false,
      error: { code: 'not-in-swarm' },
    });
    expect(harness.stats().peerNames).toBe(0);
  });
});
