import { describe, expect, it } from 'vitest';
import { TabReports, type DevToolsEvents } from '../../src/browser/tab-reports';

/** A browser's DevTools events, sent by hand: `send(method, params)` reaches every listener. */
function fakeBrowser(): DevToolsEvents & { send(method: string, params: unknown): void } {
  const listeners: ((method: string, params: unknown) => void)[] = [];
  return {
    onEvent: (listener) => listeners.push(listener),
    send: (method, params) => listeners.forEach((listener) => listener(method, params)),
  };
}

/** A `Runtime.consoleAPICalled` event as Chromium sends it, less `executionContextId`, `timestamp`, `stackTrace`. */
const consoleCall = (type: string, ...args: object[]) => ({ type, args });
const text = (value: string) => ({ type: 'string', value });

describe('the reports of a background window’s tabs', () => {
  it('keep the app’s console warnings and errors, as the console shows them', () => {
    const browser = fakeBrowser();
    const reports = new TabReports(browser);
    browser.send(
      'Runtime.consoleAPICalled',
      consoleCall('warning', text('swarmlab: could not read stored chunk 3'), {
        type: 'object',
        subtype: 'error',
        className: 'DOMException',
        description: 'NotReadableError: the file could not be read',
        objectId: '1.2.3',
      }),
    );
    browser.send('Runtime.consoleAPICalled', consoleCall('error', text('swarmlab: probe'), { type: 'undefined' }));
    browser.send(
      'Runtime.consoleAPICalled',
      consoleCall('warning', text('swarmlab: n ='), { type: 'number', value: 3, description: '3' }),
    );
    // Before, only exceptions were heard: a hidden tab that went on past a failure passed unseen.
    expect(reports.appWarnings).toEqual([
      'swarmlab: could not read stored chunk 3 NotReadableError: the file could not be read',
      'swarmlab: probe undefined',
      'swarmlab: n = 3',
    ]);
    expect(reports.pageErrors).toEqual([]);
  });

  it('leave out console calls that are not the app’s warnings', () => {
    const browser = fakeBrowser();
    const reports = new TabReports(browser);
    browser.send('Runtime.consoleAPICalled', consoleCall('log', text('swarmlab: a log line')));
    browser.send('Runtime.consoleAPICalled', consoleCall('info', text('swarmlab: an info line')));
    browser.send('Runtime.consoleAPICalled', consoleCall('warning', text('a library’s warning: swarmlab: quoted')));
    browser.send('Runtime.consoleAPICalled', consoleCall('error', { type: 'object', description: 'Error: swarmlab:' }));
    browser.send('Runtime.consoleAPICalled', consoleCall('warning'));
    expect(reports.appWarnings).toEqual([]);
  });

  it('keep uncaught exceptions with where they were thrown, apart from the warnings', () => {
    const browser = fakeBrowser();
    const reports = new TabReports(browser);
    browser.send('Runtime.exceptionThrown', {
      timestamp: 1,
      exceptionDetails: {
        text: 'Uncaught',
        url: 'http://127.0.0.1:8080/assets/index.js',
        exception: { type: 'object', description: 'Error: probe of pageErrors\n    at <anonymous>:1:26' },
      },
    });
    browser.send('Runtime.exceptionThrown', { timestamp: 2, exceptionDetails: { text: 'Uncaught (in promise)' } });
    expect(reports.pageErrors).toEqual([
      'http://127.0.0.1:8080/assets/index.js: Error: probe of pageErrors\n    at <anonymous>:1:26',
      'Uncaught (in promise)',
    ]);
    expect(reports.appWarnings).toEqual([]);
  });
});
