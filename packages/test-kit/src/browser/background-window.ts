import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import WebSocket from 'ws';
import { spawnDyingWithParent } from '../server/dying-with-parent';
import { TabReports } from './tab-reports';
import { claimDisplay } from './x-display';

/**
 * What kills each window still open: its process groups (Xvfb's, and Chromium's with every Chromium process) and
 * its profile. The groups are detached, so a Ctrl-C in the terminal does not reach them, and Playwright's own
 * handlers only close the browsers Playwright launched: without these, an interrupted benchmark or a failed launch
 * left a headed Chromium and Xvfb running, and skewing every later figure on the machine. A process killed outright
 * (SIGKILL: a Playwright worker thrown away, a CI timeout) runs none of them: Xvfb and Chromium also die with it
 * (`spawnDyingWithParent`).
 */
const openWindows = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

const killOpenWindows = (): void => {
  for (const kill of [...openWindows]) kill();
};

const onSignal = (signal: (typeof SIGNALS)[number]): void => {
  killOpenWindows();
  // Someone else's handler (Playwright's, a benchmark's) decides how the process ends; alone, this one ends it
  // as the signal would have.
  if (process.listenerCount(signal) === 1) process.exit(SIGNAL_EXIT_CODES[signal]);
};

/** Keeps `kill` until the window is closed: on the process's exit or a terminating signal, it is called. */
function trackWindow(kill: () => void): () => void {
  if (openWindows.size === 0) {
    process.on('exit', killOpenWindows);
    // A worker thread receives no signal; its process's main thread does.
    if (isMainThread) for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  openWindows.add(kill);
  return () => {
    openWindows.delete(kill);
    if (openWindows.size > 0) return;
    process.off('exit', killOpenWindows);
    if (isMainThread) for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}

/** What a window holds: its processes (Xvfb first), its profile and the lock of its X display. */
interface WindowResources {
  readonly display: number;
  readonly processes: ChildProcess[];
  readonly profileDir: string;
  readonly displayLock: string;
}

/**
 * Ends the window's process groups, and removes its profile and its display's lock. Xvfb gets SIGTERM, on which it
 * removes its socket (`/tmp/.X11-unix/X<n>`), the browser SIGKILL. Synchronous: it runs on `exit` too.
 */
function killWindow({ processes, profileDir, displayLock }: WindowResources): void {
  for (const [index, { pid }] of processes.entries()) {
    try {
      if (pid !== undefined) process.kill(-pid, index === 0 ? 'SIGTERM' : 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(profileDir, { recursive: true, force: true });
  rmSync(displayLock, { force: true });
}

/** How long a closing window waits for Xvfb to end on SIGTERM (it takes milliseconds). */
const XVFB_EXIT_WAIT_MS = 2000;

/** The X display Xvfb chose, read from the descriptor it writes it to once it is ready (`-displayfd 3`). */
function displayOf(xvfb: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(
      () => reject(new Error(`Xvfb did not start within ${timeoutMs} ms:\n${errors.slice(-2000)}`)),
      timeoutMs,
    );
    xvfb.stderr?.on('data', (data: Buffer) => (errors += data.toString()));
    xvfb.stdio[3]?.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /^(\d+)\n/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    xvfb.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start Xvfb (apt-get install xvfb): ${error.message}`));
    });
    xvfb.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code} before it was ready:\n${errors.slice(-2000)}`));
    });
  });
}

/**
 * A real browser window whose tabs behind the front one are hidden, as a user's are.
 *
 * Playwright keeps every page visible (its launch flags turn background throttling off, and its focus
 * emulation applies to every page it attaches to, even over `connectOverCDP`), so a test of background
 * tabs cannot go through it. This starts Chromium itself, headed on an Xvfb display, with none of those
 * flags, opens tabs with the DevTools protocol (`Target.createTarget {background: true}`) and drives them
 * over that protocol's raw websocket: evaluate an expression, read the result. See docs/TESTING.md.
 */
export class BackgroundWindow {
  readonly #resources: WindowResources;
  readonly #cdp: CdpConnection;
  readonly #untrack: () => void;
  readonly #tabs: HiddenCapableTab[] = [];
  readonly #reports: TabReports;

  private constructor(resources: WindowResources, cdp: CdpConnection, untrack: () => void) {
    this.#resources = resources;
    this.#cdp = cdp;
    this.#untrack = untrack;
    this.#reports = new TabReports(cdp);
  }

  /**
   * Every uncaught exception and unhandled rejection in the window's tabs so far (Playwright's `pageerror`
   * does not reach these tabs): a test checks there are none.
   */
  get pageErrors(): readonly string[] {
    return this.#reports.pageErrors;
  }

  /**
   * Every warning of the app's (`swarmlab: …`) in the window's tabs so far (Playwright's `console` does not reach
   * these tabs): a test checks there are none but those it caused, as of its Playwright pages (`pageWarnings`).
   */
  get appWarnings(): readonly string[] {
    return this.#reports.appWarnings;
  }

  /** The X display the window is on (`:<display>`). */
  get display(): number {
    return this.#resources.display;
  }

  /** The process ids of Xvfb and of the browser (a test of what outlives whom). */
  get processIds(): readonly number[] {
    return this.#resources.processes.flatMap(({ pid }) => (pid === undefined ? [] : [pid]));
  }

  /** The browser's profile, removed as the window closes (a test whose starter is killed outright removes it). */
  get profileDir(): string {
    return this.#resources.profileDir;
  }

  /**
   * Starts Xvfb on a free display, and Chromium (`executablePath`) headed on it with `args` plus a
   * remote-debugging port, and connects to it. Fails with the browser's last output when it does not come up in
   * `timeoutMs`, having killed what it started. Until the window is closed, the process's exit or a SIGINT, SIGTERM
   * or SIGHUP kills it; both die with the process (the thread) that started them, however it ends.
   */
  static async launch(options: {
    readonly executablePath: string;
    readonly args: readonly string[];
    readonly timeoutMs?: number;
    readonly log?: (line: string) => void;
  }): Promise<BackgroundWindow> {
    const profileDir = mkdtempSync(join(tmpdir(), 'swarmlab-window-'));
    const timeoutMs = options.timeoutMs ?? 30_000;
    // Each in a process group of its own, so closing kills every process of each; neither under `xvfb-run`, a shell
    // script: the parent-death signal would kill the shell alone, and its EXIT trap does not run on SIGKILL (found
    // by review: a Playwright worker killed outright left Xvfb and a headed Chromium running).
    const { display, lockFile } = claimDisplay();
    const resources: WindowResources = { display, processes: [], profileDir, displayLock: lockFile };
    const kill = (): void => killWindow(resources);
    const untrack = trackWindow(kill);
    try {
      // The display claimed, and told once it is ready (`-displayfd`). TERM on its starter's death: it removes its
      // socket then, where SIGKILL left it behind.
      const xvfb = spawnDyingWithParent(
        'Xvfb',
        [`:${display}`, '-displayfd', '3', '-screen', '0', '1920x1080x24', '-nolisten', 'tcp'],
        { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true },
        'TERM',
      );
      resources.processes.push(xvfb);
      await displayOf(xvfb, timeoutMs);
      const browser = spawnDyingWithParent(
        options.executablePath,
        [
          ...options.args,
          '--remote-debugging-port=0',
          `--user-data-dir=${profileDir}`,
          '--window-size=1280,900',
          'about:blank',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env: { ...process.env, DISPLAY: `:${display}` } },
        'KILL',
      );
      resources.processes.push(browser);
      const cdp = await BackgroundWindow.#connect(browser, { ...options, timeoutMs });
      return new BackgroundWindow(resources, cdp, untrack);
    } catch (error) {
      kill();
      untrack();
      throw error;
    }
  }

  /** Waits for the browser's DevTools endpoint, and opens it. */
  static async #connect(
    child: ChildProcess,
    options: { readonly executablePath: string; readonly timeoutMs: number; readonly log?: (line: string) => void },
  ): Promise<CdpConnection> {
    const { timeoutMs } = options;
    let output = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Chromium on Xvfb did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`)),
        timeoutMs,
      );
      child.stderr?.on('data', (data: Buffer) => {
        output += data.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start Chromium at ${options.executablePath}: ${error.message}`));
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited with ${code} before it listened:\n${output.slice(-2000)}`));
      });
    });
    child.stderr?.on('data', (data: Buffer) => options.log?.(data.toString().trimEnd()));
    return CdpConnection.open(endpoint);
  }

  /**
   * Grants every page the camera and microphone permissions, as a Playwright peer context has them
   * (`PEER_PERMISSIONS`). In a loopback-only network namespace there is no default route, and a page
   * without them gathers no ICE candidate on loopback unless it is a secure context: a plain-http LAN
   * origin needs this to connect at all here (on a real LAN it uses the interface of the default route).
   * For all origins: Chromium refuses to grant them to one that is not secure.
   */
  async grantPeerPermissions(): Promise<void> {
    await this.#cdp.send('Browser.grantPermissions', { permissions: ['videoCapture', 'audioCapture'] });
  }

  /**
   * Opens `url` in a new tab of the window: in front, or (`background: true`) behind the front tab,
   * where the page is hidden from the start.
   */
  async openTab(url: string, options: { readonly background: boolean }): Promise<HiddenCapableTab> {
    const { targetId } = await this.#cdp.send<{ targetId: string }>('Target.createTarget', {
      url,
      background: options.background,
    });
    const { sessionId } = await this.#cdp.send<{ sessionId: string }>('Target.attachToTarget', {
      targetId,
      flatten: true,
    });
    // Its exceptions and console calls are reported from now on (`pageErrors`, `appWarnings`).
    await this.#cdp.send('Runtime.enable', {}, sessionId);
    const tab = new HiddenCapableTab(this.#cdp, targetId, sessionId);
    this.#tabs.push(tab);
    return tab;
  }

  /** Closes the browser and Xvfb and removes the profile. */
  async close(): Promise<void> {
    if (this.#cdp.open) await this.#cdp.send('Browser.close').catch(() => undefined);
    this.#cdp.close();
    const [xvfb] = this.#resources.processes;
    const xvfbExited =
      xvfb && xvfb.exitCode === null && xvfb.signalCode === null
        ? new Promise((resolve) => xvfb.once('exit', resolve))
        : Promise.resolve();
    killWindow(this.#resources);
    this.#untrack();
    // Gone, its socket removed, by the time the window is closed; one that ignores SIGTERM is killed.
    const timer = setTimeout(() => xvfb?.kill('SIGKILL'), XVFB_EXIT_WAIT_MS);
    await xvfbExited;
    clearTimeout(timer);
  }
}

/** One tab of a `BackgroundWindow`, driven by evaluating expressions in its page. */
export class HiddenCapableTab {
  readonly #cdp: CdpConnection;
  readonly targetId: string;
  readonly #sessionId: string;

  constructor(cdp: CdpConnection, targetId: string, sessionId: string) {
    this.#cdp = cdp;
    this.targetId = targetId;
    this.#sessionId = sessionId;
  }

  /**
   * Evaluates `expression` in the page (awaiting a promise it returns) and resolves to its value, which
   * must be JSON-serialisable. A thrown exception rejects with its description.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.#cdp.send<{
      result: { value?: unknown };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, this.#sessionId);
    if (reply.exceptionDetails)
      throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    return reply.result.value as T;
  }

  /** `document.visibilityState`: `'hidden'` for a tab behind the front one. */
  visibilityState(): Promise<string> {
    return this.evaluate<string>('document.visibilityState');
  }

  /** Brings the tab to the front of its window (the tab in front before goes hidden). */
  async bringToFront(): Promise<void> {
    await this.#cdp.send('Target.activateTarget', { targetId: this.targetId });
  }

  async close(): Promise<void> {
    await this.#cdp.send('Target.closeTarget', { targetId: this.targetId }).catch(() => undefined);
  }
}

/** Longest the DevTools websocket's opening handshake may take: a local browser's takes milliseconds. */
export const CDP_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Longest a DevTools command may wait for its answer (an evaluation awaits the page's promise). */
export const CDP_COMMAND_TIMEOUT_MS = 60_000;

/** A DevTools protocol connection: numbered commands, each resolved by the reply with its id. */
export class CdpConnection {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #eventListeners: ((method: string, params: unknown, sessionId: string | undefined) => void)[] = [];
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
        method?: string;
        params?: unknown;
        sessionId?: string;
      };
      if (message.id === undefined) {
        const { method } = message;
        if (method !== undefined)
          for (const listener of this.#eventListeners) listener(method, message.params, message.sessionId);
        return;
      }
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(message.error.message));
      else pending.resolve(message.result);
    });
    socket.on('close', () => {
      for (const pending of this.#pending.values()) pending.reject(new Error('the browser closed the connection'));
      this.#pending.clear();
    });
  }

  /**
   * Connects to a DevTools endpoint; rejects when its opening handshake has not completed within
   * `handshakeTimeoutMs` (a browser that took the connection and never answered held a window's launch for ever).
   */
  static open(endpoint: string, handshakeTimeoutMs = CDP_HANDSHAKE_TIMEOUT_MS): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(endpoint, {
        perMessageDeflate: false,
        maxPayload: 256 * 1024 * 1024,
        handshakeTimeout: handshakeTimeoutMs,
      });
      socket.once('open', () => resolve(new CdpConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Calls `listener` with every event the browser sends (a message without an id). */
  onEvent(listener: (method: string, params: unknown, sessionId: string | undefined) => void): void {
    this.#eventListeners.push(listener);
  }

  /** Whether commands can still be sent (the browser has not closed the connection, nor crashed). */
  get open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /**
   * Sends a command and resolves to its result. Rejects at once when the connection is closed (a crashed
   * browser: ws drops a message sent then without a word, and the command waited for ever), and after
   * `CDP_COMMAND_TIMEOUT_MS` without an answer.
   */
  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    if (!this.open) return Promise.reject(new Error(`the browser closed the connection (${method} not sent)`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`the browser did not answer ${method} within ${CDP_COMMAND_TIMEOUT_MS} ms`));
      }, CDP_COMMAND_TIMEOUT_MS);
      const settle = (settled: () => void): void => {
        clearTimeout(timer);
        settled();
      };
      this.#pending.set(id, {
        resolve: (value) => settle(() => resolve(value as T)),
        reject: (error) => settle(() => reject(error)),
      });
      this.#socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }), (error) => {
        if (!error) return;
        this.#pending.delete(id);
        settle(() => reject(new Error(`${method} could not be sent: ${error.message}`)));
      });
    });
  }

  close(): void {
    this.#socket.close();
  }
}
