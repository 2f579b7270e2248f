import type { PeerRole } from '@swarmlab/protocol';

/** What a tab's title says of the page in it: the view, and for a swarm's page the file and this tab's part. */
export type TitledPage =
  | { readonly view: 'start' | 'bad-link' }
  | {
      readonly view: 'swarm';
      readonly role: PeerRole | undefined;
      readonly fileName: string | undefined;
      /** This tab holds the whole file (a leecher that completed). */
      readonly complete: boolean;
      readonly failed: boolean;
    }
  | {
      readonly view: 'watch';
      readonly fileName: string | undefined;
      /** The watch failed (a background tab read "Overview" as if it still watched): `ended`, the swarm ended. */
      readonly failed: boolean;
      readonly ended: boolean;
    };

const APP_NAME = 'swarmlab';

/**
 * The tab's title. A swarm is a row of tabs, most of them in the background: the title is what tells them apart
 * there (which one seeds, which are done), so it changes with the tab's part, never with its figures.
 */
export function pageTitle(page: TitledPage): string {
  switch (page.view) {
    case 'start':
      return `Start a swarm — ${APP_NAME}`;
    case 'bad-link':
      return `This link cannot be opened — ${APP_NAME}`;
    case 'watch': {
      const what = page.ended ? 'Overview ended' : page.failed ? 'Overview failed' : undefined;
      const named = page.fileName === undefined ? undefined : `${what ?? 'Overview'}: ${page.fileName}`;
      return `${named ?? what ?? 'Swarm overview'} — ${APP_NAME}`;
    }
    case 'swarm': {
      const doing = page.failed
        ? 'Failed'
        : page.role === 'seeder'
          ? 'Seeding'
          : page.complete
            ? 'Downloaded'
            : 'Downloading';
      return `${page.fileName === undefined ? doing : `${doing}: ${page.fileName}`} — ${APP_NAME}`;
    }
  }
}
