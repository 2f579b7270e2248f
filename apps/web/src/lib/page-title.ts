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
      /** The watch failed: the swarm ended, or the server is lost for good (a background tab read "Overview"). */
      readonly failed: boolean;
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
      const what = page.failed ? 'Overview ended' : 'Overview';
      return `${page.fileName === undefined ? (page.failed ? what : 'Swarm overview') : `${what}: ${page.fileName}`} — ${APP_NAME}`;
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
