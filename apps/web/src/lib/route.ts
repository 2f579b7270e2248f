import { contentIdSchema, swarmIdSchema } from '@swarmlab/protocol';

/**
 * Where the URL's hash points: the start page, a swarm as a peer, a swarm's overview screen (a
 * projector: follows the swarm without being a peer), or a swarm link that cannot be one.
 */
export type Route =
  | { readonly view: 'start' }
  | { readonly view: 'swarm'; readonly swarmId: string; readonly contentId: string }
  | { readonly view: 'watch'; readonly swarmId: string; readonly contentId: string }
  | { readonly view: 'bad-link'; readonly reason: string };

const SWARM_PREFIX = '#/swarm/';
const WATCH_PREFIX = '#/watch/';

/** Parses `#/swarm/<swarmId>/<contentId>` and `#/watch/<swarmId>/<contentId>`; anything else under them is a bad link. */
export function parseRoute(hash: string): Route {
  const view = hash.startsWith(SWARM_PREFIX) ? 'swarm' : hash.startsWith(WATCH_PREFIX) ? 'watch' : undefined;
  if (!view) return { view: 'start' };
  const [swarmId = '', contentId = ''] = hash.slice(SWARM_PREFIX.length).split('/');
  if (!swarmIdSchema.safeParse(swarmId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its swarm id is not one swarmlab makes.' };
  if (!contentIdSchema.safeParse(contentId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its content id is missing or damaged.' };
  return { view, swarmId, contentId };
}

export function swarmHash(swarmId: string, contentId: string): string {
  return `${SWARM_PREFIX}${swarmId}/${contentId}`;
}

/** The link to share: this page's origin plus the swarm's hash. */
export function shareLink(origin: string, swarmId: string, contentId: string): string {
  return `${origin}/${swarmHash(swarmId, contentId)}`;
}

/** The overview screen's link (for a projector). */
export function watchLink(origin: string, swarmId: string, contentId: string): string {
  return `${origin}/${WATCH_PREFIX}${swarmId}/${contentId}`;
}
