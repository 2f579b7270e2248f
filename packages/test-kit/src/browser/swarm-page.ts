import type { Page } from '@playwright/test';
import type { SwarmMode } from '@swarmlab/protocol';
import type { SwarmTestHook, SwarmTestState } from '@swarmlab/web/test-hook-types';

export type { SwarmTestHook, SwarmTestState };

// page.evaluate callbacks must not declare named functions: tsx (esbuild's keepNames) wraps them in a
// `__name` helper that does not exist in the page ("ReferenceError: __name is not defined").

/** The tab's state through the web app's read-only test hook, `window.__swarm`. */
export function readPeerState(page: Page): Promise<SwarmTestState> {
  return page.evaluate(() => (window as unknown as { __swarm: SwarmTestHook }).__swarm.state());
}

/** The runs the page's browser keeps, as its JSON export. */
export function readRunsJson(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __swarm: SwarmTestHook }).__swarm.exportJson());
}

/**
 * Ends the waits the page's test switches added that are still going (`?test-resume-check-delay-ms`,
 * `?test-join-check-delay-ms`: their time is only a cap), saying how many it ended.
 */
export function releaseTestDelays(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __swarm: SwarmTestHook }).__swarm.releaseDelays());
}

/** On the start page: generates a test file of `sizeMib`, which makes the tab the seeder of a new swarm. */
export async function generateFile(page: Page, sizeMib: number): Promise<void> {
  await page.getByTestId('size-mib').fill(String(sizeMib));
  // A large file keeps the page busy from the click on (generating and hashing it), which may hold back the
  // click's own acknowledgement on a loaded machine.
  await page.getByTestId('generate').click({ timeout: 120_000 });
}

/** The run form's fields, as typed into them; a field left out is left as it is. */
export interface RunFormInput {
  readonly mode?: SwarmMode;
  /** Caps as the form takes them (`2MB/s`, `500kB/s`); an empty string: no cap. */
  readonly serverUp?: string;
  readonly peerUp?: string;
  readonly peerDown?: string;
  /** Leechers leave the run on completion. */
  readonly selfish?: boolean;
}

/** On an overview screen the run form is tucked away in a drawer: opens it (a peer's page has none). */
export async function openRunDrawer(page: Page): Promise<void> {
  const drawer = page.getByTestId('run-drawer');
  if ((await drawer.count()) === 0) return;
  if (!(await drawer.evaluate((element) => (element as HTMLDetailsElement).open))) {
    await drawer.locator('summary').click();
  }
}

/**
 * Fills the fields of the run form that `form` gives and presses "Start the run" for the whole swarm.
 * Resolves to the number of the swarm's latest run before the press (0 for none): the new run's is higher.
 */
export async function pressStartRun(page: Page, form: RunFormInput = {}, beforeClick?: () => void): Promise<number> {
  await openRunDrawer(page);
  if (form.mode) await page.getByTestId(`mode-${form.mode}`).check();
  if (form.serverUp !== undefined) await page.getByTestId('cap-server-up').fill(form.serverUp);
  if (form.peerUp !== undefined) await page.getByTestId('cap-peer-up').fill(form.peerUp);
  if (form.peerDown !== undefined) await page.getByTestId('cap-peer-down').fill(form.peerDown);
  if (form.selfish !== undefined) await page.getByTestId('selfish').setChecked(form.selfish);
  const before = (await readPeerState(page)).run?.runNumber ?? 0;
  beforeClick?.();
  await page.getByTestId('start-run').click();
  return before;
}
