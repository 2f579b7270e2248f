// `pnpm bench raw`: a bare RTCDataChannel between two Chromium pages, each run's transfer on a fresh connection.
import { availableParallelism } from 'node:os';
import type { Browser } from '@playwright/test';
import { launchChromium } from '@swarmlab/test-kit/browser';
import {
  COLLECTION_HINT_BYTES,
  COLLECTION_HINT_EVERY_BYTES,
  COLLECTION_HINT_MIN_INTERVAL_MS,
} from '@swarmlab/webrtc/collection-hint';
import { intFlag, parseFlags } from './args';
import { coresBetween, readCpuCounters, type CpuCounters } from './proc-cpu';
import { rendererPids, residentBytes } from './renderer-memory';
import {
  DEFAULT_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  measureRawChannel,
  receiverCountedBytes,
  type RawChannelResult,
} from './raw-channel';
import { fixed, mbps, median, medianOfMeasured, rateAtMedianTime, round, table } from './stats';

const MIB = 1024 * 1024;
/** How often `--receiver-memory` reads the renderers' resident memory. */
const MEMORY_SAMPLE_MS = 100;
const HINT_EVERY_BYTES = COLLECTION_HINT_EVERY_BYTES;
const HINT_BYTES = COLLECTION_HINT_BYTES;

export const USAGE = `usage: npx pnpm@12.4.2 bench raw [--mib M] [--message-kib K] [--runs R] [--receiver-memory] [--collection-hint] [--json]

Opens two pages in one headless Chromium (a browser context each), connects them with a bare
RTCPeerConnection (no ICE servers, SDP passed by Playwright) and sends M MiB over one reliable, ordered
RTCDataChannel in K KiB messages, keeping 256 KiB–1 MiB queued as the app's link does. No swarm engine,
no simple-peer, no server. Prints each run and the medians, in MB/s (10^6 bytes).

  --mib M           bytes to send, in MiB (default 64, 1..4096)
  --message-kib K   bytes per send(), in KiB (default ${DEFAULT_MESSAGE_BYTES / 1024}, the engine's block; 1..${MAX_MESSAGE_BYTES / 1024})
  --runs R          runs; the figures are medians over them (default 3, 1..100)
  --receiver-memory the receiving renderer's anonymous RSS (/proc) over the transfer: at its start, and its
                    peak (the renderer whose anonymous RSS rose most, sampled every ${MEMORY_SAMPLE_MS} ms)
  --collection-hint the receiving page reproduces the app's CollectionHint (packages/webrtc): an untouched
                    ${HINT_BYTES / MIB} MiB ArrayBuffer after every ${HINT_EVERY_BYTES / MIB} MiB received, at most one per ${COLLECTION_HINT_MIN_INTERVAL_MS} ms
  --json            end stdout with one line of JSON holding the medians and every run
  --help            this text`;

interface RawOptions {
  readonly mib: number;
  readonly messageKib: number;
  readonly runs: number;
  readonly receiverMemory: boolean;
  readonly collectionHint: boolean;
  readonly json: boolean;
}

interface RawRun extends RawChannelResult {
  /** CPU-seconds per wall-second of the browser's processes during the transfer. */
  readonly browserCores: number | undefined;
  /** The same for everything else on the machine but this Node process (a busy machine skews a run). */
  readonly otherCores: number | undefined;
  /** With --receiver-memory: the receiving renderer's anonymous RSS at the transfer's start and its peak. */
  readonly receiverAnon: { readonly startBytes: number; readonly peakBytes: number } | undefined;
}

function parseRawArgs(argv: readonly string[]): RawOptions | 'help' {
  const values = parseFlags(argv, {
    mib: { type: 'string' },
    'message-kib': { type: 'string' },
    runs: { type: 'string' },
    'receiver-memory': { type: 'boolean' },
    'collection-hint': { type: 'boolean' },
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
    receiverMemory: values['receiver-memory'] ?? false,
    collectionHint: values['collection-hint'] ?? false,
    json: values.json ?? false,
  };
}

/**
 * Samples every renderer's anonymous RSS until stopped; `stop` names the receiver's: the renderer whose
 * anonymous RSS rose most above its first sample (the sender's hardly moves; the receiver's holds what
 * it received until V8 collects it).
 */
function sampleRenderers(): { stop(): { startBytes: number; peakBytes: number } | undefined } {
  const seen = new Map<number, { startBytes: number; peakBytes: number }>();
  const read = (): void => {
    for (const pid of rendererPids()) {
      const anonBytes = residentBytes(pid)?.anonBytes;
      if (anonBytes === undefined) continue;
      const entry = seen.get(pid);
      if (!entry) seen.set(pid, { startBytes: anonBytes, peakBytes: anonBytes });
      else entry.peakBytes = Math.max(entry.peakBytes, anonBytes);
    }
  };
  read();
  const timer = setInterval(read, MEMORY_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      read();
      return [...seen.values()].sort((a, b) => b.peakBytes - b.startBytes - (a.peakBytes - a.startBytes))[0];
    },
  };
}

/** One measurement, with the CPU the machine spent over its transfer (read while both pages are open). */
async function measureRun(browser: Browser, options: RawOptions): Promise<RawRun> {
  let before: CpuCounters | undefined;
  let after: CpuCounters | undefined;
  let sampler: ReturnType<typeof sampleRenderers> | undefined;
  let receiverAnon: RawRun['receiverAnon'];
  const result = await measureRawChannel(browser, {
    bytes: options.mib * MIB,
    messageBytes: options.messageKib * 1024,
    onTransfer: {
      start: () => {
        before = readCpuCounters();
        if (options.receiverMemory) sampler = sampleRenderers();
      },
      end: () => {
        after = readCpuCounters();
        receiverAnon = sampler?.stop();
      },
    },
    ...(options.collectionHint
      ? {
          collectionHint: {
            everyBytes: HINT_EVERY_BYTES,
            hintBytes: HINT_BYTES,
            minIntervalMs: COLLECTION_HINT_MIN_INTERVAL_MS,
          },
        }
      : {}),
  });
  if (!before || !after) return { ...result, browserCores: undefined, otherCores: undefined, receiverAnon };
  const cores = coresBetween(before, after);
  return { ...result, browserCores: cores.browser, otherCores: cores.other, receiverAnon };
}

/**
 * The medians of `runs` (each of the same bytes). Each rate is the bytes over the median time printed beside it, as
 * `swarm` and `mesh` take theirs: the median of the runs' rates differs for an even count (10 and 20 MB/s: 15 against
 * the median time's 13.33; found by review).
 */
export function summariseRawRuns(
  runs: readonly Pick<
    RawRun,
    | 'bytes'
    | 'messageBytes'
    | 'seconds'
    | 'fromStartSeconds'
    | 'connectSeconds'
    | 'browserCores'
    | 'otherCores'
    | 'receiverAnon'
  >[],
): {
  readonly bytesPerSec: number;
  readonly seconds: number;
  readonly fromStartBytesPerSec: number;
  readonly fromStartSeconds: number;
  readonly connectSeconds: number;
  readonly browserCores: number;
  readonly otherCores: number;
  readonly receiverRiseBytes: number;
} {
  const first = runs[0];
  const seconds = runs.map((run) => run.seconds);
  const fromStartSeconds = runs.map((run) => run.fromStartSeconds);
  return {
    bytesPerSec: first ? rateAtMedianTime(receiverCountedBytes(first), seconds) : Number.NaN,
    seconds: medianOfMeasured(seconds),
    fromStartBytesPerSec: first ? rateAtMedianTime(first.bytes, fromStartSeconds) : Number.NaN,
    fromStartSeconds: medianOfMeasured(fromStartSeconds),
    connectSeconds: median(runs.map((run) => run.connectSeconds)),
    browserCores: median(runs.flatMap((run) => (run.browserCores === undefined ? [] : [run.browserCores]))),
    otherCores: median(runs.flatMap((run) => (run.otherCores === undefined ? [] : [run.otherCores]))),
    receiverRiseBytes: median(
      runs.flatMap((run) => (run.receiverAnon ? [run.receiverAnon.peakBytes - run.receiverAnon.startBytes] : [])),
    ),
  };
}

function describeAnon(anon: RawRun['receiverAnon']): string {
  if (!anon) return '—';
  const rise = (anon.peakBytes - anon.startBytes) / MIB;
  return `${fixed(anon.startBytes / MIB, 0)} → peak ${fixed(anon.peakBytes / MIB, 0)} MiB (+${fixed(rise, 0)})`;
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
      `in ${options.messageKib} KiB messages, ${options.runs} run(s); MB = 10^6 bytes` +
      (options.collectionHint ? '; the receiver gives the collection hint' : ''),
  );

  const browser = await launchChromium();
  const runs: RawRun[] = [];
  try {
    console.log(`Chromium ${browser.version()}, ${availableParallelism()} cores`);
    for (let run = 1; run <= options.runs; run++) {
      const result = await measureRun(browser, options);
      runs.push(result);
      console.log(
        `run ${run}/${options.runs}: ${fixed(result.bytesPerSec / 1e6)} MB/s first→last byte ` +
          `(${fixed(result.seconds)} s), ${fixed(mbps(result.bytes, result.fromStartSeconds))} MB/s from the first send ` +
          `(${fixed(result.fromStartSeconds)} s); connect ${fixed(result.connectSeconds)} s; ` +
          `CPU: browser ${fixed(result.browserCores)} + other processes ${fixed(result.otherCores)} cores; ` +
          `packets discarded on send ${result.packetsDiscardedOnSend} of ${result.packetsSent}` +
          (options.receiverMemory ? `; receiver anonymous RSS ${describeAnon(result.receiverAnon)}` : ''),
      );
    }
  } finally {
    await browser.close();
  }

  const summary = summariseRawRuns(runs);
  // `bench swarm`'s raw reference is a settled connection's transfers, about twice this one's here: this is not it.
  console.log(`\nmedians over ${options.runs} run(s), each a fresh connection's first transfer`);
  console.log(
    table([
      ['figure', 'median'],
      ['first → last byte at the receiver (MB/s)', fixed(summary.bytesPerSec / 1e6)],
      ['first → last byte (s)', fixed(summary.seconds)],
      ['sender’s first send → last byte at the receiver (MB/s)', fixed(summary.fromStartBytesPerSec / 1e6)],
      ['connect: SDP, ICE, DTLS, SCTP (s)', fixed(summary.connectSeconds)],
      [`browser CPU during transfer (cores of ${availableParallelism()})`, fixed(summary.browserCores)],
      ['other processes’ CPU meanwhile (cores)', fixed(summary.otherCores)],
      ...(options.receiverMemory
        ? [['receiver’s anonymous RSS, peak over start (MiB)', fixed(summary.receiverRiseBytes / MIB, 0)]]
        : []),
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
      collectionHint: options.collectionHint,
      receiverRiseMib: options.receiverMemory ? round(summary.receiverRiseBytes / MIB, 0) : null,
      perRun: runs.map((run) => ({
        bytesPerSec: round(run.bytesPerSec, 0),
        mbPerSec: round(run.bytesPerSec / 1e6),
        seconds: round(run.seconds),
        fromStartMbPerSec: round(run.fromStartBytesPerSec / 1e6),
        fromStartSeconds: round(run.fromStartSeconds),
        queueSeconds: round(run.queueSeconds),
        connectSeconds: round(run.connectSeconds),
        maxMessageBytes: run.maxMessageBytes,
        packetsSent: run.packetsSent,
        packetsDiscardedOnSend: run.packetsDiscardedOnSend,
        browserCores: run.browserCores === undefined ? null : round(run.browserCores),
        otherCores: run.otherCores === undefined ? null : round(run.otherCores),
        receiverStartMib: run.receiverAnon ? round(run.receiverAnon.startBytes / MIB, 0) : null,
        receiverPeakMib: run.receiverAnon ? round(run.receiverAnon.peakBytes / MIB, 0) : null,
      })),
    };
    console.log(JSON.stringify(json));
  }
  return 0;
}
