// @vitest-environment node
// (A real signalling server runs in this test's process, and its modules need Node's; `SwarmWatch` is read here
// for its phase and notice, not for Svelte's reactivity, which its server-side compilation lacks.)
import { contentIdOf, DEFAULT_RUN_CONFIG, webCryptoSha256, type Sha256 } from '@swarmlab/protocol';
import { testFile } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient, type SignallingConnection } from '@swarmlab/webrtc';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  NOT_FOLLOWING_MESSAGE,
  SWARM_ENDED_MESSAGE,
  SWARM_LEFT_MESSAGE,
  SWARM_STILL_GONE_MESSAGE,
  SwarmWatch,
} from '../src/lib/state/swarm-watch.svelte';
import { cuttableRelay } from './cuttable-relay';
import { manifest, runState, SWARM_A, swarmProgress } from './fakes';

/** A SHA-256 that waits to be let go: the manifest's check as long as a slow laptop's pure-JavaScript hash. */
function heldSha256() {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let called = false;
  const sha256: Sha256 = async (bytes) => {
    called = true;
    await released;
    return webCryptoSha256(bytes);
  };
  return { sha256, release, called: () => called };
}

async function until(condition: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cleanUps: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
});

/** Limits a test server is started with (the server's defaults otherwise). */
type ServerLimitsGiven = NonNullable<NonNullable<Parameters<typeof startSignallingServer>[0]>['limits']>;

/** A swarm a seeder created (`createSwarm`'s answer), and its file. */
type Created = Extract<Awaited<ReturnType<SignallingClient['createSwarm']>>, { ok: true }>;
type TestFile = Awaited<ReturnType<typeof testFile>>;

/** The seeder registers its swarm again under the same link, with no run (`swarm:restore`, as `resumeSeed` does). */
async function restoredBySeeder(seeder: SignallingClient, created: Created, file: TestFile): Promise<boolean> {
  const { swarmId, peerId, memberKey, seal, controlSecret } = created;
  const restored = await seeder.restoreSwarm({
    swarmId,
    peerId,
    memberKey,
    seal,
    role: 'seeder',
    control: controlSecret,
    run: null,
    manifest: file.manifest,
    contentId: file.contentId,
  });
  return restored.ok;
}

/** A real server with a swarm on it (its seeder a signalling client): what an overview screen watches. */
async function swarmOnServer(limits: ServerLimitsGiven = {}): Promise<{
  server: TestSignallingServer;
  seeder: SignallingClient;
  swarmId: string;
  contentId: string;
}> {
  const server = await startSignallingServer({ limits });
  cleanUps.push(() => server.close());
  const seeder = SignallingClient.connect(server.url);
  cleanUps.push(() => seeder.disconnect());
  const file = await testFile(64 * 1024, 16 * 1024);
  const created = await seeder.createSwarm({
    manifest: file.manifest,
    contentId: file.contentId,
    config: DEFAULT_RUN_CONFIG,
  });
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  return { server, seeder, swarmId: created.swarmId, contentId: file.contentId };
}

/**
 * A swarm created on `server` by its seeder (a signalling client), and an overview screen watching it through a relay
 * the test can cut (the projector's Wi-Fi).
 */
async function watchedThroughRelay(server: TestSignallingServer) {
  const seeder = SignallingClient.connect(server.url);
  cleanUps.push(() => seeder.disconnect());
  const file = await testFile(64 * 1024, 16 * 1024);
  const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
  if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
  const wifi = await cuttableRelay(server.port);
  cleanUps.push(() => wifi.close());
  const watch = new SwarmWatch(created.swarmId, { signallingUrl: wifi.url, sha256: webCryptoSha256 });
  cleanUps.push(() => watch.close());
  await watch.watch(file.contentId);
  return { seeder, file, created, wifi, watch };
}

describe('an overview screen checking the manifest of the swarm it watches', () => {
  it('fails when the swarm ends meanwhile, rather than showing it for ever', async () => {
    const { server, seeder, swarmId, contentId } = await swarmOnServer();
    const hash = heldSha256();
    const watch = new SwarmWatch(swarmId, { signallingUrl: server.url, sha256: hash.sha256 });
    cleanUps.push(() => watch.close());
    const watching = watch.watch(contentId);
    await until(hash.called, 'the manifest to be hashed');
    // The seeder, the swarm's last member, leaves: the server tells its watchers the swarm ended.
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    await until(() => watch.phase === 'failed', 'the screen to hear the swarm ended');
    hash.release();
    await watching;
    // Before, the end of the check set it watching: a frozen projector of a swarm gone, no error.
    expect(watch.phase).toBe('failed');
    // Its last member may bring it back (a seeder's page back from the back/forward cache): "Try again" is offered.
    expect(watch.retryable).toBe(true);
    expect(watch.ended).toBe(true);
  });

  it('offers to try again after a refusal a later ask may not get, and not for a link to another file', async () => {
    const { server, swarmId } = await swarmOnServer();
    const other = await testFile(32 * 1024, 16 * 1024);
    const mismatched = new SwarmWatch(swarmId, { signallingUrl: server.url });
    cleanUps.push(() => mismatched.close());
    await mismatched.watch(other.contentId);
    expect(mismatched.phase).toBe('failed');
    expect(mismatched.retryable).toBe(false);

    // One screen too many: closing one lets it in.
    const { server: strict, swarmId: watchedSwarm, contentId } = await swarmOnServer({ maxWatchersPerSwarm: 1 });
    const first = new SwarmWatch(watchedSwarm, { signallingUrl: strict.url });
    const second = new SwarmWatch(watchedSwarm, { signallingUrl: strict.url });
    cleanUps.push(
      () => first.close(),
      () => second.close(),
    );
    await first.watch(contentId);
    expect(first.phase).toBe('watching');
    await second.watch(contentId);
    expect(second.phase).toBe('failed');
    expect(second.error).toContain('overview screens');
    expect(second.retryable).toBe(true);
  });

  it('says a swarm that ended before the screen opened has ended, with no "Try again" that fails the same way', async () => {
    const { server, seeder, swarmId, contentId } = await swarmOnServer();
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    const watch = new SwarmWatch(swarmId, { signallingUrl: server.url });
    cleanUps.push(() => watch.close());
    await watch.watch(contentId);
    expect(watch.phase).toBe('failed');
    expect(watch.error).toContain('ended');
    expect(watch.ended).toBe(true);
    expect(watch.retryable).toBe(false);
  });

  it('says the server is lost when the connection dropped meanwhile, and asks to watch again once it is back', async () => {
    const { server, swarmId, contentId } = await swarmOnServer();
    const hash = heldSha256();
    const watch = new SwarmWatch(swarmId, { signallingUrl: server.url, sha256: hash.sha256 });
    cleanUps.push(() => watch.close());
    const watching = watch.watch(contentId);
    await until(hash.called, 'the manifest to be hashed');
    // The server goes (a restart): the screen's connection drops while the check goes on.
    await server.close();
    hash.release();
    await watching;
    expect(watch.phase).toBe('watching');
    // Before, no notice: the screen sat on its last table, and never asked to watch again on the new connection.
    expect(watch.notice).toMatchObject({ tone: 'pending', text: expect.stringContaining('Signalling server lost') });

    // The server back (restarted: it knows no swarm until a member registers it again): the screen asks again.
    const restarted = await startSignallingServer({ port: server.port });
    cleanUps.push(() => restarted.close());
    await until(() => watch.notice?.text.includes('register it again') === true, 'the screen to ask again');
  });

  it('asks again while the server refuses it as busy on its new connection, then watches on', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    // The screen's connection goes through a relay the test holds closed until another screen of its address was
    // answered: otherwise whichever came back first was answered (the test failed when the screen did).
    const { seeder, file, created, wifi, watch } = await watchedThroughRelay(server);
    expect(watch.phase).toBe('watching');

    // The server restarts with a budget of manifests answered that one more answer puts in debt for about 6 s: at
    // about 2 s, the screen's randomised reconnection could fall in a gap between the other screens' answers when
    // the whole suite loaded the machine (CI), be answered, and never be told the server was busy.
    wifi.cut();
    await server.close();
    await until(() => watch.notice?.text.includes('Signalling server lost') === true, 'the screen to see it lost');
    await until(() => seeder.connection.state !== 'connected', 'the seeder to see it lost');
    const restarted = await startSignallingServer({
      port: server.port,
      limits: { answerByteBurstPerAddress: 1, answerBytesPerSecPerAddress: 100 },
    });
    cleanUps.push(() => restarted.close());
    // The seeder registers the swarm again; another screen of the address is answered first.
    await until(() => seeder.connection.state === 'connected', 'the seeder to reconnect');
    const { swarmId } = created;
    expect(await restoredBySeeder(seeder, created, file)).toBe(true);
    const other = SignallingClient.connect(restarted.url);
    cleanUps.push(() => other.disconnect());
    // Answered once the seeder's registration is paid for.
    let answered = false;
    for (let tries = 0; tries < 40 && !answered; tries++) {
      answered = (await other.watchSwarm({ swarmId })).ok;
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answered).toBe(true);
    // Other screens of the address go on being answered, each putting it in debt again, until the screen has been told
    // the server is busy: its reconnection back-off (up to several seconds) came after a single debt was paid under
    // load (the whole suite), and it was never told.
    const others = setInterval(() => {
      const another = SignallingClient.connect(restarted.url);
      void another.watchSwarm({ swarmId }).finally(() => another.disconnect());
    }, 200);
    cleanUps.push(() => clearInterval(others));
    wifi.restore();
    await until(() => watch.notice?.text.includes('busy') === true, 'the screen to be told the server is busy', 20_000);
    clearInterval(others);
    // Before, the screen failed ("Too many requests…") and stayed failed until reloaded.
    await until(() => watch.notice?.text.includes('Reconnected') === true, 'the screen to watch again', 25_000);
    expect(watch.phase).toBe('watching');
    expect(watch.following).toBe(true);
    expect(watch.shownProgress?.peers.map((peer) => peer.away)).toEqual([false]);
    // A restart, reconnections with randomised back-off and the debt: about 20 s here.
  }, 60_000);
});

describe('an overview screen after a restart', () => {
  it('does not take the seeder for gone while its tab may be on its way back, and then does', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const file = await testFile(64 * 1024, 16 * 1024);
    const seeder = SignallingClient.connect(server.url);
    cleanUps.push(() => seeder.disconnect());
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(`create refused: ${created.error.message}`);
    const student = SignallingClient.connect(server.url);
    cleanUps.push(() => student.disconnect());
    const joined = await student.joinSwarm({ swarmId: created.swarmId });
    if (!joined.ok) throw new Error(`join refused: ${joined.error.message}`);
    const watch = new SwarmWatch(created.swarmId, {
      signallingUrl: server.url,
      sha256: webCryptoSha256,
      control: created.controlSecret,
      seederReturnWaitMs: 500,
    });
    cleanUps.push(() => watch.close());
    await watch.watch(file.contentId);
    expect(watch.seederAwaited).toBe(false);

    // The server restarts; the student's tab is first to register the swarm again, the seeder's not back yet.
    await server.close();
    const restarted = await startSignallingServer({ port: server.port });
    cleanUps.push(() => restarted.close());
    await until(
      () => student.connectionNumber === 2 && student.connection.state === 'connected',
      'the student to reconnect',
    );
    const { peerId, memberKey, seal } = joined;
    const file2 = { manifest: file.manifest, contentId: file.contentId };
    const place = { swarmId: created.swarmId, peerId, memberKey, seal, role: 'leecher' as const, run: null };
    expect((await student.restoreSwarm({ ...place, ...file2 })).ok).toBe(true);
    await until(() => watch.notice?.text.includes('Reconnected') === true, 'the screen to watch again');
    expect(watch.swarmProgress?.peers.map((peer) => peer.role)).toEqual(['leecher']);
    expect(watch.seederAwaited).toBe(true);
    // A screen opened now (the projector reloaded) waits as well: the server says it registered the swarm again.
    const opened = new SwarmWatch(created.swarmId, {
      signallingUrl: restarted.url,
      sha256: webCryptoSha256,
      control: created.controlSecret,
      seederReturnWaitMs: 500,
    });
    cleanUps.push(() => opened.close());
    await opened.watch(file.contentId);
    expect(opened.seederAwaited).toBe(true);
    // Not back within the wait: now it is gone, and the screen may offer to seed in its place.
    await until(() => !watch.seederAwaited, 'the wait to end');
    expect(watch.swarmProgress?.peers.some((peer) => peer.role === 'seeder')).toBe(false);
  });
});

describe('an overview screen whose watch, on its new connection, times out or fails on the server', () => {
  /** A signalling client whose answers the test gives by hand, its connection set by the test. */
  function handAnsweredClient() {
    const connectionListeners = new Set<(connection: SignallingConnection) => void>();
    const answers: ((result: unknown) => void)[] = [];
    const client = {
      connection: { state: 'connected' } as SignallingConnection,
      connectionNumber: 1,
      onMalformedMessage: () => () => undefined,
      on: () => () => undefined,
      onConnectionChange: (listener: (connection: SignallingConnection) => void) => {
        connectionListeners.add(listener);
        return () => connectionListeners.delete(listener);
      },
      watchSwarm: () => new Promise((resolve) => answers.push(resolve)),
      disconnect: vi.fn(),
      reconnect: vi.fn(() => {
        client.set({ state: 'lost', attempt: 0 });
        client.set({ state: 'connected' });
      }),
      set(connection: SignallingConnection) {
        client.connection = connection;
        if (connection.state === 'connected') client.connectionNumber++;
        for (const listener of connectionListeners) listener(connection);
      },
      answers,
    };
    return client;
  }

  /** A screen watching swarm A through a hand-answered client, its first watch answered: the answer it gave too. */
  async function watchingByHand() {
    const client = handAnsweredClient();
    const connect = vi.spyOn(SignallingClient, 'connect').mockReturnValue(client as unknown as SignallingClient);
    cleanUps.push(() => connect.mockRestore());
    const contentId = await contentIdOf(manifest, webCryptoSha256);
    const watched = {
      ok: true,
      swarmId: SWARM_A,
      manifest,
      contentId,
      progress: swarmProgress(SWARM_A, runState(1, 'running')),
      inControl: false,
      joinCode: 'ABCDEF',
      registeredAgain: false,
    };
    const watch = new SwarmWatch(SWARM_A, { sha256: webCryptoSha256 });
    cleanUps.push(() => watch.close());
    const watching = watch.watch(contentId);
    await until(() => client.answers.length === 1, 'the first watch');
    client.answers[0]!(watched);
    await watching;
    return { client, watch, watched };
  }

  it.each([
    ['timeout', 'The signalling server did not answer in time.'],
    ['internal-error', 'The signalling server failed to handle the request.'],
  ])('asks again after %s, as a member’s tab does, and watches on', async (code, message) => {
    const { client, watch, watched } = await watchingByHand();
    expect(watch.phase).toBe('watching');

    client.set({ state: 'lost', attempt: 0 });
    client.set({ state: 'connected' });
    await until(() => client.answers.length === 2, 'the watch on the new connection');
    client.answers[1]!({ ok: false, error: { code, message } });
    // Before, the screen failed here, its connection closed, for someone to walk to the projector.
    // Asked again on a new connection: on this one the watch may be done already, its answer only late.
    await until(() => client.answers.length === 3, 'the watch asked again', 5_000);
    expect(client.reconnect).toHaveBeenCalledTimes(1);
    expect(watch.notice?.text).toBe('Signalling server back, and slow to answer: asking again…');
    expect(watch.phase).toBe('watching');
    client.answers[2]!(watched);
    await until(() => watch.notice?.text.includes('Reconnected') === true, 'the screen to watch again');
    expect(client.disconnect).not.toHaveBeenCalled();
  });

  it('says the same sentence through an outage, the attempt shown apart (a screen reader heard it at every one)', async () => {
    const { client, watch } = await watchingByHand();

    const notices = [0, 1, 2].map((attempt) => {
      client.set({ state: 'lost', attempt });
      return watch.notice;
    });
    expect(notices.map((notice) => notice?.text)).toEqual(Array(3).fill('Signalling server lost: reconnecting…'));
    expect(notices.map((notice) => notice?.attempt)).toEqual([undefined, 1, 2]);
  });
});

describe('an overview screen whose connection dropped', () => {
  it('shows the swarm as last heard, asks nothing of the server, and says it ended if it ended meanwhile', async () => {
    // A server past its start (its grace for members coming back over): a swarm it does not know has ended.
    const server = await startSignallingServer({ limits: { memberGraceMs: 300 } });
    cleanUps.push(() => server.close());
    await new Promise((resolve) => setTimeout(resolve, 600));
    const { seeder, wifi, watch } = await watchedThroughRelay(server);
    expect(watch.following).toBe(true);
    expect(watch.shownProgress?.peers.map((peer) => peer.away)).toEqual([false]);

    // The projector's Wi-Fi drops.
    wifi.cut();
    await until(() => watch.notice?.text.includes('Signalling server lost') === true, 'the screen to see it lost');
    expect(watch.following).toBe(false);
    // What it shows stands still, and says so: nobody's rates (every peer away), no flows on the map.
    expect(watch.shownProgress?.peers.map((peer) => peer.away)).toEqual([true]);
    expect(watch.shownProgress?.flows).toEqual([]);
    expect(watch.swarmProgress?.peers.map((peer) => peer.away)).toEqual([false]);
    // A run request says why it cannot be made, rather than "This tab is not in a swarm".
    expect(await watch.stopRun()).toMatch(/reconnecting to the signalling server/);

    // Meanwhile the swarm's last member leaves: its end is told to the connection that dropped.
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    wifi.restore();
    // Before, the screen drew the swarm for a minute as waiting for its members to register it again, then failed
    // with a "Try again" that failed the same way.
    await until(() => watch.phase === 'failed', 'the screen to say the swarm ended', 8000);
    expect(watch.ended).toBe(true);
    // This page never heard it end (its `swarm:ended` went to the lost connection): final.
    expect(watch.error).toBe(SWARM_ENDED_MESSAGE);
    expect(watch.retryable).toBe(false);
  }, 20_000);
});

describe('an overview screen whose swarm ended while it watched', () => {
  it('follows it no more: a run request says so at once, rather than go out on the connection it closed', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const { seeder, watch } = await watchedThroughRelay(server);
    expect(watch.following).toBe(true);
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    await until(() => watch.phase === 'failed', 'the screen to hear the swarm ended');
    // Before, it still counted itself a watcher: each request waited its whole time-out on the closed connection.
    expect(watch.following).toBe(false);
    expect(await watch.stopRun()).toBe(NOT_FOLLOWING_MESSAGE);
  });
});

describe('an overview screen whose swarm’s last member left as it watched (found by review)', () => {
  it('offers to try again, still if the swarm is still gone, and follows the swarm once its seeder brought it back', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const { seeder, file, created, watch } = await watchedThroughRelay(server);
    expect(watch.phase).toBe('watching');
    // The teacher goes Back from the seeder's page, alone in its swarm: the page, kept in the back/forward cache, leaves.
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    await until(() => watch.phase === 'failed', 'the screen to hear the swarm ended');
    expect(watch.ended).toBe(true);
    expect(watch.error).toBe(SWARM_LEFT_MESSAGE);
    // Before, no "Try again": the projector stayed on "ended", with only the start page, once the swarm was back.
    expect(watch.retryable).toBe(true);

    // Tried again while the swarm is gone (`watchAgain` opens a new watch): it may still come back. Before, "Ask for a
    // new link", with no "Try again": the projector could not follow the swarm once its seeder brought it back.
    const tooSoon = new SwarmWatch(created.swarmId, { signallingUrl: server.url, sha256: webCryptoSha256 });
    cleanUps.push(() => tooSoon.close());
    await tooSoon.watch(file.contentId);
    expect(tooSoon.phase).toBe('failed');
    expect(tooSoon.ended).toBe(true);
    expect(tooSoon.error).toBe(SWARM_STILL_GONE_MESSAGE);
    expect(tooSoon.retryable).toBe(true);

    // Forward: the seeder's page registers the swarm again under the same link (`resumeSeed`).
    const { swarmId } = created;
    expect(await restoredBySeeder(seeder, created, file)).toBe(true);
    const again = new SwarmWatch(swarmId, { signallingUrl: server.url, sha256: webCryptoSha256 });
    cleanUps.push(() => again.close());
    await again.watch(file.contentId);
    expect(again.phase).toBe('watching');
    expect(again.swarmProgress?.peers.map((peer) => peer.role)).toEqual(['seeder']);
  });

  it('offers to try again when a swarm it heard end, and saw come back, ended again while its connection was down', async () => {
    const server = await startSignallingServer();
    cleanUps.push(() => server.close());
    const { seeder, file, created, watch } = await watchedThroughRelay(server);
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    await until(() => watch.phase === 'failed', 'the screen to hear the swarm ended');
    const { swarmId } = created;
    expect(await restoredBySeeder(seeder, created, file)).toBe(true);
    const wifi = await cuttableRelay(server.port);
    cleanUps.push(() => wifi.close());
    const again = new SwarmWatch(swarmId, { signallingUrl: wifi.url, sha256: webCryptoSha256 });
    cleanUps.push(() => again.close());
    await again.watch(file.contentId);
    expect(again.phase).toBe('watching');

    // The projector's Wi-Fi drops while the teacher goes Back from the seeder's page once more.
    wifi.cut();
    await until(() => again.notice?.text.includes('Signalling server lost') === true, 'the screen to see it lost');
    expect((await seeder.leaveSwarm()).ok).toBe(true);
    wifi.restore();
    await until(() => again.phase === 'failed', 'the screen to find the swarm ended', 8000);
    expect(again.ended).toBe(true);
    expect(again.error).toBe(SWARM_LEFT_MESSAGE);
    expect(again.retryable).toBe(true);
  }, 20_000);
});
