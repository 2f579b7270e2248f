import {
  DEFAULT_RUN_CONFIG,
  type ClientToServerEvents,
  type SignallingErrorCode,
  type SwarmResumeRequest,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import type { ServerLimits } from '../src/index';
import { REFUSAL_MESSAGES } from '../src/refusals';
import { deepNest, mutate, pick, randomInt, randomString, randomValue, seededRandom, type Random } from './fuzz-values';
import {
  addressFromAuth,
  CANDIDATE,
  heapUsedBytes,
  leeching,
  makeManifest,
  OFFER,
  ON_SHARED_STORE,
  record,
  startHarness,
  waitUntil,
  WAIT_MS,
  type Harness,
  type RawClient,
  type Tab,
} from './harness';

/** Events per fuzzing client, and clients: thousands of events in all, a few seconds on two cores. */
const EVENTS_PER_CLIENT = 1000;
const FUZZ_SEEDS = [0xf00d, 0xbeef, 0xcafe, 0xd1ce];
/** Events sent before waiting for their answers, so that many are in flight at once. */
const BATCH = 25;
/** Tries to reconnect before a fuzzing client gives up: its address may owe bytes for a while. */
const RECONNECT_ATTEMPTS = 20;

const EVENTS: readonly (keyof ClientToServerEvents)[] = [
  'swarm:create',
  'swarm:join',
  'swarm:watch',
  'swarm:leave',
  'swarm:resume',
  'swarm:restore',
  'signal:send',
  'progress:report',
  'run:start',
  'run:stop',
  'peer:configure',
  'code:resolve',
  'peer:name',
];

/**
 * socket.io packets written by hand (engine.io adds its message type): reserved and unheard-of names,
 * malformed JSON, packet types a client must not send, a binary placeholder with no attachment, a
 * 100,000-deep array socket.io-client could not even encode, and a frame that is not socket.io at all.
 */
const RAW_FRAMES = [
  '2["error","boom"]',
  '2["disconnect"]',
  '2["newListener","swarm:join"]',
  '2{not json',
  '2[]',
  '2[1,2,3]',
  '3["an ack nobody asked for"]',
  '51-["swarm:join",{"_placeholder":true,"num":0}]',
  '0/elsewhere,',
  '1',
  '4',
  '9',
  `2["swarm:join",${'['.repeat(100_000)}${']'.repeat(100_000)}]`,
  `2["swarm:create",${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}]`,
  'GET / HTTP/1.1',
];

/** Every answer a hostile client may get: any refusal but a failure of the server, or a success. */
const EXPECTED_CODES = new Set<string>(Object.keys(REFUSAL_MESSAGES).filter((code) => code !== 'internal-error'));

interface Answer {
  readonly event: string;
  readonly reply: unknown;
}

interface FuzzReport {
  readonly sent: number;
  readonly answers: Answer[];
  readonly unanswered: number;
  readonly reconnects: number;
  /** Reconnections the server refused (an address in debt waits until it has repaid). */
  readonly refusedConnections: number;
}

/** `tab`'s own resume, as it would send it after its connection dropped. */
function resumeOf(tab: Tab): SwarmResumeRequest {
  return {
    swarmId: tab.swarmId,
    peerId: tab.peerId,
    memberKey: tab.memberKey,
    seal: tab.seal,
    role: 'seeder',
    run: null,
  };
}

/** What a request looks like when well formed, for mutating: each knows the honest swarm's link. */
function template(event: string, honest: Tab, manifest: Awaited<ReturnType<typeof makeManifest>>): unknown {
  switch (event) {
    case 'swarm:create':
      return manifest;
    case 'swarm:join':
    case 'swarm:watch':
      return { swarmId: honest.swarmId };
    case 'swarm:resume':
      // The honest seeder's place, without its member key: refused, the seeder undisturbed.
      return { ...resumeOf(honest), memberKey: 'K'.repeat(22) };
    case 'swarm:restore':
      return { ...resumeOf(honest), memberKey: 'K'.repeat(22), ...manifest };
    case 'signal:send':
      return { to: honest.peerId, signal: OFFER };
    case 'progress:report':
      return leeching(null);
    case 'run:start':
      return { config: DEFAULT_RUN_CONFIG };
    case 'peer:configure':
      return { peerId: honest.peerId, override: { uploadBytesPerSec: null } };
    case 'code:resolve':
      return { code: 'K7MQ3P' };
    case 'peer:name':
      return { name: 'Ada' };
    default:
      return undefined;
  }
}

/** The arguments of one fuzzed event: mostly one mutated or random payload, sometimes none or several. */
function argumentsFor(random: Random, event: string, base: unknown): unknown[] {
  const roll = random();
  if (roll < 0.35) return [mutate(random, base)];
  if (roll < 0.5) return base === undefined ? [] : [base];
  if (roll < 0.65) return [randomValue(random, 4)];
  // socket.io-client recurses to encode a payload: deeper ones go as raw frames (RAW_FRAMES).
  if (roll < 0.72) return [deepNest(randomInt(random, 17, 1000), base, random() < 0.5 ? 'array' : 'object')];
  if (roll < 0.78) return [{ swarmId: Buffer.from(randomString(random, 40)) }];
  if (roll < 0.84) return [];
  if (roll < 0.9) return [base, randomValue(random, 2)];
  return [
    event === 'swarm:create' ? { manifest: 'x'.repeat(randomInt(random, 1, 300_000)) } : randomString(random, 64),
  ];
}

async function fuzz(harness: Harness, seed: number, honest: Tab): Promise<FuzzReport> {
  const random = seededRandom(seed);
  const address = `10.9.${seed & 0xff}.1`;
  const manifest = await makeManifest(40 * 1024, `fuzz-${seed}`);
  const answers: Answer[] = [];
  let client: RawClient = await harness.connectRaw({ address });
  let reconnects = 0;
  let refusedConnections = 0;
  let unanswered = 0;
  let sent = 0;
  /** A new connection from the same address, or undefined if the server kept refusing it (the fuzz ends). */
  const reconnect = async (): Promise<RawClient | undefined> => {
    for (let attempt = 0; attempt < RECONNECT_ATTEMPTS; attempt++) {
      try {
        return await harness.connectRaw({ address });
      } catch {
        refusedConnections++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return undefined;
  };

  while (sent < EVENTS_PER_CLIENT) {
    if (client.disconnected) {
      reconnects++;
      const next = await reconnect();
      if (!next) break;
      client = next;
    }
    const current = client;
    // An answer, or the connection's end (the server drops a client that breaks socket.io's framing).
    const closed = new Promise<void>((resolve) => current.once('disconnect', () => resolve()));
    const pending: Promise<void>[] = [];
    for (let index = 0; index < BATCH && sent < EVENTS_PER_CLIENT; index++, sent++) {
      const known = random() < 0.85;
      const event = known ? pick(random, EVENTS) : `${randomString(random, 20)}?`;
      const args = argumentsFor(random, event, template(event, honest, manifest));
      const ackRoll = random();
      if (ackRoll < 0.15) {
        current.emit(event, ...args);
      } else if (ackRoll < 0.2) {
        current.emit(event, ...args, 'not an acknowledgement');
      } else {
        const answered = new Promise<void>((resolve) => {
          current.timeout(WAIT_MS).emit(event, ...args, (error: Error | null, reply: unknown) => {
            if (error) unanswered++;
            else answers.push({ event, reply });
            resolve();
          });
        });
        // An unknown event is answered too (`invalid-payload`), so every one is waited for.
        pending.push(Promise.race([answered, closed]));
      }
    }
    // Last in its batch, so the events before it are answered before it ends the connection.
    if (random() < 0.3) {
      sent++;
      (current.io.engine as unknown as { send(frame: string): void }).send(pick(random, RAW_FRAMES));
    }
    await Promise.all(pending);
  }
  client.disconnect();
  return { sent, answers, unanswered, reconnects, refusedConnections };
}

/** Time between two exchanges of the honest pair: 50 signals a second each way, half the request limit. */
const HONEST_INTERVAL_MS = 20;

/** An honest pair relaying signals both ways, each one acknowledged and delivered. */
async function honestTraffic(a: Tab, b: Tab, until: () => boolean): Promise<number> {
  let exchanges = 0;
  while (!until()) {
    const next = new Promise((resolve) => setTimeout(resolve, HONEST_INTERVAL_MS));
    expect(await b.client.timeout(WAIT_MS).emitWithAck('signal:send', { to: a.peerId, signal: OFFER })).toEqual({
      ok: true,
    });
    expect(await a.client.timeout(WAIT_MS).emitWithAck('signal:send', { to: b.peerId, signal: CANDIDATE })).toEqual({
      ok: true,
    });
    exchanges++;
    await next;
  }
  return exchanges;
}

/**
 * Generous budgets, so that the fuzz gets past them to every check and handler behind them; with the
 * default limits it mostly meets the budgets themselves (refusals, then disconnection).
 */
const GENEROUS_BUDGETS: Partial<ServerLimits> = {
  messagesPerSec: 1_000_000,
  messageBurst: 1_000_000,
  receivedBytesPerSec: 256 * 1024 * 1024,
  receivedByteBurst: 256 * 1024 * 1024,
  receivedBytesPerSecPerAddress: 256 * 1024 * 1024,
  receivedByteBurstPerAddress: 256 * 1024 * 1024,
};

/** A dropped fuzzing client's place is given up this soon, so the test sees the server empty again. */
const FUZZ_GRACE_MS = 200;

describe('the signalling server under fuzzing', () => {
  it.each([
    { budgets: 'generous budgets', limits: { ...GENEROUS_BUDGETS, memberGraceMs: FUZZ_GRACE_MS } },
    { budgets: 'the default limits', limits: { memberGraceMs: FUZZ_GRACE_MS } },
  ])(
    'answers thousands of random and mutated events with a refusal or nothing ($budgets)',
    async ({ limits }) => {
      const harness = await startHarness({ clientAddress: addressFromAuth, limits });
      try {
        const a = await harness.connect({ address: '192.0.2.1' });
        const receivedA = record(a);
        const created = await a.timeout(WAIT_MS).emitWithAck('swarm:create', await makeManifest());
        if (!created.ok) throw new Error(created.error.message);
        const { peerId, swarmId, memberKey, seal } = created;
        const seed: Tab = { client: a, received: receivedA, peerId, swarmId, memberKey, seal };
        const b = await harness.connect({ address: '192.0.2.2' });
        const receivedB = record(b);
        const joined = await b.timeout(WAIT_MS).emitWithAck('swarm:join', { swarmId: created.swarmId });
        if (!joined.ok) throw new Error(joined.error.message);
        const leecher: Tab = {
          client: b,
          received: receivedB,
          peerId: joined.peerId,
          swarmId,
          memberKey: joined.memberKey,
          seal: joined.seal,
        };
        const heapBeforeBytes = heapUsedBytes();

        let fuzzing = true;
        const traffic = honestTraffic(seed, leecher, () => !fuzzing);
        const reports = await Promise.all(FUZZ_SEEDS.map((fuzzSeed) => fuzz(harness, fuzzSeed, seed))).finally(() => {
          fuzzing = false;
        });
        const exchanges = await traffic;

        const answers = reports.flatMap((report) => report.answers);
        expect(reports.reduce((total, report) => total + report.sent, 0)).toBeGreaterThanOrEqual(
          FUZZ_SEEDS.length * EVENTS_PER_CLIENT * 0.5,
        );
        expect(answers.length).toBeGreaterThan(FUZZ_SEEDS.length * EVENTS_PER_CLIENT * 0.25);
        for (const { event, reply } of answers) {
          const described = `${event} → ${JSON.stringify(reply).slice(0, 200)}`;
          expect(reply, described).toMatchObject({ ok: expect.any(Boolean) });
          const { ok, error } = reply as { ok: boolean; error?: { code: SignallingErrorCode; message: unknown } };
          if (!ok) {
            expect(EXPECTED_CODES.has(error!.code), described).toBe(true);
            expect(typeof error!.message, described).toBe('string');
          }
        }
        expect(harness.logLines.filter((line) => line.startsWith('error'))).toEqual([]);

        // The honest pair went on relaying throughout, every signal delivered to its addressee.
        expect(exchanges).toBeGreaterThan(0);
        await waitUntil(
          () =>
            receivedA.relays.filter((relay) => relay.from === leecher.peerId).length === exchanges &&
            receivedB.relays.filter((relay) => relay.from === seed.peerId).length === exchanges,
          'every honest signal arrived',
        );
        expect(a.connected && b.connected).toBe(true);

        // Nothing of the fuzz stays behind once its clients are gone.
        a.disconnect();
        b.disconnect();
        // Only a fuzzing address may still be repaying bytes after a few milliseconds; the honest ones owe nothing.
        // A member whose connection merely dropped keeps its place for the grace period (short here). On Redis a
        // leave is written after its socket went, and the swarm it ends drops its manifest once that landed (the
        // count of swarms there is a heartbeat's). A change that lands as its swarm ends arms a broadcast that finds no
        // table and lapses an interval later (a CI run saw one pending right after the last swarm ended).
        const heldSwarms = (): number => harness.stats()[ON_SHARED_STORE ? 'manifests' : 'swarms'];
        await waitUntil(
          () =>
            harness.stats().connections === 0 &&
            harness.stats().addressBudgets <= FUZZ_SEEDS.length &&
            harness.stats().pendingGraces === 0 &&
            harness.stats().pendingBroadcasts === 0 &&
            heldSwarms() === 0,
          'every client is gone, its place given up, its swarm ended, its last broadcast timer run out, and the honest budgets refilled',
        );
        expect(heldSwarms()).toBe(0);
        expect(harness.stats()).toMatchObject({
          connections: 0,
          addressQuotas: { addresses: 0, swarms: 0, seats: 0 },
        });
        const grownMiB = (heapUsedBytes() - heapBeforeBytes) / 2 ** 20;
        expect(grownMiB, 'heap left behind by the fuzz').toBeLessThan(32);
      } finally {
        await harness.close();
      }
    },
    60_000,
  );
});
