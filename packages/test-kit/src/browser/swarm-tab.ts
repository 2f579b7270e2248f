import type { Page } from '@playwright/test';
import type { HiddenCapableTab } from './background-window';
import {
  generateFile,
  pressStartRun,
  readPeerState,
  readRunsJson,
  type RunFormInput,
  type SwarmTestState,
} from './swarm-page';

/**
 * One tab of a swarm as a test or benchmark drives it through the web app's UI, whether the browser is
 * Playwright's (pages always visible) or one of our own whose tabs can be hidden (`BackgroundWindow`).
 */
export interface SwarmTab {
  /** The Playwright page, where there is one (for what only Playwright does, e.g. CPU profiles). */
  readonly page: Page | undefined;
  readState(): Promise<SwarmTestState>;
  readRunsJson(): Promise<string>;
  /** On the start page: generates a test file of `sizeMib`, which makes this tab a seeder. */
  generateFile(sizeMib: number): Promise<void>;
  /** The share link a seeder shows, or `''` before it has one. */
  shareLink(): Promise<string>;
  /**
   * Fills the run form's given fields and presses "Start the run" (calling `beforeClick` just before: a
   * benchmark's measurement starts there, not before the form is filled); resolves to the latest run number before.
   */
  pressStartRun(form: RunFormInput, beforeClick?: () => void): Promise<number>;
  /** The run form's refusal, if it shows one. */
  runError(): Promise<string | undefined>;
  visibilityState(): Promise<string>;
}

/** A Playwright page as a `SwarmTab`. */
export function playwrightSwarmTab(page: Page): SwarmTab {
  return {
    page,
    readState: () => readPeerState(page),
    readRunsJson: () => readRunsJson(page),
    generateFile: (sizeMib) => generateFile(page, sizeMib),
    shareLink: () =>
      page
        .getByTestId('share-link')
        .inputValue({ timeout: 1000 })
        .catch(() => ''),
    pressStartRun: (form, beforeClick) => pressStartRun(page, form, beforeClick),
    async runError() {
      const refused = page.getByTestId('run-error');
      return (await refused.isVisible()) ? refused.innerText() : undefined;
    },
    visibilityState: () => page.evaluate('document.visibilityState'),
  };
}

/** `document.querySelector` of a test id, as page-side JavaScript. */
function byTestId(testId: string): string {
  return `document.querySelector(${JSON.stringify(`[data-testid="${testId}"]`)})`;
}

/** Page-side JavaScript that sets a form field as typing would (Svelte's `bind:value` listens to `input`). */
function fillExpression(testId: string, value: string): string {
  return `(() => {
    const field = ${byTestId(testId)};
    if (!field) throw new Error('no field ${testId}');
    field.value = ${JSON.stringify(value)};
    field.dispatchEvent(new Event('input', { bubbles: true }));
  })()`;
}

/** Page-side JavaScript that makes a checkbox or radio button `checked` by clicking it, as a user would. */
function checkExpression(testId: string, checked: boolean): string {
  return `(() => {
    const box = ${byTestId(testId)};
    if (!box) throw new Error('no checkbox ${testId}');
    if (box.checked !== ${checked}) box.click();
  })()`;
}

function clickExpression(testId: string): string {
  return `(() => {
    const button = ${byTestId(testId)};
    if (!button) throw new Error('no button ${testId}');
    button.click();
  })()`;
}

/**
 * Waits for the page to show `testId` enabled (it may still be loading, or a button may wait for the
 * page's state), as Playwright's actions wait for an element to be actionable.
 */
async function waitForEnabled(tab: HiddenCapableTab, testId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const enabled = `(() => { const element = ${byTestId(testId)}; return !!element && !element.disabled; })()`;
  while (!(await tab.evaluate<boolean>(enabled).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`the page showed no enabled ${testId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A tab of a `BackgroundWindow` as a `SwarmTab`: the same UI steps as `playwrightSwarmTab`, done by
 * page-side JavaScript over the DevTools protocol (clicks, and `input` events as typing sends them).
 */
export function cdpSwarmTab(tab: HiddenCapableTab): SwarmTab {
  return {
    page: undefined,
    readState: () => tab.evaluate<SwarmTestState>('window.__swarm.state()'),
    readRunsJson: () => tab.evaluate<string>('window.__swarm.exportJson()'),
    async generateFile(sizeMib) {
      await waitForEnabled(tab, 'generate');
      await tab.evaluate(fillExpression('size-mib', String(sizeMib)));
      await tab.evaluate(clickExpression('generate'));
    },
    shareLink: () => tab.evaluate<string>(`${byTestId('share-link')}?.value ?? ''`),
    async pressStartRun(form, beforeClick) {
      await waitForEnabled(tab, 'start-run');
      if (form.mode) await tab.evaluate(checkExpression(`mode-${form.mode}`, true));
      if (form.serverUp !== undefined) await tab.evaluate(fillExpression('cap-server-up', form.serverUp));
      if (form.peerUp !== undefined) await tab.evaluate(fillExpression('cap-peer-up', form.peerUp));
      if (form.peerDown !== undefined) await tab.evaluate(fillExpression('cap-peer-down', form.peerDown));
      if (form.selfish !== undefined) await tab.evaluate(checkExpression('selfish', form.selfish));
      const before = (await tab.evaluate<SwarmTestState>('window.__swarm.state()')).run?.runNumber ?? 0;
      beforeClick?.();
      await tab.evaluate(clickExpression('start-run'));
      return before;
    },
    runError: () => tab.evaluate<string | undefined>(`${byTestId('run-error')}?.textContent ?? undefined`),
    visibilityState: () => tab.visibilityState(),
  };
}
