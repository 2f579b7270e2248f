import type { SwarmResumeRequest } from '@swarmlab/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySwarmState, type SwarmStateFactory } from '../src/memory-swarm-state';
import { joinTab, seedTab, startHarness, waitUntil, WAIT_MS, type Harness, type TypedClient } from './harness';

/**
 * In-memory state whose next update waits until released: as a Redis commit does that conflicted with another
 * process's write and is tried again on fresh state, maybe long after its socket is gone.
 */
function gatedState() {
  let gate: Promise<void> | undefined;
  let release = (): void => {};
  let held = false;
  const factory: SwarmStateFactory = (context) => {
    const state = createMemorySwarmState(context);
    const update = state.store.update.bind(state.store);
    return {
      ...state,
      store: Object.assign(Object.create(state.store) as typeof state.store, {
        update: (async (swarmId, change, creation) => {
          if (gate) {
            const waiting = gate;
            gate = undefined;
            held = true;
            await waiting;
          }
          return update(swarmId, change, creation);
        }) as typeof state.store.update,
      }),
    };
  };
  return {
    factory,
    holdNext(): void {
      gate = new Promise<void>((resolve) => (release = resolve));
      held = false;
    },
    get held(): boolean {
      return held;
    },
    release: () => release(),
  };
}

/** Whether `client` is disconnected by the server within a moment: its reason, or undefined. */
function serverDisconnect(client: TypedClient): () => string | undefined {
  let reason: string | undefined;
  client.on('disconnect', (why) => (reason = why));
  return () => reason;
}

describe('a request of a socket gone since, applied late (a Redis commit tried again)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it.each(['swarm:resume', 'swarm:join'] as const)(
    'takes no place for it with %s, nor the place from the connection the tab took it back on',
    async (event) => {
      const state = gatedState();
      harness = await startHarness({ swarmState: state.factory });
      const seeder = await seedTab(harness);
      const leecher = await joinTab(harness, seeder.swarmId);
      const resume: SwarmResumeRequest = {
        swarmId: leecher.swarmId,
        peerId: leecher.peerId,
        memberKey: leecher.memberKey,
        seal: leecher.seal,
        role: 'leecher',
        run: null,
      };
      const join = { swarmId: seeder.swarmId, entryKey: 'AskedTwiceEntryKey0001' };
      const ask = (client: TypedClient): Promise<unknown> =>
        event === 'swarm:resume'
          ? client.timeout(WAIT_MS).emitWithAck('swarm:resume', resume)
          : client.timeout(WAIT_MS).emitWithAck('swarm:join', join);
      const stale = await harness.connect();
      state.holdNext();
      const first = ask(stale).catch(() => 'no answer');
      await waitUntil(() => state.held, 'the first ask waiting on the store');
      // The client gives up on it: its connection drops, and it asks again on a new one, which gets the place.
      stale.io.engine.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const live = await harness.connect();
      const thrownOut = serverDisconnect(live);
      expect(await ask(live)).toMatchObject({ ok: true });
      state.release();
      await first;
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Before, the late change moved the place to the dead socket, threw the live one out and showed it away.
      expect(thrownOut()).toBeUndefined();
      const table = seeder.received.progress.at(-1);
      // (The join's place is a second leecher's, beside the one the resume takes back.)
      const others = table?.peers.filter((peer) => peer.peerId !== seeder.peerId).map((peer) => peer.away);
      expect(others).toEqual(event === 'swarm:resume' ? [false] : [false, false]);
    },
  );
});
