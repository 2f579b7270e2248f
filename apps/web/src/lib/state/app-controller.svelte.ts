import type { PeerOverride, RunConfig } from '@swarmlab/protocol';
import {
  LEAVE_SEEDING_QUESTION,
  LEAVE_UNSAVED_QUESTION,
  hashInPath,
  parseRoute,
  PEER_SETTINGS_TWICE,
  swarmHash,
  watchHash,
  type Route,
} from '../route';
import { MEMBER_WITHOUT_CONTROL, type RunControl } from '../control';
import { recordOfRun } from '../run-record';
import { hasPeerParams, parsePeerParams, parseStartParams, type Parsed, type PreparedStart } from '../run-settings';
import { ControlSecrets } from './control-secrets';
import type { ChunkSource } from '../storage/chunk-source';
import type { KeptSeed, SeedPlace, UnregisteredSeed } from './swarm-session.svelte';
import type { RunHistory } from './run-history.svelte';
import type { OnSwarmBroadcast, SwarmBroadcast } from './swarm-broadcast';
import { ALWAYS_VISIBLE, type PageVisibility } from './page-visibility.svelte';
import { SwarmRates } from './swarm-rates.svelte';

/** What the app needs of a peer's membership of a swarm (`SwarmSession`). */
export interface AppSession {
  readonly swarmId: string | undefined;
  readonly contentId: string | undefined;
  /** The swarm's control secret, once a seeded swarm exists (or a join presented it successfully). */
  readonly controlSecret: string | undefined;
  seed(file: ChunkSource, config: RunConfig): Promise<void>;
  /** A hashed file whose swarm the server did not register (`SwarmSession.unregisteredSeed`). */
  readonly unregisteredSeed: UnregisteredSeed | undefined;
  /** Registers a new swarm for `unregistered` without reading its file again. */
  seedPrepared(unregistered: UnregisteredSeed): Promise<void>;
  /** `control`: the swarm's control secret, if this tab kept one. */
  join(swarmId: string, contentId: string, override: PeerOverride, control?: string): Promise<void>;
  /**
   * `keepStoredChunks`: the page is unloading or going back to its swarm (a reload resumes from them), not leaving;
   * `keepSwarm`: the swarm is to outlive this leave (`LeaveOptions`).
   */
  leave(options?: { keepStoredChunks?: boolean; keepSwarm?: boolean }): void;
  /** What seeding this session's swarm again from this tab takes; undefined unless it may. */
  readonly seedPlace: SeedPlace | undefined;
  /** Seeds the swarm of `place` from `file`, picked again. */
  reseed(file: ChunkSource, place: SeedPlace): Promise<void>;
  /** A seeder's file and place, kept once it left: undefined unless it seeded a swarm it held control of. */
  readonly keptSeed: KeptSeed | undefined;
  /** Seeds the swarm again from `kept`, an earlier session's (`keptSeed`): the file is not picked again. */
  resumeSeed(kept: KeptSeed): Promise<void>;
  /** Whether it holds the seeder's place in its swarm now: it seeds (not failed, not closed). */
  readonly seedsSwarm: boolean;
  /** The server refused it the seeder's role: another tab seeds the swarm now. */
  readonly seederElsewhere: boolean;
  /** A leecher's whole file not given to Save yet, which leaving deletes. */
  readonly holdsUnsavedFile: boolean;
  /** Whether it knows a swarm to go back to (`SwarmSession.canReturn`). */
  readonly canReturn: boolean;
  /** Whether it runs the swarm, or why not (`MEMBER_WITHOUT_CONTROL`: the server refused the secret it kept). */
  readonly control: RunControl;
}

/** What the app needs of an overview screen's view of a swarm (`SwarmWatch`). */
export interface AppWatch {
  readonly swarmId: string;
  watch(contentId: string): Promise<void>;
  close(): void;
}

type AppEvent = 'hashchange' | 'pagehide' | 'pageshow';

/** What the app reads of the events it follows: `persisted`, on a `pageshow`, says the page came back from the back/forward cache. */
export interface AppWindowEvent {
  readonly persisted?: boolean;
}

/** The page the app runs in: its URL, its session history and the events it follows. */
export interface AppWindow {
  readonly location: Pick<Location, 'hash' | 'search' | 'pathname' | 'origin'>;
  readonly history: Pick<History, 'pushState' | 'replaceState'>;
  addEventListener(type: AppEvent, listener: (event: AppWindowEvent) => void): void;
  removeEventListener(type: AppEvent, listener: (event: AppWindowEvent) => void): void;
}

export interface AppControllerDeps<S extends AppSession, W extends AppWatch> {
  readonly window: AppWindow;
  /** The finished runs this browser keeps. */
  readonly history: RunHistory;
  /** A new, idle session; it hands every broadcast of its swarm to `onBroadcast`. */
  readonly createSession: (onBroadcast: OnSwarmBroadcast) => S;
  /**
   * A watch of `swarmId`, not yet following it; it hands every broadcast to `onBroadcast`. With
   * `control`, the swarm's control secret, it may run the swarm.
   */
  readonly createWatch: (swarmId: string, onBroadcast: OnSwarmBroadcast, control?: string) => W;
  /** The control secrets this tab holds (kept over a reload); in memory only if absent. */
  readonly controlSecrets?: ControlSecrets;
  /** Whether the page is seen: the swarm's rates are not drawn while it is hidden (always seen if absent). */
  readonly visibility?: PageVisibility;
}

export { PEER_SETTINGS_TWICE };

/** What the page shows. */
export type Screen<S, W> =
  | { readonly view: 'start' }
  | Extract<Route, { readonly view: 'bad-link' }>
  | { readonly view: 'swarm'; readonly session: S }
  | { readonly view: 'watch'; readonly watch: W; readonly contentId: string };

/** Names of peers seen in a swarm's rows kept for the run history (`recordOfRun`), the longest unseen forgotten. */
const MAX_NAMES_SEEN = 4096;

/**
 * The app: follows the URL (`route.ts`), and owns the one session (a peer's tab) or watch (an overview
 * screen) it opens: created when the route asks for one, closed when the route moves on, when the user
 * leaves, and when the page goes (a `pagehide` listener lives as long as one is open: closing the signalling
 * connection deliberately tells the server the tab left, at once, rather than a drop it waits for). Every
 * broadcast of the swarm followed feeds the swarm's rates and, once a run finishes, the run history.
 */
export class AppController<S extends AppSession, W extends AppWatch> {
  readonly history: RunHistory;
  /** Settings a prepared start-page link carries (`?mode=…&server-up=…`), read as the start page opens. */
  #prepared = $state.raw<Parsed<PreparedStart>>(parseStartParams(''));
  #route = $state.raw<Route>({ view: 'start' });
  #session = $state.raw<S | undefined>();
  /** The peer settings after the hash of the link the session was opened from (`Route`'s `settings`). */
  #sessionSettings: string | undefined;
  #watch = $state.raw<W | undefined>();
  /** The control secret the watch was opened with: a control link pasted for the same swarm opens it again. */
  #watchControl: string | undefined;
  #rates = $state.raw(new SwarmRates());
  /** The name each peer's row showed in the tables of swarm `#namesOf` this page saw (`recordOfRun`). */
  // Plain bookkeeping, never rendered.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #names = new Map<string, string | null>();
  #namesOf: string | undefined;
  readonly #screen = $derived.by((): Screen<S, W> => {
    const route = this.#route;
    if (route.view === 'bad-link') return route;
    if (this.#watch && route.view === 'watch') return { view: 'watch', watch: this.#watch, contentId: route.contentId };
    if (this.#session) return { view: 'swarm', session: this.#session };
    return { view: 'start' };
  });
  readonly #deps: AppControllerDeps<S, W>;
  readonly #controlSecrets: ControlSecrets;
  readonly #onHashChange = (): void => this.#followLocation();
  /**
   * The file the latest seeder session of this page seeded, kept once it closed without the user leaving
   * (Back, or the page put in the back/forward cache): coming back to its swarm seeds it again from it.
   */
  #keptSeed: KeptSeed | undefined;
  /** The member session a re-seed (`reseed`) keeps in the swarm until the seeder's place is taken, or given up. */
  #standby: S | undefined;
  // A reload comes back to the same swarm: a leecher keeps its stored chunks to resume from them. So does a
  // page put in the back/forward cache (Back, then Forward), and a seeder's tab keeps its file there.
  // Reloaded or closed, the swarm's last member keeps the swarm for its grace period (`keepSwarm`); put in the cache, it
  // leaves, and coming back seeds a swarm registered again: its dropped seeder's place, away, refused the seed of the
  // page back from the cache as a second seeder (found by review).
  readonly #onUnload = (event?: AppWindowEvent): void =>
    this.#closeAll({ keepStoredChunks: true, keepSwarm: event?.persisted !== true });
  /** Back from the back/forward cache, with everything it had open closed (`pagehide`): opens it again. */
  readonly #onPageShow = (event: AppWindowEvent): void => {
    if (event.persisted) this.#followLocation();
  };

  constructor(deps: AppControllerDeps<S, W>) {
    this.#deps = deps;
    this.#controlSecrets = deps.controlSecrets ?? new ControlSecrets();
    this.history = deps.history;
    this.#route = parseRoute(this.#locationHash());
    this.#prepared = parseStartParams(deps.window.location.search);
  }

  /**
   * The page's hash, or the route its path carries when its link lost the `#` (`hashInPath`): the page's URL is then
   * set to the hash form, so that a reload, the share link shown and Back all see a link of the app's own.
   */
  #locationHash(): string {
    const { hash, search, pathname } = this.#deps.window.location;
    if (parseRoute(hash).view !== 'start') return hash;
    const moved = hashInPath(pathname);
    if (moved === undefined) return hash;
    this.#deps.window.history.replaceState(null, '', `/${search}${moved}`);
    return moved;
  }

  /**
   * What the start page's link prepares. Read again whenever the start page opens: a link whose settings
   * were refused, left by the header's link (which drops the query), must not keep the page refusing.
   */
  get prepared(): Parsed<PreparedStart> {
    return this.#prepared;
  }

  get route(): Route {
    return this.#route;
  }

  get screen(): Screen<S, W> {
    return this.#screen;
  }

  /** This tab's membership of a swarm, if any. */
  get session(): S | undefined {
    return this.#session;
  }

  /** The swarm this overview screen follows, if any. */
  get watch(): W | undefined {
    return this.#watch;
  }

  /** Every peer's throughput over the current run of the swarm followed; new with each session or watch. */
  get rates(): SwarmRates {
    return this.#rates;
  }

  /** Follows the URL now, on every change of its hash, and when the page comes back from the back/forward cache. */
  start(): void {
    this.#followLocation();
    this.#deps.window.addEventListener('hashchange', this.#onHashChange);
    this.#deps.window.addEventListener('pageshow', this.#onPageShow);
  }

  /** Stops following the URL and closes whatever is open. */
  stop(): void {
    this.#deps.window.removeEventListener('hashchange', this.#onHashChange);
    this.#deps.window.removeEventListener('pageshow', this.#onPageShow);
    this.#closeAll();
  }

  /** Seeds `file` in a new swarm with `config` for its runs; the URL becomes the swarm's link once it exists. */
  async seed(file: ChunkSource, config: RunConfig): Promise<void> {
    await this.#seedIn((session) => session.seed(file, config));
  }

  /**
   * Tries again to register the swarm of a file the failed session hashed (`AppSession.unregisteredSeed`): the
   * file is not read again.
   */
  async seedAgain(): Promise<void> {
    const unregistered = this.#session?.unregisteredSeed;
    if (!unregistered) return;
    await this.#seedIn((session) => session.seedPrepared(unregistered));
  }

  async #seedIn(seed: (session: S) => Promise<void>): Promise<void> {
    this.#closeAll();
    const session = this.#openSession();
    this.#route = { view: 'swarm', swarmId: '', contentId: '' };
    await seed(session);
    if (this.#session !== session || !session.swarmId || !session.contentId) return;
    // Kept for this tab: reloaded, it joins its own swarm and still runs it.
    if (session.controlSecret) this.#controlSecrets.keep(session.swarmId, session.controlSecret);
    this.#deps.window.history.replaceState(null, '', swarmHash(session.swarmId, session.contentId));
    this.#route = { view: 'swarm', swarmId: session.swarmId, contentId: session.contentId };
  }

  /**
   * Seeds this tab's swarm again from `file`, picked again: this tab holds the swarm's control secret (its
   * seeder's tab, reloaded) and the swarm has no seeder any more. The tab leaves as a leecher and takes the
   * seeder's place under the same link.
   */
  async reseed(file: ChunkSource): Promise<void> {
    const former = this.#session;
    const place = former?.seedPlace;
    if (!former || !place) return;
    // The tab's place as a member stays in the swarm, on standby, until the seeder's is taken: left first, as the
    // swarm's last member, it ended the swarm, which the seeder's place then restored under a new code; dropped, it
    // stayed away beside the seeder for its grace, a leecher the next run counted as abandoned (found by review).
    this.#session = undefined;
    this.#closeAll();
    this.#standby = former;
    const session = this.#openSession();
    await session.reseed(file, place);
    // In the swarm with the seeder's place, the member place goes. Otherwise (refused, cancelled) it stays on standby:
    // "Back to this swarm" takes it up again (joined anew beside it, the place it had stayed away for its grace).
    if (session.seedsSwarm && this.#standby === former) {
      this.#standby = undefined;
      former.leave();
    }
  }

  /** Opens again what the address names (after a failure, such as a file picked to seed again that was not the swarm's). */
  reopen(): void {
    // Another tab seeds the swarm now (it was refused the seeder's role): opened again, this one takes part as a
    // peer. Seeding again from the file it kept was refused the same way each time, a dead end (found by review).
    const asPeer = this.#session?.seederElsewhere === true;
    // A re-seed that failed or was cancelled goes back to the member session it left on standby, still in the swarm.
    const standby = this.#standby;
    this.#standby = undefined;
    // Its place and stored chunks are kept: "Back to this swarm" after a failure, or "Join the swarm again" after a
    // restart, takes the place back with them where the server still holds it (they were deleted, and a download of
    // gigabytes under way started from nothing).
    this.#closeAll({ keepStoredChunks: true });
    if (asPeer) this.#keptSeed = undefined;
    if (standby && this.#route.view === 'swarm' && standby.swarmId === this.#route.swarmId) {
      this.#session = standby;
      this.#opened();
      return;
    }
    standby?.leave({ keepStoredChunks: true, keepSwarm: true });
    this.#followLocation();
  }

  /**
   * Opens a swarm's share link in this page, as if the user had followed it (a join code named it): the
   * start page's query (settings for a new swarm) is dropped, a peer's own settings are not in a code.
   */
  openSwarm(swarmId: string, contentId: string): void {
    this.openLink(swarmHash(swarmId, contentId));
  }

  /** Opens a link of this page's server by its hash (one pasted where a code goes), as `openSwarm` does. */
  openLink(hash: string): void {
    this.#deps.window.history.pushState(null, '', `${this.#deps.window.location.pathname}${hash}`);
    this.#followLocation();
  }

  /**
   * Whether this tab seeds its swarm: going to the start page (`leave`) stops the seeding for the whole class, and the
   * file must be picked (and hashed) again to seed it. The page asks first (one plain click on the header's link
   * did it without a word; found by review).
   */
  get seeding(): boolean {
    return this.#session?.keptSeed !== undefined;
  }

  /**
   * Whether the page asks before it unloads (`beforeunload`: a reload, a closed tab, another address): while it seeds
   * (a reload must pick the file again; a closed tab takes the control secret with it, and the class has no seeder),
   * holds the control secret of a swarm it seeded (`#holdsControl`) or a downloaded file not saved. Only the page's own ways out asked (found by review). Read as the page
   * unloads (App.svelte), not followed: not all of it is reactive state.
   */
  get asksBeforeUnload(): boolean {
    return this.leaveQuestion(true) !== undefined || this.#holdsControl();
  }

  /**
   * This tab holds the control secret of its swarm and does not seed it (its seeder's tab, reloaded: hashing the file
   * picked again, or refused it): the secret lives in this tab's session storage, which a reload keeps and a closed
   * tab takes with it, and with it the class's way to seed the swarm again from this browser.
   */
  #holdsControl(): boolean {
    const [route, session] = [this.#route, this.#session];
    if (route.view !== 'swarm' || !session || this.seeding) return false;
    if (this.#controlSecrets.get(route.swarmId) === undefined) return false;
    // Not for a secret that gives nothing: its swarm ended (no way back to it), or the server refused it (found by
    // review).
    return session.canReturn && session.control !== MEMBER_WITHOUT_CONTROL;
  }

  /** Whether leaving deletes a downloaded file not given to Save yet (`SwarmSession.holdsUnsavedFile`). */
  get holdsUnsavedFile(): boolean {
    return this.#session?.holdsUnsavedFile ?? false;
  }

  /** What the page asks before it leaves the swarm (`fromHeader`: the header's link, meant as "home"), if anything. */
  leaveQuestion(fromHeader: boolean): string | undefined {
    if (fromHeader && this.seeding) return LEAVE_SEEDING_QUESTION;
    return this.holdsUnsavedFile ? LEAVE_UNSAVED_QUESTION : undefined;
  }

  /** Back to the start page: closes what is open, for good (no file kept to seed again, no chunks). */
  leave(options: { readonly fromHeader?: boolean } = {}): void {
    this.#backToStart(options.fromHeader !== true);
  }

  /**
   * `leave`; with `keepPreparedLink`, a first seed cancelled or failed, the prepared start link's settings stay
   * (dropped, the form went back to p2p without caps, found by review): it never got its swarm, so the address is as
   * it was. The header's link (`fromHeader`), meant as "home", drops them.
   */
  #backToStart(keepPreparedLink: boolean): void {
    this.#closeAll();
    this.#keptSeed = undefined;
    const { pathname, hash } = this.#deps.window.location;
    const keeps = keepPreparedLink && (hash === '' || hash === '#') && this.#prepared.ok;
    if (!keeps) this.#deps.window.history.pushState(null, '', pathname);
    this.#route = { view: 'start' };
    this.#prepared = parseStartParams(this.#deps.window.location.search);
  }

  /**
   * "Cancel" while a file is hashed to be seeded: a first seed goes back to the start page; a re-seed of the swarm
   * (the seeder's tab, reloaded, picked its file again) goes back to that swarm, in control, as the tab was before.
   * It went to the start page, the link and the offer to pick the file again gone (found by review).
   */
  cancelPreparing(): void {
    if (this.#session?.canReturn === true) this.reopen();
    else this.#backToStart(true);
  }

  /**
   * The start page without its link's settings, which were refused: its file picker and generator were disabled,
   * and nothing on the page said the way out was the header's link (found by review).
   */
  startWithoutSettings(): void {
    this.#deps.window.history.replaceState(null, '', this.#deps.window.location.pathname);
    this.#prepared = parseStartParams('');
  }

  /** An overview that failed (the server gone for good, say) follows its swarm again, as a reload would. */
  watchAgain(): void {
    if (!this.#watch) return;
    this.#closeAll({ keepStoredChunks: true });
    this.#followLocation();
  }

  /**
   * A swarm link joins (unless this tab already is in that swarm), a watch link follows one. A control
   * link's secret is kept for this tab and taken out of the address bar at once: the teacher's screen is
   * often the projected one, and the class must not read the secret off it. A reload finds it kept.
   * Moving away (Back, another link) keeps what a return needs: a leecher's stored chunks (cleaned up as
   * stale within the hour if it never comes back) and a seeder's file, from which its swarm's link seeds again.
   */
  #followLocation(): void {
    const hash = this.#locationHash();
    const { search } = this.#deps.window.location;
    let route = parseRoute(hash);
    if (route.view === 'watch' && route.control !== undefined) {
      this.#controlSecrets.keep(route.swarmId, route.control);
      this.#deps.window.history.replaceState(null, '', `${search}${watchHash(route.swarmId, route.contentId)}`);
      route = { view: 'watch', swarmId: route.swarmId, contentId: route.contentId };
    }
    this.#route = route;
    if (route.view === 'swarm') {
      // The swarm this tab is in, with the settings after the hash it was opened with: nothing to do. Settings
      // appended to an open swarm's link (the page does not reload) open it again with them, as a reload with
      // them would (its place and chunks taken back); they were ignored without a word (found by review).
      if (this.#session?.swarmId === route.swarmId && this.#sessionSettings === route.settings) return;
      // The seeder's tab: peer settings are a leecher's, and opening its swarm again would have it leave (every
      // table showing it gone) and seed again under a new peer id, ignoring them all the same (found by review).
      // The run's caps are its to set, in its run form.
      if (this.#session?.swarmId === route.swarmId && this.#session.keptSeed !== undefined) {
        this.#sessionSettings = route.settings;
        return;
      }
      this.#closeAll({ keepStoredChunks: true });
      const kept = this.#keptSeed;
      if (kept?.place.swarmId === route.swarmId) {
        this.#keptSeed = undefined;
        void this.#openSession(route.settings).resumeSeed(kept);
        return;
      }
      // Settings before the hash, as links are made, or appended after it (`parseRoute`); not both.
      const swarm = { swarmId: route.swarmId, contentId: route.contentId };
      if (route.settings !== undefined && hasPeerParams(search)) {
        this.#route = { view: 'bad-link', reason: PEER_SETTINGS_TWICE, swarm };
        return;
      }
      const override = parsePeerParams(route.settings ?? search, route.settings === undefined ? 'query' : 'after-hash');
      if (!override.ok) {
        this.#route = { view: 'bad-link', reason: override.message, swarm };
        return;
      }
      const control = this.#controlSecrets.get(route.swarmId);
      void this.#openSession(route.settings).join(route.swarmId, route.contentId, override.value, control);
    } else if (route.view === 'watch') {
      const control = this.#controlSecrets.get(route.swarmId);
      // The same swarm, watched with the same secret: nothing to do. A control link pasted into a read-only
      // overview (or one opened with a wrong secret) watches again, with the secret, rather than ignore it.
      if (this.#watch?.swarmId === route.swarmId && this.#watchControl === control) return;
      this.#closeAll({ keepStoredChunks: true });
      void this.#openWatch(route.swarmId, control).watch(route.contentId);
    } else {
      this.#closeAll({ keepStoredChunks: true });
      this.#prepared = parseStartParams(search);
    }
  }

  /** A session for this page; `settings`: the peer settings after the hash of the link it was opened from. */
  #openSession(settings?: string): S {
    const session: S = this.#deps.createSession((broadcast) => this.#collect(session, broadcast));
    this.#session = session;
    this.#sessionSettings = settings;
    this.#opened();
    return session;
  }

  #openWatch(swarmId: string, control: string | undefined): W {
    const watch: W = this.#deps.createWatch(swarmId, (broadcast) => this.#collect(watch, broadcast), control);
    this.#watch = watch;
    this.#watchControl = control;
    this.#opened();
    return watch;
  }

  #opened(): void {
    this.#rates.dispose();
    this.#rates = new SwarmRates(this.#deps.visibility ?? ALWAYS_VISIBLE);
    this.#deps.window.addEventListener('pagehide', this.#onUnload);
  }

  #closeAll(options: { keepStoredChunks?: boolean; keepSwarm?: boolean } = {}): void {
    // A member session a re-seed left on standby goes with everything else, as the page's session would.
    this.#standby?.leave(options);
    this.#standby = undefined;
    const kept = this.#session?.keptSeed;
    if (kept) this.#keptSeed = kept;
    this.#session?.leave(options);
    this.#session = undefined;
    this.#watch?.close();
    this.#watch = undefined;
    this.#deps.window.removeEventListener('pagehide', this.#onUnload);
  }

  /** Every finished run this page sees goes into the browser's run history, once. */
  #collect(source: S | W, { swarmId, manifest, progress }: SwarmBroadcast): void {
    if (source !== this.#session && source !== this.#watch) return;
    this.#rates.add(progress);
    // Only the latest run travels; a finished one is kept here the first time this page sees it, with the names
    // its participants' rows showed before (one that left has no row in the table that finished the run).
    const record = progress.run && recordOfRun(swarmId, manifest, progress.run, progress, this.#namesSeen(swarmId));
    if (record) this.history.add(record);
    for (const peer of progress.peers) {
      this.#names.delete(peer.peerId);
      this.#names.set(peer.peerId, peer.name ?? null);
    }
    // Bounded: the longest unseen go first (a swarm has 64 members; a lesson sees a few hundred come and go).
    for (const peerId of this.#names.keys()) {
      if (this.#names.size <= MAX_NAMES_SEEN) break;
      this.#names.delete(peerId);
    }
  }

  /** The names seen in the rows of `swarmId`'s tables (forgotten for another swarm). */
  #namesSeen(swarmId: string): ReadonlyMap<string, string | null> {
    if (this.#namesOf !== swarmId) {
      this.#names.clear();
      this.#namesOf = swarmId;
    }
    return this.#names;
  }
}
