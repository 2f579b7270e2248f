import { contentIdSchema, swarmIdSchema } from '@swarmlab/protocol';

/** Where the URL's hash points: the start page, a swarm, or a swarm link that cannot be one. */
export type Route =
  | { readonly view: 'start' }
  | { readonly view: 'swarm'; readonly swarmId: string; readonly contentId: string }
  | { readonly view: 'bad-link'; readonly reason: string };

const SWARM_PREFIX = '#/swarm/';

/** Parses `#/swarm/<swarmId>/<contentId>`; anything else under `#/swarm/` is a bad link. */
export function parseRoute(hash: string): Route {
  if (!hash.startsWith(SWARM_PREFIX)) return { view: 'start' };
  const [swarmId = '', contentId = ''] = hash.slice(SWARM_PREFIX.length).split('/');
  if (!swarmIdSchema.safeParse(swarmId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its swarm id is not one swarmlab makes.' };
  if (!contentIdSchema.safeParse(contentId).success)
    return { view: 'bad-link', reason: 'This swarm link is malformed: its content id is missing or damaged.' };
  return { view: 'swarm', swarmId, contentId };
}

export function swarmHash(swarmId: string, contentId: string): string {
  return `${SWARM_PREFIX}${swarmId}/${contentId}`;
}

/** The link to share: this page's origin plus the swarm's hash. */
export function shareLink(origin: string, swarmId: string, contentId: string): string {
  return `${origin}/${swarmHash(swarmId, contentId)}`;
}
