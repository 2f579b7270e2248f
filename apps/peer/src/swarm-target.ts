import { contentIdSchema, parseJoinCode, swarmIdSchema, type JoinCode } from '@swarmlab/protocol';
import { HeadlessPeerError } from './headless-peer-error';

/** A share link's settings of the peer that opens it (apps/web's `run-settings.ts` reads them). */
const PEER_LINK_PARAMS: readonly string[] = ['up', 'down', 'leave'];

/** The part of a share link after its origin: `#/swarm/<swarmId>/<contentId>` (apps/web's route). */
const SWARM_FRAGMENT_PREFIX = '#/swarm/';

/** What a share link names: the server that serves it, and the swarm with the content id its file must hash to. */
export interface SwarmLink {
  readonly serverUrl: string;
  readonly swarmId: string;
  readonly contentId: string;
}

/** What a headless peer is asked to join: a share link, or a join code to resolve on a server. */
export type SwarmTarget =
  { readonly kind: 'link'; readonly link: SwarmLink } | { readonly kind: 'code'; readonly code: JoinCode };

/** The share link of `swarmId` on `serverUrl`, as a tab shows it. */
export function shareLinkOf(serverUrl: string, swarmId: string, contentId: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/${SWARM_FRAGMENT_PREFIX}${swarmId}/${contentId}`;
}

/**
 * The control link of `swarmId` (the overview screen holding the control secret, as a tab shows its
 * creator): a teacher who seeds from the terminal opens it on the projector to run the experiment.
 */
export function controlLinkOf(serverUrl: string, swarmId: string, contentId: string, control: string): string {
  return `${serverUrl.replace(/\/+$/, '')}/#/watch/${swarmId}/${contentId}/${control}`;
}

/**
 * Reads a share link (`http://host:port/#/swarm/<swarmId>/<contentId>`); anything else is a
 * `HeadlessPeerError` saying what is wrong. The server is the link's origin.
 */
export function parseSwarmLink(typed: string): SwarmLink {
  // Pasted from a chat inside quotes, with a space or a line end around it: `new URL` took it so, and so does this.
  const text = typed.trim();
  // `localhost:8080/#/swarm/…` parses as a URL of scheme `localhost:`, and `192.168.1.10:8080/…` as none: say what
  // was meant instead (it said "not localhost://", which nobody typed; found by review).
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new HeadlessPeerError(`"${text}" is not a link: write it with its scheme, like http://${text}`, 2);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HeadlessPeerError(`"${text}" is not a link`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HeadlessPeerError(`a swarm link starts with http:// or https://, not ${url.protocol}//`, 2);
  if (!url.hash.startsWith(SWARM_FRAGMENT_PREFIX))
    throw new HeadlessPeerError('this link names no swarm: a share link ends in #/swarm/<swarm id>/<content id>', 2);
  const rest = url.hash.slice(SWARM_FRAGMENT_PREFIX.length);
  const settingsAt = rest.search(/[?&]/);
  // A peer's own links (`?up=1MB/s&leave=1`, before the `#` or after the path, as the web app reads them): this peer
  // has none to set, and joined uncapped and not selfish without a word, or called the link damaged (found by review).
  // Anything else there (a prepared run's settings, which the seeder's tab keeps in its address) is ignored, as a tab
  // ignores it.
  const params = [url.search.slice(1), settingsAt < 0 ? '' : rest.slice(settingsAt + 1)].flatMap((query) => [
    ...new URLSearchParams(query),
  ]);
  const settings = params
    .filter(([name]) => PEER_LINK_PARAMS.includes(name))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  if (settings !== '')
    throw new HeadlessPeerError(
      `this link gives a peer its own settings (${settings}), which the headless peer does not apply: remove them ` +
        "from the link, and set this peer's links from the swarm page once it has joined",
      2,
    );
  const [swarmId = '', contentId = ''] = (settingsAt < 0 ? rest : rest.slice(0, settingsAt)).split('/');
  if (!swarmIdSchema.safeParse(swarmId).success)
    throw new HeadlessPeerError('this swarm link is malformed: its swarm id is not one swarmlab makes', 2);
  if (!contentIdSchema.safeParse(contentId).success)
    throw new HeadlessPeerError('this swarm link is malformed: its content id is missing or damaged', 2);
  return { serverUrl: url.origin, swarmId, contentId };
}

/** A link when the text looks like one (it has a scheme or a `#/` fragment), else a join code. */
export function parseSwarmTarget(typed: string): SwarmTarget {
  const text = typed.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || text.includes('#/')) return { kind: 'link', link: parseSwarmLink(text) };
  const parsed = parseJoinCode(text);
  if (!parsed.ok) throw new HeadlessPeerError(`not a swarm link or a join code: ${parsed.message}`, 2);
  return { kind: 'code', code: parsed.code };
}
