import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { AppController, PEER_SETTINGS_TWICE } from '../src/lib/state/app-controller.svelte';
import { ControlSecrets } from '../src/lib/state/control-secrets';
import { CONTROL_UNKNOWN, MEMBER_WITHOUT_CONTROL } from '../src/lib/control';
import { LEAVE_SEEDING_QUESTION, LEAVE_UNSAVED_QUESTION } from '../src/lib/route';
import { prepareSeed } from '../src/lib/state/file-preparation';
import type { KeptSeed } from '../src/lib/state/swarm-session.svelte';
import { portableSha256 } from '../src/lib/page-sha256';
import { RunHistory } from '../src/lib/state/run-history.svelte';
import { bytesChunkSource } from '../src/lib/storage/chunk-source';
import {
  CONTENT_A,
  CONTENT_B,
  FakeSession,
  FakeWatch,
  FakeWindow,
  manifest,
  memoryStorage,
  runState,
  SWARM_A,
  SWARM_B,
  swarmProgress,
} from './fakes';

/** An app on a page at `url`; `tabStorage` is its tab's session storage (a reload keeps it). */
function setUp(url = '/', tabStorage = memoryStorage()) {
  const window = new FakeWindow(url);
  const sessions: FakeSession[] = [];
  const watches: FakeWatch[] = [];
  const history = new RunHistory(memoryStorage());
  const app = new AppController({
    controlSecrets: new ControlSecrets(tabStorage),
    window,
    history,
    createSession: (onBroadcast) => {
      const session = new FakeSession(onBroadcast);
      sessions.push(session);
      return session;
    },
    createWatch: (swarmId, onBroadcast, control) => {
      const watch = new FakeWatch(swarmId, onBroadcast, control);
      watches.push(watch);
      return watch;
    },
  });
  return { window, sessions, watches, history, app };
}

const swarmLink = (swarmId: string, contentId: string) => `#/swarm/${swarmId}/${contentId}`;
const watchLink = (swarmId: string, contentId: string) => `#/watch/${swarmId}/${contentId}`;
const testFile = bytesChunkSource('test.bin', new Uint8Array(1024));

describe('AppController: routing', () => {
  it('shows the start page with the settings a prepared link carries', () => {
    const { app, window, sessions } = setUp('/?mode=client-server&server-up=2MB/s');
    app.start();
    expect(app.screen).toEqual({ view: 'start' });
    expect(app.prepared.ok && app.prepared.value.config.mode).toBe('client-server');
    expect(app.prepared.ok && app.prepared.value.config.seederUploadBytesPerSec).toBe(2e6);
    expect(sessions).toHaveLength(0);
    expect(window.listenerCount('pagehide')).toBe(0);
  });

  it('joins the swarm a link names, with the peer settings in its query', () => {
    const { app, sessions } = setUp(`/?up=500kB/s&leave=1${swarmLink(SWARM_A, CONTENT_A)}`);
    app.start();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.joined).toEqual({
      swarmId: SWARM_A,
      contentId: CONTENT_A,
      override: { uploadBytesPerSec: 500_000, leaveOnComplete: true },
    });
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[0] });
  });

  it('follows a link that lost its # on the way, and puts the # back in the page’s address', () => {
    // A mail client wrote the # as %23; a student typed the link without it.
    for (const path of [`/%23/swarm/${SWARM_A}/${CONTENT_A}`, `/swarm/${SWARM_A}/${CONTENT_A}`]) {
      const { app, window, sessions } = setUp(`${path}?up=500kB/s`);
      app.start();
      // Before, the start page, without a word.
      expect(sessions[0]?.joined).toMatchObject({ swarmId: SWARM_A, contentId: CONTENT_A });
      expect(sessions[0]?.joined?.override).toEqual({ uploadBytesPerSec: 500_000 });
      expect(window.location.pathname + window.location.search + window.location.hash).toBe(
        `/?up=500kB/s${swarmLink(SWARM_A, CONTENT_A)}`,
      );
      app.stop();
    }
    // Any other path is the start page, as before.
    const { app, sessions } = setUp('/somewhere/else');
    app.start();
    expect(app.route).toEqual({ view: 'start' });
    expect(sessions).toHaveLength(0);
  });

  it('stays in the swarm when the link does not change it, and moves when it does', () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    window.fire('hashchange');
    expect(sessions).toHaveLength(1);
    window.open(`/${swarmLink(SWARM_B, CONTENT_B)}`);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]!.leaveCalls).toBe(1);
    expect(sessions[1]!.joined?.swarmId).toBe(SWARM_B);
    expect(app.session).toBe(sessions[1]);
  });

  it('refuses a link with invalid peer settings, naming them, without joining, and joins without them if asked', () => {
    const { app, window, sessions } = setUp(`/?up=-1MB/s${swarmLink(SWARM_A, CONTENT_A)}`);
    app.start();
    expect(sessions).toHaveLength(0);
    expect(app.screen.view).toBe('bad-link');
    expect(app.screen.view === 'bad-link' && app.screen.reason).toContain('up (this peer’s upload)');
    expect(window.listenerCount('pagehide')).toBe(0);
    // No dead end: the swarm it names is offered, and joined with the swarm's links.
    const swarm = app.screen.view === 'bad-link' ? app.screen.swarm : undefined;
    expect(swarm).toEqual({ swarmId: SWARM_A, contentId: CONTENT_A });
    app.openSwarm(swarm!.swarmId, swarm!.contentId);
    expect(sessions[0]!.joined).toEqual({ swarmId: SWARM_A, contentId: CONTENT_A, override: {} });
  });

  it('takes peer settings appended after a share link’s hash, and refuses them given on both sides', () => {
    for (const appended of ['?up=500kB/s&leave=1', '&up=500kB/s&leave=1', '/?up=500kB/s&leave=1']) {
      const { app, sessions } = setUp(`/${swarmLink(SWARM_A, CONTENT_A)}${appended}`);
      app.start();
      expect(sessions[0]!.joined).toEqual({
        swarmId: SWARM_A,
        contentId: CONTENT_A,
        override: { uploadBytesPerSec: 500_000, leaveOnComplete: true },
      });
    }
    const { app, sessions } = setUp(`/?down=1MB/s${swarmLink(SWARM_A, CONTENT_A)}?up=500kB/s`);
    app.start();
    expect(sessions).toHaveLength(0);
    expect(app.screen).toMatchObject({ view: 'bad-link', reason: PEER_SETTINGS_TWICE });
    // A start page's query (kept in a seeder's address bar) is no peer setting.
    const started = setUp(`/?mode=p2p&server-up=2MB/s${swarmLink(SWARM_A, CONTENT_A)}&up=500kB/s`);
    started.app.start();
    expect(started.sessions[0]!.joined?.override).toEqual({ uploadBytesPerSec: 500_000 });
  });

  it('opens the swarm again with settings appended to its link in a tab already in it, and only then', () => {
    const { app, window, sessions } = setUp(`/${swarmLink(SWARM_A, CONTENT_A)}`);
    app.start();
    // The student types `?up=…` after the link in the address bar: the page does not reload, the hash changes.
    window.open(`/${swarmLink(SWARM_A, CONTENT_A)}?up=500kB/s`);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]!.leaveCalls).toBe(1);
    expect(sessions[1]!.joined?.override).toEqual({ uploadBytesPerSec: 500_000 });
    window.fire('hashchange');
    expect(sessions).toHaveLength(2);
    // Mistyped, they are refused, saying why, and the swarm can be joined without them.
    window.open(`/${swarmLink(SWARM_A, CONTENT_A)}?up=-1MB/s`);
    expect(app.screen).toMatchObject({ view: 'bad-link', swarm: { swarmId: SWARM_A, contentId: CONTENT_A } });
  });

  it('refuses a malformed swarm link', () => {
    const { app, sessions } = setUp('/#/swarm/not-a-swarm/xyz');
    app.start();
    expect(sessions).toHaveLength(0);
    expect(app.screen.view === 'bad-link' && app.screen.reason).toContain('malformed');
  });

  it('follows a watch link on an overview screen, and closes it when the link goes back to the start', () => {
    const { app, window, watches } = setUp(watchLink(SWARM_A, CONTENT_A));
    app.start();
    expect(watches).toHaveLength(1);
    expect(watches[0]!.watchedContentId).toBe(CONTENT_A);
    expect(app.screen).toEqual({ view: 'watch', watch: watches[0], contentId: CONTENT_A });
    window.open('/#');
    expect(watches[0]!.closeCalls).toBe(1);
    expect(app.watch).toBeUndefined();
    expect(app.screen).toEqual({ view: 'start' });
  });

  it('watches again, with the secret, when a control link is pasted into the read-only overview of its swarm', () => {
    const secret = 'S3cr3t_-S3cr3t_-S3cr3t';
    const { app, window, watches } = setUp(watchLink(SWARM_A, CONTENT_A));
    app.start();
    window.open(`/${watchLink(SWARM_A, CONTENT_A)}/${secret}`);
    expect(watches.map((watch) => watch.control)).toEqual([undefined, secret]);
    expect(watches[0]!.closeCalls).toBe(1);
    expect(window.location.hash).toBe(watchLink(SWARM_A, CONTENT_A));
    // The same link again (a reload of the hash, a second paste): the watch with control stays.
    window.open(`/${watchLink(SWARM_A, CONTENT_A)}/${secret}`);
    expect(watches).toHaveLength(2);
  });

  it('reads a prepared link again when the start page opens: one refused is not refused for ever', () => {
    const { app } = setUp('/?mode=bogus');
    app.start();
    expect(app.prepared.ok).toBe(false);
    app.leave();
    expect(app.prepared.ok).toBe(true);
  });

  it('starts without a prepared link’s refused settings when asked: the picker and generator waited on them', () => {
    const { app, window } = setUp('/?server-up=2Mbps');
    app.start();
    expect(app.prepared.ok).toBe(false);
    app.startWithoutSettings();
    expect(app.prepared.ok).toBe(true);
    expect(window.location.search).toBe('');
    expect(app.screen.view).toBe('start');
  });

  it('follows the swarm again on an overview that failed, in a new watch with its control secret', () => {
    const secret = 'S3cr3t_-S3cr3t_-S3cr3t';
    const { app, watches } = setUp(`${watchLink(SWARM_A, CONTENT_A)}/${secret}`);
    app.start();
    // The server was gone for good: the user asks again rather than reload.
    app.watchAgain();
    expect(watches[0]!.closeCalls).toBe(1);
    expect(watches).toHaveLength(2);
    expect(watches[1]!.watchedContentId).toBe(CONTENT_A);
    expect(watches.map((watch) => watch.control)).toEqual([secret, secret]);
    expect(app.screen).toEqual({ view: 'watch', watch: watches[1], contentId: CONTENT_A });
  });

  it('leaves a swarm for an overview screen of it', () => {
    const { app, window, sessions, watches } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    window.open(`/${watchLink(SWARM_A, CONTENT_A)}`);
    expect(sessions[0]!.leaveCalls).toBe(1);
    expect(app.session).toBeUndefined();
    expect(app.screen).toEqual({ view: 'watch', watch: watches[0], contentId: CONTENT_A });
  });

  it('stops following the URL when stopped, and closes what is open', () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    app.stop();
    expect(window.listenerCount('hashchange')).toBe(0);
    expect(sessions[0]!.leaveCalls).toBe(1);
    window.open(`/${swarmLink(SWARM_B, CONTENT_B)}`);
    expect(sessions).toHaveLength(1);
  });
});

describe('AppController: the session lifecycle', () => {
  it('listens for the page unloading only while a session is open, and leaves the swarm then', () => {
    const { app, window, sessions } = setUp();
    app.start();
    expect(window.listenerCount('pagehide')).toBe(0);
    window.open(`/${swarmLink(SWARM_A, CONTENT_A)}`);
    expect(window.listenerCount('pagehide')).toBe(1);
    window.open(`/${swarmLink(SWARM_B, CONTENT_B)}`);
    expect(window.listenerCount('pagehide')).toBe(1);
    window.fire('pagehide');
    expect(sessions[1]!.leaveCalls).toBe(1);
    expect(window.listenerCount('pagehide')).toBe(0);
    // Moving to another swarm keeps a leecher's stored chunks (Back returns to them), as unloading does.
    expect(sessions[0]!.keptStoredChunks).toEqual([true]);
    expect(sessions[1]!.keptStoredChunks).toEqual([true]);
    // Unloading (a reload may follow), the swarm is to outlive the page; moving to another swarm, not.
    expect(sessions[1]!.keptSwarm).toEqual([true]);
    expect(sessions[0]!.keptSwarm).toEqual([false]);
  });

  it('leaves for good when the page goes into the back/forward cache: back, it seeds again as the seeder it was', () => {
    const { app, window, sessions } = setUp();
    app.start();
    window.open(`/${swarmLink(SWARM_A, CONTENT_A)}`);
    window.fire('pagehide', { persisted: true });
    expect(sessions[0]!.keptSwarm).toEqual([false]);
  });

  it('seeds in a new session, and puts the swarm link in the URL once the swarm exists', async () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const seeding = app.seed(testFile, DEFAULT_RUN_CONFIG);
    expect(sessions[0]!.leaveCalls).toBe(1);
    const seeder = sessions[1]!;
    expect(seeder.seeded).toEqual({ file: testFile, config: DEFAULT_RUN_CONFIG });
    expect(app.screen).toEqual({ view: 'swarm', session: seeder });
    expect(window.location.hash).toBe(swarmLink(SWARM_A, CONTENT_A));
    seeder.finishSeeding(SWARM_B, CONTENT_B);
    await seeding;
    expect(window.location.hash).toBe(swarmLink(SWARM_B, CONTENT_B));
    // Replaced, not pushed: no hashchange, so the session is not left and joined again.
    window.fire('hashchange');
    expect(sessions).toHaveLength(2);
    expect(seeder.leaveCalls).toBe(0);
  });

  it('tries a seed the server refused again in a new session, without the file read again', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    void app.seed(testFile, DEFAULT_RUN_CONFIG);
    const refused = sessions[0]!;
    const unregistered = { seed: { contentId: CONTENT_A } as never, config: DEFAULT_RUN_CONFIG };
    refused.unregisteredSeed = unregistered;
    const again = app.seedAgain();
    expect(refused.leaveCalls).toBe(1);
    const retry = sessions[1]!;
    expect(retry.seededPrepared).toBe(unregistered);
    expect(retry.seeded).toBeUndefined();
    retry.finishSeeding(SWARM_B, CONTENT_B);
    await again;
    expect(window.location.hash).toBe(swarmLink(SWARM_B, CONTENT_B));
    expect(app.screen).toEqual({ view: 'swarm', session: retry });
  });

  it('leaves the URL alone when the user left before the swarm existed', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    const seeding = app.seed(testFile, DEFAULT_RUN_CONFIG);
    app.leave();
    sessions[0]!.finishSeeding(SWARM_A, CONTENT_A);
    await seeding;
    expect(window.location.hash).toBe('');
    expect(app.screen).toEqual({ view: 'start' });
  });

  it('leaving goes back to the start page and closes the session', () => {
    const { app, window, sessions } = setUp(`/?up=1MB/s${swarmLink(SWARM_A, CONTENT_A)}`);
    app.start();
    app.leave();
    expect(sessions[0]!.leaveCalls).toBe(1);
    expect(window.location.pathname + window.location.search + window.location.hash).toBe('/');
    expect(app.screen).toEqual({ view: 'start' });
    expect(window.listenerCount('pagehide')).toBe(0);
  });
});

describe('AppController: the back/forward cache', () => {
  /** The app seeds SWARM_A in a new session, `seeder`, which keeps `kept` once it leaves. */
  async function seedSwarmA(app: ReturnType<typeof setUp>['app'], sessions: FakeSession[]) {
    const seeding = app.seed(testFile, DEFAULT_RUN_CONFIG);
    const kept = await keptSeed();
    const seeder = sessions.at(-1)!;
    seeder.finishSeeding(SWARM_A, kept.place.contentId, kept.place.control);
    await seeding;
    seeder.keptSeed = kept;
    return { kept, seeder };
  }

  /** What a seeder's session of SWARM_A keeps once it left. */
  async function keptSeed(): Promise<KeptSeed> {
    const seed = await prepareSeed(testFile, portableSha256, () => {});
    const seal = { salt: 'a'.repeat(22), controlDigest: 'b'.repeat(43) };
    return {
      seed,
      place: {
        swarmId: SWARM_A,
        contentId: seed.contentId,
        manifest: seed.manifest,
        control: 'c'.repeat(22),
        seal,
        iceServers: [],
        memory: { latestRunNumber: 3 },
      },
    };
  }

  it('says the tab seeds while it does (the header’s link asks first), not once it left', async () => {
    const { app, sessions } = setUp('');
    app.start();
    expect(app.seeding).toBe(false);
    await seedSwarmA(app, sessions);
    expect(app.seeding).toBe(true);
    app.leave();
    expect(app.seeding).toBe(false);
  });

  it('asks before leaving loses something: the class’s seeder from the header’s link, a file not saved from either way out', async () => {
    const { app, sessions } = setUp('');
    app.start();
    await seedSwarmA(app, sessions);
    expect(app.leaveQuestion(true)).toBe(LEAVE_SEEDING_QUESTION);
    // "Leave the swarm" says what it does.
    expect(app.leaveQuestion(false)).toBeUndefined();
    const session = sessions.at(-1)!;
    session.keptSeed = undefined;
    session.holdsUnsavedFile = true; // a leecher's complete download, not saved: leaving deleted it without a word
    expect(app.leaveQuestion(true)).toBe(LEAVE_UNSAVED_QUESTION);
    expect(app.leaveQuestion(false)).toBe(LEAVE_UNSAVED_QUESTION);
    session.holdsUnsavedFile = false;
    // Not seeding (its seeder's tab, reloaded), it holds the control secret still: the header's link loses nothing
    // (the secret stays in the tab's session storage, and Back comes back in control).
    expect(app.leaveQuestion(true)).toBeUndefined();
  });

  it('asks before the page unloads while it seeds, holds its swarm’s control secret or a file not saved, and only then', async () => {
    const { app, sessions } = setUp('');
    app.start();
    expect(app.asksBeforeUnload).toBe(false);
    await seedSwarmA(app, sessions);
    expect(app.asksBeforeUnload).toBe(true);
    const session = sessions.at(-1)!;
    // Not seeding (hashing the file picked again after a reload, or refused it): a closed tab takes the control
    // secret with it, and the class's way to seed the swarm again. It closed without a word (found by review).
    session.keptSeed = undefined;
    expect(app.asksBeforeUnload).toBe(true);
    // A secret that gives nothing: the server refused it, or the swarm ended (no way back to it).
    session.control = MEMBER_WITHOUT_CONTROL;
    expect(app.asksBeforeUnload).toBe(false);
    session.control = CONTROL_UNKNOWN;
    session.swarmId = undefined;
    expect(app.asksBeforeUnload).toBe(false);
    session.swarmId = SWARM_A;
    app.leave();
    expect(app.asksBeforeUnload).toBe(false);

    // A student's tab holds no control secret: it asks only for a file not saved.
    const student = setUp(swarmLink(SWARM_A, CONTENT_A));
    student.app.start();
    expect(student.app.asksBeforeUnload).toBe(false);
    student.sessions.at(-1)!.holdsUnsavedFile = true;
    expect(student.app.asksBeforeUnload).toBe(true);
  });

  it('a leecher put in the cache (Back) joins its swarm again when the page comes back (Forward), keeping its chunks', () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    window.fire('pagehide');
    expect(sessions[0]!.keptStoredChunks).toEqual([true]);
    expect(app.session).toBeUndefined();
    window.fire('pageshow', { persisted: true });
    expect(sessions).toHaveLength(2);
    expect(sessions[1]!.joined).toEqual({ swarmId: SWARM_A, contentId: CONTENT_A, override: {} });
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[1] });
    expect(window.listenerCount('pagehide')).toBe(1);
  });

  it('a seeder’s tab stays its swarm’s seeder when peer settings are appended to its link', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    const { kept, seeder } = await seedSwarmA(app, sessions);
    window.open(`/${swarmLink(SWARM_A, kept.place.contentId)}?up=-1MB/s`);
    // Before, it left (every table showing it gone) and seeded again under a new peer id, ignoring them anyway.
    expect(sessions).toHaveLength(1);
    expect(seeder.leaveCalls).toBe(0);
    expect(app.screen).toEqual({ view: 'swarm', session: seeder });
  });

  it('a seeder comes back seeding its swarm from the file it kept, without picking it again', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    const { kept } = await seedSwarmA(app, sessions);
    window.fire('pagehide');
    window.fire('pageshow', { persisted: true });
    expect(sessions).toHaveLength(2);
    expect(sessions[1]!.resumedSeed).toBe(kept);
    expect(sessions[1]!.joined).toBeUndefined();
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[1] });
    expect(window.location.hash).toBe(swarmLink(SWARM_A, kept.place.contentId));
  });

  it('a seeder that went Back to another page of the app seeds again from its file when it goes Forward', async () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_B, CONTENT_B));
    app.start();
    window.open('/');
    const { kept, seeder } = await seedSwarmA(app, sessions);
    window.open(`/${swarmLink(SWARM_B, CONTENT_B)}`); // Back
    expect(seeder.keptStoredChunks).toEqual([true]);
    window.open(`/${swarmLink(SWARM_A, kept.place.contentId)}`); // Forward
    expect(sessions).toHaveLength(4);
    expect(sessions[3]!.resumedSeed).toBe(kept);
    expect(sessions[3]!.joined).toBeUndefined();
  });

  it('a seeder refused its role because another tab seeds the swarm now joins it as a peer when opened again', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    await seedSwarmA(app, sessions);
    window.fire('pagehide');
    window.fire('pageshow', { persisted: true });
    // Back from the cache, it seeds again from its file; the server refuses: the file was picked again elsewhere.
    expect(sessions[1]!.resumedSeed).toBeDefined();
    sessions[1]!.seederElsewhere = true;
    sessions[1]!.keptSeed = sessions[1]!.resumedSeed;
    app.reopen();
    // Seeding again was refused the same way each time, "Back to this swarm" a dead end.
    expect(sessions[2]!.resumedSeed).toBeUndefined();
    expect(sessions[2]!.joined?.swarmId).toBe(SWARM_A);
    // A failure of another kind seeds again from the kept file, as before.
    sessions[2]!.keptSeed = sessions[1]!.resumedSeed;
    app.reopen();
    expect(sessions[3]!.resumedSeed).toBe(sessions[1]!.resumedSeed);
    // Opened again, a session keeps its place and stored chunks for the next to take back: "Join the swarm again"
    // deleted a download of gigabytes under way, and started it from nothing.
    expect(sessions.slice(1, 3).map((session) => session.keptStoredChunks)).toEqual([[true], [true]]);
  });

  it('a seeder that left on purpose joins its swarm as anyone else when it opens the link again', async () => {
    const { app, window, sessions } = setUp();
    app.start();
    const { kept, seeder } = await seedSwarmA(app, sessions);
    app.leave();
    expect(seeder.keptStoredChunks).toEqual([false]);
    window.open(`/${swarmLink(SWARM_A, kept.place.contentId)}`);
    expect(sessions[1]!.resumedSeed).toBeUndefined();
    expect(sessions[1]!.joined?.swarmId).toBe(SWARM_A);
  });

  it('an overview screen follows its swarm again', () => {
    const { app, window, watches } = setUp(watchLink(SWARM_A, CONTENT_A));
    app.start();
    window.fire('pagehide');
    expect(watches[0]!.closeCalls).toBe(1);
    window.fire('pageshow', { persisted: true });
    expect(watches).toHaveLength(2);
    expect(watches[1]!.watchedContentId).toBe(CONTENT_A);
    expect(app.screen).toEqual({ view: 'watch', watch: watches[1], contentId: CONTENT_A });
  });

  it('opens nothing on a first load, nor twice when shown again', () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    window.fire('pageshow', { persisted: false });
    expect(sessions).toHaveLength(1);
    window.fire('pagehide');
    window.fire('pageshow', { persisted: true });
    window.fire('pageshow', { persisted: true });
    expect(sessions).toHaveLength(2);
    app.stop();
    expect(window.listenerCount('pageshow')).toBe(0);
  });
});

describe('AppController: the control secret', () => {
  const SECRET = 'S3cr3t_-S3cr3t_-S3cr3t';

  it('keeps the secret of the swarm it seeded, and a reload of its page joins with it', async () => {
    const tabStorage = memoryStorage();
    const { app, sessions } = setUp('/', tabStorage);
    app.start();
    const seeding = app.seed(testFile, DEFAULT_RUN_CONFIG);
    sessions[0]!.finishSeeding(SWARM_A, CONTENT_A, SECRET);
    await seeding;

    const reloaded = setUp(swarmLink(SWARM_A, CONTENT_A), tabStorage);
    reloaded.app.start();
    expect(reloaded.sessions[0]!.joined).toEqual({
      swarmId: SWARM_A,
      contentId: CONTENT_A,
      override: {},
      control: SECRET,
    });
    // Another tab (its own session storage) joins without it.
    const other = setUp(swarmLink(SWARM_A, CONTENT_A));
    other.app.start();
    expect(other.sessions[0]!.joined).toEqual({ swarmId: SWARM_A, contentId: CONTENT_A, override: {} });
  });

  it('a re-seed keeps the tab’s member place until the seeder’s is taken, then leaves it', async () => {
    const { app, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const { manifest } = await prepareSeed(testFile, portableSha256, () => {});
    const seal = { salt: 'a'.repeat(22), controlDigest: 'b'.repeat(43) };
    const memory = { latestRunNumber: 1 };
    sessions[0]!.seedPlace = {
      swarmId: SWARM_A,
      contentId: CONTENT_A,
      manifest,
      control: SECRET,
      seal,
      iceServers: [],
      memory,
    };
    let taken: () => void = () => undefined;
    const reseeding = app.reseed(testFile);
    sessions[1]!.reseedTaken = new Promise<void>((resolve) => (taken = resolve));
    // Left first, as the swarm's last member, it ended the swarm; dropped, its place stayed away beside the seeder.
    expect(sessions[0]!.leaveCalls).toBe(0);
    sessions[1]!.seedsSwarm = true;
    taken();
    await reseeding;
    expect(sessions[0]!.keptSwarm).toEqual([false]);
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[1] });
  });

  it('a re-seed refused goes back to the member session on standby; another page closes it as it closes the page’s', async () => {
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const { manifest } = await prepareSeed(testFile, portableSha256, () => {});
    const seal = { salt: 'a'.repeat(22), controlDigest: 'b'.repeat(43) };
    const memory = { latestRunNumber: 1 };
    const place = { swarmId: SWARM_A, contentId: CONTENT_A, manifest, control: SECRET, seal, iceServers: [], memory };
    sessions[0]!.seedPlace = place;
    await app.reseed(testFile); // refused: no seeder's place
    expect(sessions[0]!.leaveCalls).toBe(0);
    app.reopen();
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[0] });
    expect(sessions).toHaveLength(2);
    // Again, and this time the page unloads meanwhile: the standby goes as the page's session would.
    await app.reseed(testFile);
    window.fire('pagehide');
    expect(sessions[0]!.keptSwarm).toEqual([true]);
    expect(sessions[0]!.keptStoredChunks).toEqual([true]);
  });

  it('a re-seed the teacher cancels goes back to the swarm in control, not to the start page', async () => {
    const tabStorage = memoryStorage();
    const first = setUp('/', tabStorage);
    first.app.start();
    const seeding = first.app.seed(testFile, DEFAULT_RUN_CONFIG);
    first.sessions[0]!.finishSeeding(SWARM_A, CONTENT_A, SECRET);
    await seeding;
    // Reloaded, the seeder's tab is a member in control; the teacher picks the file again, then cancels its hashing
    // (it went to the start page, the link and the offer to pick the file again gone).
    const { app, window, sessions } = setUp(swarmLink(SWARM_A, CONTENT_A), tabStorage);
    app.start();
    const { manifest } = await prepareSeed(testFile, portableSha256, () => {});
    sessions[0]!.seedPlace = {
      swarmId: SWARM_A,
      contentId: CONTENT_A,
      manifest,
      control: SECRET,
      seal: { salt: 'a'.repeat(22), controlDigest: 'b'.repeat(43) },
      iceServers: [],
      memory: { latestRunNumber: 1 },
    };
    const reseeding = app.reseed(testFile);
    expect(sessions[1]!.reseeded?.place.swarmId).toBe(SWARM_A);
    app.cancelPreparing();
    await reseeding;
    // Back to the member session it left on standby, still in the swarm: joined anew beside it, the place it had
    // stayed away for its grace (found by review).
    expect(sessions[0]!.leaveCalls).toBe(0);
    expect(sessions[1]!.keptStoredChunks).toEqual([true]);
    expect(sessions).toHaveLength(2);
    expect(app.screen).toEqual({ view: 'swarm', session: sessions[0] });
    expect(app.route).toMatchObject({ view: 'swarm', swarmId: SWARM_A });
    expect(window.location.hash).toBe(swarmLink(SWARM_A, CONTENT_A));

    // A first seed cancelled goes back to the start page.
    const fresh = setUp('/');
    fresh.app.start();
    void fresh.app.seed(testFile, DEFAULT_RUN_CONFIG);
    fresh.app.cancelPreparing();
    expect(fresh.app.route).toEqual({ view: 'start' });
    expect(fresh.sessions[0]!.keptStoredChunks).toEqual([false]);

    // One from a prepared start link keeps the link's settings: the form went back to p2p without caps.
    const prepared = setUp('/?mode=client-server&server-up=2MB/s');
    prepared.app.start();
    void prepared.app.seed(testFile, DEFAULT_RUN_CONFIG);
    prepared.app.cancelPreparing();
    expect(prepared.app.route).toEqual({ view: 'start' });
    expect(prepared.window.location.search).toBe('?mode=client-server&server-up=2MB/s');
    expect(prepared.app.prepared.ok && prepared.app.prepared.value.config.mode).toBe('client-server');
    // So does a failed first seed's "Back to the start page"; the header's link, meant as "home", drops them.
    prepared.app.leave();
    expect(prepared.window.location.search).toBe('?mode=client-server&server-up=2MB/s');
    prepared.app.leave({ fromHeader: true });
    expect(prepared.window.location.search).toBe('');
    expect(prepared.app.prepared.ok && prepared.app.prepared.value.config.mode).toBe('p2p');
  });

  it('opens an overview from the control link with the secret, and takes it out of the address bar', () => {
    const tabStorage = memoryStorage();
    const { app, window, watches } = setUp(`${watchLink(SWARM_A, CONTENT_A)}/${SECRET}`, tabStorage);
    app.start();
    expect(watches.map((watch) => watch.control)).toEqual([SECRET]);
    expect(window.location.hash).toBe(watchLink(SWARM_A, CONTENT_A));
    expect(app.screen).toEqual({ view: 'watch', watch: watches[0], contentId: CONTENT_A });
    window.fire('hashchange'); // replaced, not pushed: nothing reopens
    expect(watches).toHaveLength(1);

    const reloaded = setUp(watchLink(SWARM_A, CONTENT_A), tabStorage);
    reloaded.app.start();
    expect(reloaded.watches.map((watch) => watch.control)).toEqual([SECRET]);
  });

  it('opens an overview from a plain watch link without control', () => {
    const { app, watches } = setUp(watchLink(SWARM_A, CONTENT_A));
    app.start();
    expect(watches.map((watch) => watch.control)).toEqual([undefined]);
  });
});

describe('AppController: what the swarm broadcasts', () => {
  it('names a participant that left before the run finished as its row did, in the history and the export', () => {
    const { app, sessions, history } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const session = sessions[0]!;
    const running = swarmProgress(SWARM_A, runState(1, 'running', 2_000));
    // leech0 is Zoë on every screen; it completes and closes its laptop before the run finishes.
    const named = {
      ...running,
      peers: running.peers.map((peer) => ({ ...peer, name: peer.peerId === 'leech0' ? 'Zoë' : null })),
    };
    session.onBroadcast({ swarmId: SWARM_A, manifest, progress: named });
    const finished = swarmProgress(SWARM_A, runState(1, 'finished'));
    const withoutZoe = { ...finished, peers: finished.peers.filter((peer) => peer.peerId !== 'leech0') };
    session.onBroadcast({ swarmId: SWARM_A, manifest, progress: withoutZoe });
    // Before, no name: the export made one up from its peer id, which no screen had shown.
    expect(history.records[0]!.peers.find((peer) => peer.peerId === 'leech0')?.name).toBe('Zoë');
    expect(history.records[0]!.peers.find((peer) => peer.peerId === 'leech1')?.name).toBeNull();
  });

  it('keeps every finished run once in the history, and the running one in the rates', () => {
    const { app, sessions, history } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const session = sessions[0]!;
    session.onBroadcast({
      swarmId: SWARM_A,
      manifest,
      progress: swarmProgress(SWARM_A, runState(1, 'running', 2_000)),
    });
    expect(history.records).toHaveLength(0);
    expect(app.rates.points.map((point) => point.atSec)).toEqual([2]);
    const finished = swarmProgress(SWARM_A, runState(1, 'finished'));
    session.onBroadcast({ swarmId: SWARM_A, manifest, progress: finished });
    session.onBroadcast({ swarmId: SWARM_A, manifest, progress: finished });
    expect(history.records.map((record) => record.id)).toEqual([`${SWARM_A}#1`]);
    expect(history.records[0]!.distributionSec).toBe(8);
    expect(app.rates.points.map((point) => point.atSec)).toEqual([2, 8]);
  });

  it('ignores what a closed session still hears, and starts new rates with each session', () => {
    const { app, window, sessions, history } = setUp(swarmLink(SWARM_A, CONTENT_A));
    app.start();
    const first = sessions[0]!;
    first.onBroadcast({ swarmId: SWARM_A, manifest, progress: swarmProgress(SWARM_A, runState(1, 'running')) });
    const ratesOfFirst = app.rates;
    window.open(`/${swarmLink(SWARM_B, CONTENT_B)}`);
    expect(app.rates).not.toBe(ratesOfFirst);
    first.onBroadcast({ swarmId: SWARM_A, manifest, progress: swarmProgress(SWARM_A, runState(1, 'finished')) });
    expect(history.records).toHaveLength(0);
    expect(app.rates.points).toHaveLength(0);
  });

  it('collects the runs an overview screen sees', () => {
    const { app, watches, history } = setUp(watchLink(SWARM_A, CONTENT_A));
    app.start();
    watches[0]!.onBroadcast({ swarmId: SWARM_A, manifest, progress: swarmProgress(SWARM_A, runState(4, 'finished')) });
    expect(history.records.map((record) => record.runNumber)).toEqual([4]);
  });
});

describe('AppController: reactivity', () => {
  it('a component following the screen sees each change of route', () => {
    const { app, window } = setUp();
    const views: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => void views.push(app.screen.view));
    });
    flushSync();
    app.start();
    window.open(`/${swarmLink(SWARM_A, CONTENT_A)}`);
    flushSync();
    window.open(`/${watchLink(SWARM_A, CONTENT_A)}`);
    flushSync();
    app.leave();
    flushSync();
    expect(views).toEqual(['start', 'swarm', 'watch', 'start']);
    stop();
  });
});
