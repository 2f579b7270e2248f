import { decodeWireMessage } from '@swarmlab/protocol';
import { fileHashOf, testFile, TestSwarm, type TestPeer } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import type { PeerLink, PeerLinkHandlers } from '../src/index';

const CHUNK_BYTES = 16 * 1024;
const CHUNK_COUNT = 10;

/**
 * Connects `peer` to `seeder` over a link whose messages to `peer` are held, unread, until `wake()`: a tab frozen
 * (or a laptop whose lid closed) right after its handshake and bitfield went out. It sends nothing meanwhile, as
 * its engine hears nothing to answer. `offers()`: the chunks the seeder announced to it (`have`), read or not.
 */
function connectFrozen(swarm: TestSwarm, seeder: TestPeer, peer: TestPeer) {
  const [toPeer, toSeeder] = swarm.linkPair(seeder.engine.localPeerId, peer.engine.localPeerId, { latencyMs: 5 });
  let frozen = true;
  const held: (() => void)[] = [];
  const offers: number[] = [];
  let handlers: PeerLinkHandlers | undefined;
  const frozenEnd: PeerLink = {
    remotePeerId: toSeeder.remotePeerId,
    copiesOnSend: true,
    get bufferedBytes() {
      return toSeeder.bufferedBytes;
    },
    send: (bytes) => toSeeder.send(bytes),
    attach(next) {
      handlers = next;
      toSeeder.attach({
        message: (bytes) => {
          const decoded = decodeWireMessage(bytes);
          if (decoded.ok && decoded.message.type === 'have') offers.push(decoded.message.chunkIndex);
          if (frozen) held.push(() => handlers!.message(bytes));
          else next.message(bytes);
        },
        decoded: (message) => (frozen ? held.push(() => next.decoded(message)) : next.decoded(message)),
        drain: () => next.drain(),
        close: (reason) => next.close(reason),
      });
    },
    close: () => toSeeder.close(),
  };
  seeder.engine.addLink(toPeer);
  peer.engine.addLink(frozenEnd);
  return {
    offers: () => offers,
    /** It reads what was held, in order, and answers from then on: it asks for the chunks it was offered. */
    wake(): void {
      frozen = false;
      for (const event of held.splice(0)) event();
    },
  };
}

/**
 * PROTOCOL §3.6, quiet peers: a peer that said nothing (no request, no chunk announced) about an offer withdrawn as
 * stale is offered nothing more while another connected peer is not quiet. A frozen tab, a laptop whose lid closed, a
 * stuck headless peer or a hostile client held an offer after offer, each until it went stale, and one such peer
 * halved a small swarm's seeder (found by review).
 */
describe('a super-seeder beside a peer that answers nothing', () => {
  it('offers a silent peer nothing more once its offer went stale: an honest leecher joining completes at once', async () => {
    const file = await testFile(CHUNK_COUNT * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const silent = swarm.rawPeer(seeder, file.contentId, 'silent', { latencyMs: 1 });
    const offersToSilent = () => silent.received.filter((m) => m.type === 'have').length;
    // Alone, it is offered a chunk again once its first went stale (a swarm of silent peers still gets offers).
    await swarm.runUntil(() => offersToSilent() >= 2, 10_000, 'a second offer to the silent peer');
    const leecher = swarm.peer('leecher');
    swarm.connect(seeder, leecher, { latencyMs: 5 });
    const joinedAtMs = swarm.clock.nowMs();
    // Before, the silent peer tied with the leecher (whose chunks nobody else announced) and was offered the last
    // chunk again and again, each held until it went stale: 27.2 s. The offer it holds now is withdrawn as the
    // leecher joins, and it gets no other: 0.11 s, as without it.
    await swarm.runUntil(() => leecher.engine.isComplete, 2000, 'the honest leecher to complete');
    expect(swarm.clock.nowMs() - joinedAtMs).toBeLessThan(500);
    expect(await fileHashOf(leecher, file)).toBe(file.sha256);
    // Its two offers, then the reveal: nothing while it was quiet.
    expect(offersToSilent()).toBe(2);
    expect(silent.received.filter((m) => m.type === 'have-all')).toHaveLength(1);
  });

  it('offers a silent peer that wakes up chunks again at once, and it gets the file', async () => {
    const file = await testFile(CHUNK_COUNT * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    // A leecher at 20 kB/s keeps the seeder super-seeding for about 8 s.
    const honest = swarm.peer('honest', { linkCaps: { downloadBytesPerSec: 20_000 } });
    swarm.connect(seeder, honest, { latencyMs: 5 });
    const sleeper = swarm.peer('sleeper');
    const frozen = connectFrozen(swarm, seeder, sleeper);
    // Its first offer goes stale unanswered (about 3.4 s here), and it is quiet: nothing more while `honest` is there.
    await swarm.runFor(4000);
    const offeredWhileFrozen = frozen.offers().length;
    expect(offeredWhileFrozen).toBe(1);
    await swarm.runFor(1000);
    expect(frozen.offers()).toHaveLength(offeredWhileFrozen);
    expect(seeder.engine.isSuperSeeding).toBe(true);
    // It asks for the chunk it was offered (refused: withdrawn), and that request makes it one to offer to again.
    frozen.wake();
    await swarm.runUntil(() => frozen.offers().length > offeredWhileFrozen, 500, 'an offer after waking');
    expect(seeder.engine.isSuperSeeding).toBe(true);
    await swarm.runUntil(() => sleeper.engine.isComplete, 30_000, 'the woken peer to complete');
    expect(await fileHashOf(sleeper, file)).toBe(file.sha256);
  });

  it('keeps offering a swarm whose only leecher is silent at first: once it answers, it completes', async () => {
    const file = await testFile(CHUNK_COUNT * CHUNK_BYTES, CHUNK_BYTES);
    const swarm = new TestSwarm(file);
    const seeder = swarm.peer('seeder', { seed: true });
    const sleeper = swarm.peer('sleeper');
    const frozen = connectFrozen(swarm, seeder, sleeper);
    // Quiet, but nobody else can take an offer: it is offered one chunk after another, each until it goes stale.
    await swarm.runFor(12_000);
    expect(frozen.offers().length).toBeGreaterThanOrEqual(3);
    frozen.wake();
    await swarm.runUntil(() => sleeper.engine.isComplete, 2000, 'the woken leecher to complete');
    expect(await fileHashOf(sleeper, file)).toBe(file.sha256);
  });
});
