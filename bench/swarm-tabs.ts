import type { Browser, BrowserContext } from '@playwright/test';
import type { SwarmMode } from '@swarmlab/protocol';
import {
  cdpSwarmTab,
  newPeerContext,
  playwrightSwarmTab,
  type BackgroundWindow,
  type SwarmTab,
  type SwarmTestState,
} from '@swarmlab/test-kit/browser';
import type { RunRecord } from '@swarmlab/web/run-record';
import { BenchFailure, pollUntil } from './failure';

const MIB = 1024 * 1024;
/** How often a tab's state is read while waiting. The page refreshes it every 250 ms. */
const POLL_MS = 100;

/** The run form's fields, as typed into them (`capText`); empty: no cap. */
export interface RunForm {
  readonly mode: SwarmMode;
  readonly serverUp: string;
  readonly peerUp: string;
  readonly peerDown: string;
}

/** One tab's state in a line or a few, for the message of a failed or aborted run. */
function describeState(name: string, state: SwarmTestState): string {
  const head =
    `${name}: phase ${state.phase}${state.error ? ` (${state.error})` : ''}, run ${state.runNumber ?? '—'}, ` +
    `${state.chunksHeld}/${state.chunkCount} chunks${state.complete ? ' complete' : ''}, ` +
    `${state.connectedPeers} peer(s), ↓ ${(state.downloadedBytes / 1e6).toFixed(1)} MB, ` +
    `↑ ${(state.uploadedBytes / 1e6).toFixed(1)} MB`;
  return [head, ...state.peers.map((line) => `    ${line}`)].join('\n');
}

/** How long a tab's state is waited for in a failure's message: a hung page must not hold up the message. */
const DESCRIBE_WAIT_MS = 5000;

/** Every tab's state in a few lines, for the message of a failure; a tab that does not answer within 5 s says so. */
async function describeTabs(named: ReadonlyArray<readonly [string, SwarmTab]>): Promise<string> {
  const lines = await Promise.all(
    named.map(([name, tab]) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        tab.readState().then(
          (state) => describeState(name, state),
          (error: unknown) => `${name}: unreadable (${String(error)})`,
        ),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve(`${name}: no answer within ${DESCRIBE_WAIT_MS / 1000} s`), DESCRIBE_WAIT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
    }),
  );
  return lines.join('\n');
}

function failIfFailed(name: string, state: SwarmTestState): void {
  if (state.phase === 'failed') throw new BenchFailure(`${name} failed: ${state.error ?? 'no message'}`);
}

/** Opens a tab of the swarm on `url` (absolute); `role` says which. */
export type OpenSwarmTab = (name: string, url: string, role: 'seeder' | 'leecher') => Promise<SwarmTab>;

/** Tabs as Playwright pages, each in a browser context of its own (always visible). */
export function playwrightTabs(browser: Browser, baseURL: string, log: (line: string) => void): OpenSwarmTab {
  return async (name, url) => {
    const page = await (await newPeerContext(browser, baseURL)).newPage();
    page.on('pageerror', (error) => log(`[${name} page error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`[${name} console] ${message.text()}`);
    });
    await page.goto(url);
    return playwrightSwarmTab(page);
  };
}

/**
 * Tabs of one browser profile on disk (`chromium.launchPersistentContext`), as a user's tabs are: their
 * IndexedDB lives on disk. A Playwright context of its own per tab is off the record, and Chromium keeps
 * an off-the-record profile's IndexedDB in the browser process's memory, which no user's tab does.
 */
export function profileTabs(context: BrowserContext, log: (line: string) => void): OpenSwarmTab {
  return async (name, url) => {
    const page = await context.newPage();
    page.on('pageerror', (error) => log(`[${name} page error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`[${name} console] ${message.text()}`);
    });
    await page.goto(url);
    return playwrightSwarmTab(page);
  };
}

/**
 * Tabs of one real window (`BackgroundWindow`): the seeder in front, every leecher behind it, hidden, as
 * in a user's window. Each leecher is checked to be hidden, so the figures cannot come from visible pages.
 */
export function backgroundWindowTabs(window: BackgroundWindow): OpenSwarmTab {
  return async (name, url, role) => {
    const tab = cdpSwarmTab(await window.openTab(url, { background: role === 'leecher' }));
    const visibility = await tab.visibilityState();
    if (role === 'leecher' && visibility !== 'hidden')
      throw new BenchFailure(`${name} is ${visibility}, not hidden: the window did not keep it in the background`);
    return tab;
  };
}

/** What `SwarmTabs.open` opens, and how long it waits for each step. */
export interface SwarmTabsOptions {
  readonly openTab: OpenSwarmTab;
  readonly baseURL: string;
  readonly peers: number;
  readonly fileBytes: number;
  readonly timeoutMs: number;
}

/**
 * One seeder tab and N leecher tabs in one swarm, driven through the real UI: the seeder generates the
 * file and starts runs from its run form.
 */
export class SwarmTabs {
  readonly seeder: SwarmTab;
  readonly leechers: readonly SwarmTab[];
  /** The seeder's whole-file SHA-256, which every leecher must end each run with. */
  readonly seederSha256: string;
  readonly swarmId: string;

  private constructor(seeder: SwarmTab, leechers: readonly SwarmTab[], seederSha256: string, swarmId: string) {
    this.seeder = seeder;
    this.leechers = leechers;
    this.seederSha256 = seederSha256;
    this.swarmId = swarmId;
  }

  /** Every tab with its name: `seeder`, `leecher 1` … */
  get named(): ReadonlyArray<readonly [string, SwarmTab]> {
    return [['seeder', this.seeder], ...this.leechers.map((tab, i): [string, SwarmTab] => [`leecher ${i + 1}`, tab])];
  }

  /**
   * Opens the seeder on `baseURL`, generates a `fileBytes` file, opens `peers` leechers on its link and
   * waits until every tab is connected to every other (no run started yet).
   * @throws BenchFailure naming what failed, with the state of every tab opened by then: a leecher that never
   * connected said only that, not which tabs it reached nor where the others were (found by review).
   */
  static async open(options: SwarmTabsOptions): Promise<SwarmTabs> {
    // In the order they were asked for (the seeder, leecher 1 …), whatever order they opened in.
    const asked: string[] = [];
    const opened = new Map<string, SwarmTab>();
    const openTab: OpenSwarmTab = async (name, url, role) => {
      asked.push(name);
      const tab = await options.openTab(name, url, role);
      opened.set(name, tab);
      return tab;
    };
    try {
      return await SwarmTabs.openEach({ ...options, openTab });
    } catch (error) {
      const named = asked.flatMap((name) => {
        const tab = opened.get(name);
        return tab ? [[name, tab] as const] : [];
      });
      const states = named.length > 0 ? await describeTabs(named) : 'none';
      const reason =
        error instanceof BenchFailure
          ? error.message
          : `setting up the swarm failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new BenchFailure(`${reason}\ntabs opened so far:\n${states}`, { cause: error });
    }
  }

  /** `open`'s steps, its failures without the tabs' states. */
  private static async openEach(options: SwarmTabsOptions): Promise<SwarmTabs> {
    const { openTab, baseURL, timeoutMs } = options;
    const seeder = await openTab('seeder', new URL('/', baseURL).href, 'seeder');
    await seeder.generateFile(options.fileBytes / MIB);
    const link = await pollUntil(
      async () => {
        const value = await seeder.shareLink();
        if (!value) failIfFailed('seeder', await seeder.readState());
        return /#\/swarm\//.test(value) ? value : undefined;
      },
      { intervalMs: POLL_MS, timeoutMs, message: () => 'the seeder showed no share link' },
    );
    const seeded = await pollUntil(
      async () => {
        const state = await seeder.readState();
        failIfFailed('seeder', state);
        return state.fileSha256 && state.swarmId ? { sha256: state.fileSha256, swarmId: state.swarmId } : undefined;
      },
      { intervalMs: POLL_MS, timeoutMs, message: () => 'the seeder did not finish hashing its file' },
    );
    const leechers = await Promise.all(
      Array.from({ length: options.peers }, (_, i) =>
        openTab(`leecher ${i + 1}`, new URL(link, baseURL).href, 'leecher'),
      ),
    );
    const tabs = new SwarmTabs(seeder, leechers, seeded.sha256, seeded.swarmId);
    for (const [name, tab] of tabs.named)
      await pollUntil(
        async () => {
          const state = await tab.readState().catch(() => undefined);
          if (state) failIfFailed(name, state);
          return state?.connectedPeers === options.peers ? true : undefined;
        },
        {
          intervalMs: POLL_MS,
          timeoutMs,
          message: () => `${name} did not connect to all ${options.peers} other tabs within ${timeoutMs / 1000} s`,
        },
      );
    return tabs;
  }

  /**
   * Fills the seeder's run form, clicks "Start the run" (calling `beforeClick` just before) and resolves to the
   * new run's number.
   */
  async startRun(form: RunForm, beforeClick?: () => void): Promise<number> {
    const seeder = this.seeder;
    const before = await seeder.pressStartRun({ ...form, selfish: false }, beforeClick);
    return pollUntil(
      async () => {
        const refused = await seeder.runError();
        if (refused) throw new BenchFailure(`the run form refused: ${refused}`);
        const runNumber = (await seeder.readState()).run?.runNumber ?? 0;
        return runNumber > before ? runNumber : undefined;
      },
      { intervalMs: POLL_MS, timeoutMs: 30_000, message: () => 'the run did not start within 30 s' },
    );
  }

  /** Waits until the server reports run `runNumber` finished; `onPoll` runs between reads. */
  async waitForRun(runNumber: number, timeoutMs: number, onPoll?: () => Promise<void>): Promise<void> {
    await pollUntil(
      async () => {
        await onPoll?.();
        const run = (await this.seeder.readState()).run;
        if (run?.runNumber !== runNumber)
          throw new BenchFailure(`run ${runNumber} was replaced by run ${run?.runNumber}`);
        if (run.phase === 'stopped') throw new BenchFailure(`run ${runNumber} was stopped`);
        return run.phase === 'finished' ? true : undefined;
      },
      {
        intervalMs: POLL_MS,
        timeoutMs,
        message: () => `run ${runNumber} took more than ${timeoutMs / 1000} s (--run-timeout-sec sets the limit)`,
      },
    );
  }

  /** Waits for every leecher's whole-file hash of run `runNumber`; throws unless all equal the seeder's. */
  async verifyFiles(runNumber: number, timeoutMs: number): Promise<void> {
    const hashes = await Promise.all(
      this.named.slice(1).map(([name, tab]) =>
        pollUntil(
          async () => {
            const state = await tab.readState();
            failIfFailed(name, state);
            if (state.runNumber === runNumber && state.fileSha256Error !== undefined)
              throw new BenchFailure(`${name} could not hash its file of run ${runNumber}: ${state.fileSha256Error}`);
            return state.runNumber === runNumber ? state.fileSha256 : undefined;
          },
          {
            intervalMs: POLL_MS,
            timeoutMs,
            message: async () => {
              const state = await tab.readState().catch(() => undefined);
              const where = state
                ? ` (${state.phase}, ${state.chunksHeld}/${state.chunkCount} chunks, hashed ${Math.round(state.hashedFraction * 100)} %)`
                : '';
              return `${name} did not hash its file of run ${runNumber}${where}`;
            },
          },
        ),
      ),
    );
    const wrong = hashes.flatMap((hash, i) => (hash === this.seederSha256 ? [] : [`  leecher ${i + 1}: ${hash}`]));
    if (wrong.length > 0)
      throw new BenchFailure(`SHA-256 mismatch in run ${runNumber}: seeder ${this.seederSha256}\n${wrong.join('\n')}`);
  }

  /** The seeder's browser's record of run `runNumber` (what its JSON export holds). */
  async record(runNumber: number): Promise<RunRecord> {
    const id = `${this.swarmId}#${runNumber}`;
    return pollUntil(
      async () => (JSON.parse(await this.seeder.readRunsJson()) as RunRecord[]).find((record) => record.id === id),
      {
        intervalMs: POLL_MS,
        timeoutMs: 10_000,
        message: () => `the seeder's browser kept no record of run ${runNumber}`,
      },
    );
  }

  /** Every tab's state, for the message of a failed run; a tab that does not answer within 5 s says so. */
  describe(): Promise<string> {
    return describeTabs(this.named);
  }
}
