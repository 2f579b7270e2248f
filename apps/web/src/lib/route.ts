import { contentIdSchema, controlSecretSchema, swarmIdSchema } from '@swarmlab/protocol';
import { hasPeerParams, parsePeerParams, PEER_PARAMS } from './run-settings';

/** Peer settings both before and after a link's hash: which were meant is not for the page to guess. */
export const PEER_SETTINGS_TWICE =
  'This link gives its peer settings twice, before and after its # (…/?up=…#/swarm/… and …#/swarm/…?up=…): keep one.';

/**
 * Where the URL's hash points: the start page, a swarm as a peer, a swarm's overview screen (a
 * projector: follows the swarm without being a peer; with `control`, the swarm's control secret from a
 * control link, it may run the experiment), or a swarm link that cannot be one.
 */
export type Route =
  | { readonly view: 'start' }
  | {
      readonly view: 'swarm';
      readonly swarmId: string;
      readonly contentId: string;
      /**
       * Peer settings written after the hash (`…#/swarm/<id>/<cid>?up=500kB/s`, or `&up=…`), as a query string
       * without its `?`: where a link's settings end up when they are appended to a share link, which ends with its
       * hash. Read there, they were taken for a damaged content id, or, after a `/`, dropped without a word.
       */
      readonly settings?: string;
    }
  | { readonly view: 'watch'; readonly swarmId: string; readonly contentId: string; readonly control?: string }
  | {
      readonly view: 'bad-link';
      readonly reason: string;
      /** The swarm a link names, where only its peer settings were refused: it may be joined without them. */
      readonly swarm?: { readonly swarmId: string; readonly contentId: string };
    };

const SWARM_PREFIX = '#/swarm/';
const WATCH_PREFIX = '#/watch/';

/**
 * Parses `#/swarm/<swarmId>/<contentId>`, `#/watch/<swarmId>/<contentId>` and the control link
 * `#/watch/<swarmId>/<contentId>/<control secret>`; anything else under them is a bad link. A swarm
 * link's further segments are ignored; what follows a `?` or `&` is a swarm link's settings (`settings`), and
 * nothing an overview screen takes.
 */
export function parseRoute(hash: string): Route {
  const view = hash.startsWith(SWARM_PREFIX) ? 'swarm' : hash.startsWith(WATCH_PREFIX) ? 'watch' : undefined;
  if (!view) return { view: 'start' };
  const rest = hash.slice(SWARM_PREFIX.length);
  const settingsAt = rest.search(/[?&]/);
  const path = settingsAt < 0 ? rest : rest.slice(0, settingsAt);
  const settings = settingsAt < 0 ? undefined : rest.slice(settingsAt + 1);
  const [swarmId = '', contentId = '', control = ''] = path.split('/');
  if (!swarmIdSchema.safeParse(swarmId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its swarm id is not one swarmlab makes.' };
  if (!contentIdSchema.safeParse(contentId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its content id is missing or damaged.' };
  if (view === 'swarm') return { view, swarmId, contentId, ...(settings && { settings }) };
  if (control === '') return { view, swarmId, contentId };
  if (!controlSecretSchema.safeParse(control).success)
    return { view: 'bad-link', reason: 'This control link is malformed: its control key is damaged.' };
  return { view, swarmId, contentId, control };
}

/**
 * The hash of a route that a link carries in its path instead, having lost its `#` on the way (a mail client
 * writing it `%23`, a link typed without it: `/swarm/<id>/<cid>`, `/%23/swarm/…`), which the server answers with the
 * app; undefined for any other path. Such a link opened the start page without a word (found by review).
 */
export function hashInPath(pathname: string): string | undefined {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // Not percent-encoded as a URL is: read as it is.
  }
  const at = path.search(/\/(swarm|watch)\//);
  return at < 0 ? undefined : `#${path.slice(at)}`;
}

/** A link pasted where a join code goes: its hash, to follow in this page, or why it cannot be. */
export type PastedLink =
  { readonly ok: true; readonly hash: string } | { readonly ok: false; readonly message: string };

/**
 * What a chat or a sentence puts around a link: quotes and brackets (`“…”`, `(…)`, `<…>`), and punctuation after it.
 * None ends a link of this page's: its ids are base64url and hex, its settings end with a unit or a digit. Pasted
 * with them, a link was said to be another server's (`xn--http-996a`, `(http`), not a link, or damaged (found by
 * review). A `[` that opens an IPv6 host (`[fd00::5]:8080/#/…`, a link without its scheme) is the link's own: taken
 * off, the link was refused as none (found by review).
 */
const LEADING_WRAPPERS = /^(?:["'“”„‘’‚«»‹›<({]|\[(?![\da-f.]*:[\da-f:.]*\]))+/iu;
const TRAILING_WRAPPERS = /["'“”‘’«»‹›>)\]}.,;:!?]+$/u;

/**
 * Reads `typed` as a link when it looks like one (`://`, or a `#/` hash): a swarm's share link, an overview's or a
 * control link of this page's server (`origin`, or one of `serverOrigins`, the network addresses the server says it
 * is reached at) is followed as if it were opened. Undefined for anything else (a code). A link pasted from the class
 * chat into "Join with a code" was cut to 14 characters and read as a code with an L in it; the share link a page at
 * localhost shows (at the LAN address) was refused there as another server's (both found by review).
 */
export function pastedLink(
  typed: string,
  origin: string,
  serverOrigins: readonly string[] = [],
): PastedLink | undefined {
  const text = typed.trim().replace(LEADING_WRAPPERS, '').replace(TRAILING_WRAPPERS, '');
  if (!text.includes('://') && !text.includes('#/')) return undefined;
  const notALink: PastedLink = {
    ok: false,
    message: 'This looks like a link but is not one: paste the whole link, or type the code.',
  };
  let url: URL;
  try {
    // A hash or a path alone is this page's; a link without its scheme (`10.0.0.7:8080/#/…`, as some chats show it)
    // has this page's: read against this page, it was taken for a path on this server, or `localhost:` for a scheme
    // (found by review).
    url =
      text.startsWith('#') || text.startsWith('/')
        ? new URL(text, origin)
        : new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `${new URL(origin).protocol}//${text}`);
  } catch {
    return notALink;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return notALink;
  if (url.origin !== origin && !serverOrigins.includes(url.origin))
    return { ok: false, message: `This link is for another server (${url.host}): open it in the address bar.` };
  // A link that lost its `#` (`…/%23/swarm/…`, `…/swarm/…`), as the address bar takes it (`hashInPath`): here it was
  // said to name no swarm (found by review).
  const hash = parseRoute(url.hash).view === 'start' ? (hashInPath(url.pathname) ?? url.hash) : url.hash;
  const route = parseRoute(hash);
  if (route.view === 'bad-link') return { ok: false, message: route.reason };
  if (route.view === 'start')
    return { ok: false, message: 'This link names no swarm: paste the swarm’s link, or type the code.' };
  if (route.view === 'watch') return { ok: true, hash };
  // A peer's own link (`/?up=500kB/s&leave=1#/swarm/…`, a teacher's per-student links) keeps its settings, carried
  // after the hash where a link's settings may also be written: this page follows only the hash, and they were dropped
  // without a word (found by review). Checked here, so that the box says what is wrong with them.
  if (route.settings !== undefined && hasPeerParams(url.search)) return { ok: false, message: PEER_SETTINGS_TWICE };
  const settings = parsePeerParams(route.settings ?? url.search, route.settings === undefined ? 'query' : 'after-hash');
  if (!settings.ok) return { ok: false, message: settings.message };
  if (route.settings !== undefined || !hasPeerParams(url.search)) return { ok: true, hash };
  // As written (`up=500kB/s`, not `up=500kB%2Fs` in the address bar), the others (a start page's) left out.
  const peerParams = url.search
    .slice(1)
    .split('&')
    .filter((pair) => (PEER_PARAMS as readonly string[]).includes(new URLSearchParams(pair).keys().next().value ?? ''));
  return { ok: true, hash: `${hash}?${peerParams.join('&')}` };
}

export function swarmHash(swarmId: string, contentId: string): string {
  return `${SWARM_PREFIX}${swarmId}/${contentId}`;
}

/** The overview screen's hash, without the control secret (a read-only screen). */
export function watchHash(swarmId: string, contentId: string): string {
  return `${WATCH_PREFIX}${swarmId}/${contentId}`;
}

/** The link to share: this page's origin plus the swarm's hash. */
export function shareLink(origin: string, swarmId: string, contentId: string): string {
  return `${origin}/${swarmHash(swarmId, contentId)}`;
}

/** The overview screen's link (for a projector): it follows the swarm and cannot run it. */
export function watchLink(origin: string, swarmId: string, contentId: string): string {
  return `${origin}/${watchHash(swarmId, contentId)}`;
}

/**
 * The control link (for the teacher's screen): the overview screen holding the swarm's control secret,
 * so it can start and stop runs and set every peer's links. The secret is in the fragment, which no
 * browser sends to a server: only the `swarm:watch` request carries it, to the signalling server.
 */
export function controlLink(origin: string, swarmId: string, contentId: string, control: string): string {
  return `${watchLink(origin, swarmId, contentId)}/${control}`;
}

/** The buttons and keys of a click, as a link's handler reads them. */
export interface ClickModifiers {
  readonly button: number;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** What the page asks before the header's link takes a seeding tab to the start page (`AppController.seeding`). */
export const LEAVE_SEEDING_QUESTION =
  'This tab seeds the swarm: going to the start page stops it for everyone, and the file must be picked again to seed it. Leave the swarm?';

/** What the page asks before leaving deletes a downloaded file not saved yet (`AppController.holdsUnsavedFile`). */
export const LEAVE_UNSAVED_QUESTION =
  'This tab holds the downloaded file, not saved yet: leaving deletes it from this browser. Leave the swarm anyway?';

/**
 * A click that follows a link in this tab: the main button, no modifier. Ctrl/⌘-click (a new tab), Shift-click
 * (a new window) and Alt-click (download) are the browser's, and must not make this tab act as if it navigated.
 */
export function isPlainClick(click: ClickModifiers): boolean {
  return click.button === 0 && !click.ctrlKey && !click.metaKey && !click.shiftKey && !click.altKey;
}
