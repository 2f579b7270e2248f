/** Where `TabReports` hears its tabs: every DevTools protocol event of the browser (`CdpConnection.onEvent`). */
export interface DevToolsEvents {
  onEvent(listener: (method: string, params: unknown) => void): void;
}

/** The parts of a DevTools `Runtime.RemoteObject` that say what a console call's argument was. */
interface RemoteObject {
  readonly type: string;
  readonly value?: unknown;
  readonly unserializableValue?: string;
  readonly description?: string;
}

/**
 * The prefix of the app's own console lines: a failure it caught and went on past (a stored chunk it could not read,
 * fetched again; a message from the server it could not read, ignored). The e2e fixture's `watchPageErrors` holds
 * Playwright's pages to the same rule.
 */
export const APP_WARNING_PREFIX = 'swarmlab:';

/**
 * What went wrong in the tabs of a browser driven over the DevTools protocol without stopping them (Playwright's
 * `pageerror` and `console` events do not reach tabs it did not open): uncaught exceptions and unhandled rejections,
 * and the app's own warnings. A test checks there are none but those it caused. Only tabs whose `Runtime` domain is
 * enabled report either.
 */
export class TabReports {
  readonly #pageErrors: string[] = [];
  readonly #appWarnings: string[] = [];

  constructor(events: DevToolsEvents) {
    events.onEvent((method, params) => {
      if (method === 'Runtime.exceptionThrown') this.#pageErrors.push(exceptionLineOf(params));
      if (method !== 'Runtime.consoleAPICalled') return;
      const warning = appWarningOf(params);
      if (warning !== undefined) this.#appWarnings.push(warning);
    });
  }

  /** Every uncaught exception and unhandled rejection so far, each as `<url>: <description>`. */
  get pageErrors(): readonly string[] {
    return this.#pageErrors;
  }

  /**
   * Every warning of the app's so far (`console.warn` or `console.error` of a line starting `swarmlab:`), as its
   * console shows it: only exceptions were heard, and a hidden tab that went on past a failure passed unseen (found
   * by review).
   */
  get appWarnings(): readonly string[] {
    return this.#appWarnings;
  }
}

/** A `Runtime.exceptionThrown` event as one line: where it was thrown, and the exception's description. */
function exceptionLineOf(params: unknown): string {
  const { exceptionDetails } = params as {
    exceptionDetails: { text: string; url?: string; exception?: { description?: string } };
  };
  const where = exceptionDetails.url ? `${exceptionDetails.url}: ` : '';
  return `${where}${exceptionDetails.exception?.description ?? exceptionDetails.text}`;
}

/** The text of a `Runtime.consoleAPICalled` event if it is one of the app's warnings, else undefined. */
function appWarningOf(params: unknown): string | undefined {
  const { type, args } = params as { type: string; args?: readonly RemoteObject[] };
  if (type !== 'warning' && type !== 'error') return undefined;
  const [first, ...rest] = args ?? [];
  if (first?.type !== 'string' || !String(first.value).startsWith(APP_WARNING_PREFIX)) return undefined;
  return [first, ...rest].map(argumentText).join(' ');
}

/** One argument of a console call as the console shows it: a string as is, anything else by its description. */
function argumentText(argument: RemoteObject): string {
  if (argument.type === 'string') return String(argument.value);
  return argument.unserializableValue ?? argument.description ?? String(argument.value);
}
