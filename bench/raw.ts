// `pnpm bench raw`: a bare RTCDataChannel between two Chromium pages, the ceiling for the swarm's transfers.
import { availableParallelism } from 'node:os';
import type { Browser } from '@playwright/test';
import { launchChromium } from '@swarmlab/test-kit/browser';
import { intFlag, parseFlags } from './args';
import { coresBetween, readCpuCounters, type CpuCounters } from './proc-cpu';
import { DEFAULT_MESSAGE_BYTES, MAX_MESSAGE_BYTES, measureRawChannel, type RawChannelResult } from './raw-channel';
import { fixed, mbps, median, round, table } from './stats';

export const USAGE = `usage: npx pnpm@12.4.2 bench raw [--mib M] [--message-kib K] [--runs R] [--json]

Opens two pages in one headless Chromium (a browser context each), connects them with a bare
RTCPeerConnection (no ICE servers, SDP passed by Playwright) and sends M MiB over one reliable, ordered
RTCDataChannel in K KiB messages, keeping 256 KiB–1 MiB queued as the app's link does. No swarm engine,
no simple-peer, no server. Prints each run and the medians, in MB/s (10^6 bytes).

  --mib M           bytes to send, in MiB (default 64, 1..4096)
  --message-kib K   bytes per send(), in KiB (default ${DEFAULT_MESSAGE_BYTES / 1024}, the engine's block; 1..${MAX_MESSAGE_BYTES / 1024})
  --runs R          runs; the figures are medians over them (default 3, 1..100)
  --json            end stdout with one line of JSON holding the medians and every run
  --help            this text`;

const MIB = 1024 * 1024;

interface RawOptions {
  readonly mib: number;
  readonly messageKib: number;
  readonly runs: number;
  readonly json: boolean;
}

interface RawRun extends RawChannelResult {
  /** CPU-seconds per wall-second of the browser's processes during the transfer. */
  readonly browserCores: number | undefined;
  /** The same for everything else on the machine but this Node process (a busy machine skews a run). */
  readonly otherCores: number | undefined;
}

function parseRawArgs(argv: readonly string[]): RawOptions | 'help' {
  const values = parseFlags(argv, {
    mib: { type: 'string' },
    'message-kib': { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return {
    mib: intFlag('mib', values.mib, 64, 1, 4096),
    messageKib: intFlag(
      'message-kib',
      values['message-kib'],
      DEFAULT_MESSAGE_BYTES / 1024,
      1,
      MAX_MESSAGE_BYTES / 1024,
    ),
    runs: intFlag('runs', values.runs, 3, 1, 100),
    json: values.json ?? false,
  };
}

/** One measurement, with the CPU the machine spent over its transfer (read while both pages are open). */
async function measureRun(browser: Browser, options: RawOptions): Promise<RawRun> {
  let before: CpuCounters | undefined;
  let after: CpuCounters | undefined;
  const result = await measureRawChannel(browser, {
    bytes: options.mib * MIB,
    messageBytes: options.messageKib * 1024,
    onTransfer: { start: () => (before = readCpuCounters()), end: () => (after = readCpuCounters()) },
  });
  if (!before || !after) return { ...result, browserCores: undefined, otherCores: undefined };
  const cores = coresBetween(before, after);
  return { ...result, browserCores: cores.browser, otherCores: cores.other };
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseRawArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const bytes = options.mib * MIB;
  console.log(
    `raw: one reliable ordered RTCDataChannel between two Chromium pages, ${options.mib} MiB (${bytes} bytes) ` +
      `in ${options.messageKib} KiB messages, ${options.runs} run(s); MB = 10^6 bytes`,
  );

  const browser = await launchChromium();
  const runs: RawRun[] = [];
  try {
    console.log(`Chromium ${browser.version()}, ${availableParallelism()} cores`);
    for (let run = 1; run <= options.runs; run++) {
      const result = await measureRun(browser, options);
      runs.push(result);
      console.log(
        `run ${run}/${options.runs}: ${fixed(mbps(result.bytes, result.seconds))} MB/s first→last byte ` +
          `(${fixed(result.seconds)} s), ${fixed(mbps(result.bytes, result.fromStartSeconds))} MB/s from the first send ` +
          `(${fixed(result.fromStartSeconds)} s); connect ${fixed(result.connectSeconds)} s; ` +
          `CPU: browser ${fixed(result.browserCores)} + other processes ${fixed(result.otherCores)} cores`,
      );
    }
  } finally {
    await browser.close();
  }

  const summary = {
    bytesPerSec: median(runs.map((run) => run.bytesPerSec)),
    seconds: median(runs.map((run) => run.seconds)),
    fromStartBytesPerSec: median(runs.map((run) => run.fromStartBytesPerSec)),
    fromStartSeconds: median(runs.map((run) => run.fromStartSeconds)),
    connectSeconds: median(runs.map((run) => run.connectSeconds)),
    browserCores: median(runs.flatMap((run) => (run.browserCores === undefined ? [] : [run.browserCores]))),
    otherCores: median(runs.flatMap((run) => (run.otherCores === undefined ? [] : [run.otherCores]))),
  };
  console.log(`\nmedians over ${options.runs} run(s)`);
  console.log(
    table([
      ['figure', 'median'],
      ['first → last byte at the receiver (MB/s)', fixed(summary.bytesPerSec / 1e6)],
      ['first → last byte (s)', fixed(summary.seconds)],
      ['sender’s first send → last byte at the receiver (MB/s)', fixed(summary.fromStartBytesPerSec / 1e6)],
      ['connect: SDP, ICE, DTLS, SCTP (s)', fixed(summary.connectSeconds)],
      [`browser CPU during transfer (cores of ${availableParallelism()})`, fixed(summary.browserCores)],
      ['other processes’ CPU meanwhile (cores)', fixed(summary.otherCores)],
    ]),
  );

  if (options.json) {
    const json = {
      bytes,
      messageBytes: options.messageKib * 1024,
      runs: options.runs,
      bytesPerSec: round(summary.bytesPerSec, 0),
      mbPerSec: round(summary.bytesPerSec / 1e6),
      seconds: round(summary.seconds),
      fromStartBytesPerSec: round(summary.fromStartBytesPerSec, 0),
      fromStartMbPerSec: round(summary.fromStartBytesPerSec / 1e6),
      fromStartSeconds: round(summary.fromStartSeconds),
      connectSeconds: round(summary.connectSeconds),
      browserCores: round(summary.browserCores),
      otherCores: round(summary.otherCores),
      perRun: runs.map((run) => ({
        bytesPerSec: round(run.bytesPerSec, 0),
        mbPerSec: round(run.bytesPerSec / 1e6),
        seconds: round(run.seconds),
        fromStartMbPerSec: round(run.fromStartBytesPerSec / 1e6),
        fromStartSeconds: round(run.fromStartSeconds),
        queueSeconds: round(run.queueSeconds),
        connectSeconds: round(run.connectSeconds),
        maxMessageBytes: run.maxMessageBytes,
        browserCores: run.browserCores === undefined ? null : round(run.browserCores),
        otherCores: run.otherCores === undefined ? null : round(run.otherCores),
      })),
    };
    console.log(JSON.stringify(json));
  }
  return 0;
}
