// `pnpm bench swarm`: real browser swarms through the real server and UI, next to the seed's bounds (issue #4).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Browser } from '@playwright/test';
import { createSignallingServer, DEFAULT_LIMITS, type SignallingServer } from '@swarmlab/server';
import { BackgroundWindow, CHROMIUM_ARGS, chromiumExecutablePath, launchChromium } from '@swarmlab/test-kit/browser';
import { PageProfiler, saveProfile } from './cpu-profile';
import { BenchFailure } from './failure';
import { describeBuild, requireBuild } from './web-build';
import { coresBetween, readCpuCounters, type CoresUsed } from './proc-cpu';
import { measureRawReference, type RawReference } from './raw-reference';
import { fixed, medianOfMeasured, rateAtMedianTime, round, table } from './stats';
import { capText, configuredBoundSec, isUnshaped, parseSwarmArgs, USAGE, type SwarmOptions } from './swarm-options';
import { backgroundWindowTabs, playwrightTabs, SwarmTabs, type OpenSwarmTab } from './swarm-tabs';
import { readUdpCounters, udpDelta, type UdpCounters } from './udp-stats';
import type { RunRecord } from '@swarmlab/web/run-record';

export { USAGE };

/** Bounds that differ by more than this (relative) are reported: the UI and the bench disagree on the model. */
const BOUND_TOLERANCE = 1e-6;
const TIMELINE_STEP_MS = 500;

export interface RunResult {
  readonly runNumber: number;
  /** The server's: run start to the last leecher complete. */
  readonly distributionSec: number;
  /** The bench's bound from @swarmlab/theory for the configuration (null: no cap sets it). */
  readonly boundSec: number | null;
  readonly ratio: number | null;
  /** What the UI's run record says, to cross-check (it estimates from peak rates where there is no cap). */
  readonly uiBoundSec: number | null;
  readonly uiRatio: number | null;
  readonly uiBoundEstimated: boolean;
  readonly seederUploadShare: number | null;
  /** N·F / distribution time: bytes the swarm delivered per second. */
  readonly goodputBytesPerSec: number;
  /** Each leecher's completion, seconds after the run's start (the server's clock). */
  readonly completedAfterSec: readonly (number | null)[];
  readonly cores: CoresUsed;
  /** The browser's CPU time during the run per MiB the leechers received. */
  readonly browserCpuSecPerMiB: number;
  /**
   * The same, to every leecher's file stored and checked: with the work the app puts off until the run is over (each
   * chunk rewritten as a Blob, the whole file's SHA-256), which the figure above leaves out. What a change costs.
   */
  readonly browserCpuSecPerMiBToChecked: number;
  readonly udp: UdpCounters | undefined;
  /** Per leecher: MB held at each of `timelineAtSec`. */
  readonly timelinesMB: readonly (readonly number[])[];
  /**
   * When the timeline's samples were read, in seconds after the run started on the server's clock (as
   * `completedAfterSec`): at least `TIMELINE_STEP_MS` apart.
   */
  readonly timelineAtSec: readonly number[];
  readonly profiles: readonly string[];
}

function describeRate(bytesPerSec: number | undefined): string {
  return bytesPerSec === undefined ? 'no cap' : `${fixed(bytesPerSec / 1e6, 3)} MB/s`;
}

/** Starts one run from the seeder's form, waits for it, checks every file, and reads its figures. */
async function runOnce(tabs: SwarmTabs, options: SwarmOptions, log: (line: string) => void): Promise<RunResult> {
  const timeoutMs = options.runTimeoutSec * 1000;
  const profilers = options.cpuProfileDir
    ? await Promise.all(tabs.named.map(([, tab]) => PageProfiler.start(tab.page!)))
    : [];
  const timelinesMB: number[][] = tabs.leechers.map(() => []);
  // On the wall clock, which the server in this process stamps the run's start with: counted from when a poll first
  // saw the run, the samples read early by the broadcast's lag and up to a poll beside the completions, which are
  // counted from the server's start (found by review).
  const timelineAtEpochMs: number[] = [];
  const sampleTimeline = async (): Promise<void> => {
    // Stamped as the reads start, as the steps are counted: stamped once they ended, a slow read then a fast one
    // put two samples closer than a step.
    const atEpochMs = Date.now();
    const states = await Promise.all(tabs.leechers.map((tab) => tab.readState()));
    timelineAtEpochMs.push(atEpochMs);
    states.forEach((state, i) =>
      timelinesMB[i]!.push((state.chunksHeld * options.fileBytes) / Math.max(1, state.chunkCount) / 1e6),
    );
  };
  let nextSampleMs = performance.now();
  const onPoll = async (): Promise<void> => {
    if (!options.timeline || performance.now() < nextSampleMs) return;
    // At most one sample a step, each at its own time: after a stall (a slow state read), the polls that followed
    // each took a catch-up sample of the late state, printed as if half a second apart (found by review).
    nextSampleMs = performance.now() + TIMELINE_STEP_MS;
    await sampleTimeline();
  };

  // Counted from the click on Start, not from before the form was filled (5 to 15 % of a short run's window).
  let cpuBefore = readCpuCounters();
  let udpBefore = readUdpCounters();
  const runNumber = await tabs.startRun(
    {
      mode: options.mode,
      serverUp: capText(options.serverUpBytesPerSec),
      peerUp: capText(options.peerUpBytesPerSec),
      peerDown: capText(options.peerDownBytesPerSec),
    },
    () => {
      cpuBefore = readCpuCounters();
      udpBefore = readUdpCounters();
    },
  );
  nextSampleMs = performance.now();
  await tabs.waitForRun(runNumber, timeoutMs, onPoll);
  const cores = coresBetween(cpuBefore, readCpuCounters());
  const udp = udpDelta(udpBefore, readUdpCounters());
  await tabs.verifyFiles(runNumber, timeoutMs);
  // Read once every leecher has hashed its file: the app does some of its work after the run's end (found by review:
  // two changes credited with CPU savings had moved work out of the window above, not cut it).
  const coresToChecked = coresBetween(cpuBefore, readCpuCounters());
  // Stopped after both readings (stopping and saving them costs CPU), so the profiles hold the post-run work too.
  const profiles: string[] = [];
  if (options.cpuProfileDir) {
    const stopped = await Promise.all(profilers.map((profiler) => profiler.stop()));
    for (const [i, profile] of stopped.entries())
      profiles.push(
        saveProfile(profile, options.cpuProfileDir, `run${runNumber}-${tabs.named[i]![0].replace(' ', '')}`),
      );
  }
  const record = await tabs.record(runNumber);

  const distributionSec = checkRecord(record, options);
  const boundSec = configuredBoundSec(options);
  const uiBoundSec = record.boundSec;
  if (boundSec !== null && (uiBoundSec === null || Math.abs(uiBoundSec - boundSec) > BOUND_TOLERANCE * boundSec))
    log(
      `warning: run ${runNumber}: the UI's bound ${fixed(uiBoundSec ?? Number.NaN, 4)} s differs from ` +
        `@swarmlab/theory's ${fixed(boundSec, 4)} s for the configuration`,
    );
  return {
    runNumber,
    distributionSec,
    boundSec,
    ratio: boundSec === null ? null : distributionSec / boundSec,
    uiBoundSec,
    uiRatio: record.ratio,
    uiBoundEstimated: record.boundsEstimated,
    seederUploadShare: record.seederUploadShare,
    goodputBytesPerSec: (options.peers * options.fileBytes) / distributionSec,
    completedAfterSec: record.peers.filter((peer) => peer.role === 'leecher').map((peer) => peer.completedAfterSec),
    cores,
    browserCpuSecPerMiB: browserCpuSecPerMiB(cores, options.peers * options.fileBytes),
    browserCpuSecPerMiBToChecked: browserCpuSecPerMiB(coresToChecked, options.peers * options.fileBytes),
    udp,
    timelinesMB,
    timelineAtSec: secondsAfterStart(timelineAtEpochMs, record.startedAt),
    profiles,
  };
}

/**
 * Wall-clock stamps (`Date.now()`, ms) as seconds after a run's start as its record gives it (`startedAt`, ISO 8601,
 * the server's `Date.now()`): the clock `completedAfterSec` is counted on. NaN for each if `startedAt` is unreadable.
 */
export function secondsAfterStart(epochMs: readonly number[], startedAt: string): number[] {
  const startedAtMs = Date.parse(startedAt);
  return epochMs.map((ms) => (ms - startedAtMs) / 1000);
}

/**
 * Throws unless `record` is the run `options` configured: its file and mode, and every leecher counted to the
 * end. A run that finished on fewer (one flagged, or abandoned) is not the configured swarm's: its time set
 * against N's bound, or its goodput counted for N, would be wrong, so it fails rather than join the medians.
 * Returns its distribution time.
 */
export function checkRecord(
  record: Pick<
    RunRecord,
    'runNumber' | 'fileBytes' | 'mode' | 'leechers' | 'abandonedLeechers' | 'distributionSec' | 'phase'
  >,
  options: Pick<SwarmOptions, 'fileBytes' | 'mode' | 'peers'>,
): number {
  if (record.fileBytes !== options.fileBytes || record.mode !== options.mode)
    throw new BenchFailure(
      `run ${record.runNumber} is not the run configured: ${record.fileBytes} bytes in ${record.mode} mode`,
    );
  if (record.leechers !== options.peers || record.abandonedLeechers > 0)
    throw new BenchFailure(
      `run ${record.runNumber} counted ${record.leechers} of ${options.peers} leechers (${record.abandonedLeechers} ` +
        `abandoned): its time is not the configured swarm's`,
    );
  if (record.distributionSec === null)
    throw new BenchFailure(
      `run ${record.runNumber} did not finish (${record.phase ?? 'unknown'}): it measured no time`,
    );
  return record.distributionSec;
}

function printRun(options: SwarmOptions, run: RunResult, rawBytesPerSec: number | undefined): void {
  const parts = [
    `run ${run.runNumber}/${options.runs}: distribution ${fixed(run.distributionSec, 3)} s`,
    run.boundSec === null
      ? `no bound (uncapped), UI's estimate ${fixed(run.uiBoundSec ?? Number.NaN, 3)} s`
      : `bound ${fixed(run.boundSec, 3)} s, ratio ${fixed(run.ratio ?? Number.NaN, 3)}`,
    `seeder upload share ${fixed(100 * (run.seederUploadShare ?? Number.NaN), 1)} %`,
    `goodput N·F/time ${fixed(run.goodputBytesPerSec / 1e6)} MB/s` +
      (rawBytesPerSec === undefined ? '' : ` = ${fixed(run.goodputBytesPerSec / rawBytesPerSec, 3)} × raw`),
  ];
  console.log(parts.join(', '));
  console.log(
    `  leechers complete after (s): ${run.completedAfterSec.map((sec) => fixed(sec ?? Number.NaN)).join(' ')}`,
  );
  console.log(
    `  CPU: browser ${fixed(run.cores.browser)} + node ${fixed(run.cores.node)} + other processes ` +
      `${fixed(run.cores.other)} of ${availableParallelism()} cores; browser ${fixed(run.browserCpuSecPerMiB, 3)} CPU-s per MiB delivered ` +
      `(${fixed(run.browserCpuSecPerMiBToChecked, 3)} to every file checked)` +
      (run.udp
        ? `; UDP ${Object.entries(run.udp)
            .map(([name, value]) => `${name} ${value}`)
            .join(', ')}`
        : ''),
  );
  const threads = run.cores.browserByThread.filter(([, used]) => used >= 0.05).slice(0, 8);
  if (threads.length > 0)
    console.log(`  by thread (cores): ${threads.map(([label, used]) => `${label} ${fixed(used)}`).join(', ')}`);
  if (run.timelineAtSec.length > 0)
    console.log(`  timeline, s after the start: ${run.timelineAtSec.map((sec) => fixed(sec, 1)).join(' ')}`);
  for (const [i, timeline] of run.timelinesMB.entries())
    if (timeline.length > 0)
      console.log(`  leecher ${i + 1} MB held then: ${timeline.map((mb) => mb.toFixed(0)).join(' ')}`);
  for (const profile of run.profiles) console.log(`\n${profile}`);
}

/** Browser CPU-seconds over `cores`' window per MiB of `deliveredBytes`. */
export function browserCpuSecPerMiB(cores: Pick<CoresUsed, 'browser' | 'wallSec'>, deliveredBytes: number): number {
  return ((cores.browser ?? Number.NaN) * cores.wallSec) / (deliveredBytes / (1024 * 1024));
}

/** How the tabs are shown: Playwright's pages (always visible), or one real window with hidden leechers. */
type TabsKind = 'visible' | 'background';

export interface Measured {
  readonly kind: TabsKind;
  readonly results: readonly RunResult[];
  readonly raw: RawReference | undefined;
}

/** The medians of one kind of tabs' runs. */
export interface Summary {
  readonly distributionSec: number;
  readonly boundSec: number;
  readonly ratio: number;
  readonly seederUploadShare: number;
  readonly goodputBytesPerSec: number;
  readonly rawBytesPerSec: number;
  readonly goodputOverRaw: number;
  /** The raw channel's fresh transfer, and goodput over it: the reference before 2026-12-02. */
  readonly rawFreshBytesPerSec: number;
  readonly goodputOverRawFresh: number;
  readonly uiBoundSec: number;
  readonly uiRatio: number;
  readonly browserCores: number;
  readonly browserCpuSecPerMiB: number;
  readonly browserCpuSecPerMiBToChecked: number;
  readonly otherCores: number;
}

/** The medians of one kind of tabs' runs; `deliveredBytes` is N·F, what each run delivered. */
export function summarise({ results, raw }: Pick<Measured, 'results' | 'raw'>, deliveredBytes: number): Summary {
  const distributionSec = medianOfMeasured(results.map((run) => run.distributionSec));
  // N·F over the median time printed beside it, not the median of each run's goodput (found by review).
  const goodputBytesPerSec = rateAtMedianTime(
    deliveredBytes,
    results.map((run) => run.distributionSec),
  );
  const rawBytesPerSec = raw?.bytesPerSec ?? Number.NaN;
  const rawFreshBytesPerSec = raw?.freshBytesPerSec ?? Number.NaN;
  return {
    distributionSec,
    boundSec: medianOfMeasured(results.map((run) => run.boundSec)),
    ratio: medianOfMeasured(results.map((run) => run.ratio)),
    seederUploadShare: medianOfMeasured(results.map((run) => run.seederUploadShare)),
    goodputBytesPerSec,
    rawBytesPerSec,
    goodputOverRaw: goodputBytesPerSec / rawBytesPerSec,
    rawFreshBytesPerSec,
    goodputOverRawFresh: goodputBytesPerSec / rawFreshBytesPerSec,
    uiBoundSec: medianOfMeasured(results.map((run) => run.uiBoundSec)),
    uiRatio: medianOfMeasured(results.map((run) => run.uiRatio)),
    browserCores: medianOfMeasured(results.map((run) => run.cores.browser)),
    browserCpuSecPerMiB: medianOfMeasured(results.map((run) => run.browserCpuSecPerMiB)),
    browserCpuSecPerMiBToChecked: medianOfMeasured(results.map((run) => run.browserCpuSecPerMiBToChecked)),
    otherCores: medianOfMeasured(results.map((run) => run.cores.other)),
  };
}

/**
 * One kind of tabs' runs: a browser (Playwright's headless one, or a window of our own under Xvfb), the
 * raw channel first for an unshaped run (Playwright's browser only), the swarm's tabs, then the runs.
 */
async function measure(
  kind: TabsKind,
  options: SwarmOptions,
  baseURL: string,
  log: (line: string) => void,
  rawBefore?: RawReference,
): Promise<Measured> {
  let browser: Browser | undefined;
  let window: BackgroundWindow | undefined;
  let tabs: SwarmTabs | undefined;
  const results: RunResult[] = [];
  // The background kind compares with the raw channel that Playwright's browser measured just before.
  let raw: RawReference | undefined = rawBefore;
  try {
    let openTab: OpenSwarmTab;
    if (kind === 'visible') {
      browser = await launchChromium();
      console.log(
        `\n${kind} tabs (Playwright's pages): Chromium ${browser.version()}, ${availableParallelism()} cores`,
      );
      if (isUnshaped(options) && options.rawBytes > 0) {
        raw = await measureRawReference(browser, options.rawBytes, options.rawRuns);
      }
      openTab = playwrightTabs(browser, baseURL, log);
    } else {
      const executablePath = chromiumExecutablePath();
      if (!executablePath)
        throw new BenchFailure('--background-tabs needs a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)');
      window = await BackgroundWindow.launch({ executablePath, args: CHROMIUM_ARGS });
      console.log(`\n${kind} tabs (one window on Xvfb: the seeder in front, every leecher hidden behind it)`);
      openTab = backgroundWindowTabs(window);
    }
    const setUpMs = performance.now();
    tabs = await SwarmTabs.open({
      openTab,
      baseURL,
      peers: options.peers,
      fileBytes: options.fileBytes,
      timeoutMs: options.runTimeoutSec * 1000,
    });
    console.log(`full mesh of ${options.peers + 1} tabs after ${fixed((performance.now() - setUpMs) / 1000)} s`);
    for (let run = 1; run <= options.runs; run++) {
      const result = await runOnce(tabs, options, log);
      results.push(result);
      printRun(options, result, raw?.bytesPerSec);
    }
  } catch (error) {
    if (tabs) log(await tabs.describe());
    throw error;
  } finally {
    await Promise.race([
      Promise.allSettled([browser?.close(), window?.close()]),
      new Promise((resolve) => setTimeout(resolve, 30_000)),
    ]);
  }
  return { kind, results, raw };
}

function printSummaries(options: SwarmOptions, summaries: ReadonlyArray<readonly [TabsKind, Summary]>): void {
  // The profilers sample every tab every 500 µs from before the CPU is read to after: their cost is in the figures.
  const profiled =
    options.cpuProfileDir === undefined ? '' : ' (profiled: times and CPU not comparable with a run without)';
  console.log(`\nmedians over ${options.runs} run(s)${profiled}`);
  console.log(summaryTable(options, summaries));
}

/**
 * The medians' table, a column per kind of tabs. Where no cap sets a bound it has the UI's estimate from measured
 * peak rates, as each run's line does: it printed only a bound of "—" (found by review).
 */
export function summaryTable(options: SwarmOptions, summaries: ReadonlyArray<readonly [TabsKind, Summary]>): string {
  const row = (figure: string, value: (summary: Summary) => string): string[] => [
    figure,
    ...summaries.map(([, summary]) => value(summary)),
  ];
  const bound = options.mode === 'p2p' ? 'D_p2p' : 'D_cs';
  const estimated =
    configuredBoundSec(options) === null
      ? [
          row(`UI’s estimate of ${bound} from measured peak rates (s)`, (summary) => fixed(summary.uiBoundSec, 3)),
          row('ratio distribution / UI’s estimate', (summary) => fixed(summary.uiRatio, 3)),
        ]
      : [];
  return table([
    ['figure', ...summaries.map(([kind]) => (kind === 'visible' ? 'visible tabs' : 'background tabs'))],
    row('distribution time (s)', (summary) => fixed(summary.distributionSec, 3)),
    row(`bound ${bound} (s)`, (summary) => fixed(summary.boundSec, 3)),
    row('ratio distribution / bound', (summary) => fixed(summary.ratio, 3)),
    ...estimated,
    row('seeder upload share (%)', (summary) => fixed(100 * summary.seederUploadShare, 1)),
    row('aggregate goodput N·F / distribution time (MB/s)', (summary) => fixed(summary.goodputBytesPerSec / 1e6)),
    row('raw RTCDataChannel, settled connection (MB/s)', (summary) => fixed(summary.rawBytesPerSec / 1e6)),
    row('goodput / raw', (summary) => fixed(summary.goodputOverRaw, 3)),
    row('raw, its fresh first transfer (MB/s)', (summary) => fixed(summary.rawFreshBytesPerSec / 1e6)),
    row('goodput / raw fresh', (summary) => fixed(summary.goodputOverRawFresh, 3)),
    row(`browser CPU during runs (cores of ${availableParallelism()})`, (summary) => fixed(summary.browserCores)),
    row('browser CPU-seconds per MiB delivered, during the run', (summary) => fixed(summary.browserCpuSecPerMiB, 3)),
    row('browser CPU-seconds per MiB, to every file checked', (summary) =>
      fixed(summary.browserCpuSecPerMiBToChecked, 3),
    ),
    row('other processes’ CPU meanwhile (cores)', (summary) => fixed(summary.otherCores)),
  ]);
}

function summaryJson(summary: Summary): Record<string, number | null> {
  return {
    distributionSec: round(summary.distributionSec),
    boundSec: round(summary.boundSec),
    ratio: round(summary.ratio),
    seederUploadShare: round(summary.seederUploadShare),
    goodputMBps: round(summary.goodputBytesPerSec / 1e6),
    rawMBps: round(summary.rawBytesPerSec / 1e6),
    goodputOverRaw: round(summary.goodputOverRaw),
    rawFreshMBps: round(summary.rawFreshBytesPerSec / 1e6),
    goodputOverRawFresh: round(summary.goodputOverRawFresh),
    uiBoundSec: round(summary.uiBoundSec),
    uiRatio: round(summary.uiRatio),
    browserCores: round(summary.browserCores),
    browserCpuSecPerMiB: round(summary.browserCpuSecPerMiB),
    browserCpuSecPerMiBToChecked: round(summary.browserCpuSecPerMiBToChecked),
    otherCores: round(summary.otherCores),
  };
}

function perRunJson(options: SwarmOptions, results: readonly RunResult[]): unknown[] {
  return results.map((run) => ({
    runNumber: run.runNumber,
    distributionSec: round(run.distributionSec),
    boundSec: run.boundSec === null ? null : round(run.boundSec),
    ratio: run.ratio === null ? null : round(run.ratio),
    uiBoundSec: run.uiBoundSec === null ? null : round(run.uiBoundSec),
    uiBoundEstimated: run.uiBoundEstimated,
    seederUploadShare: run.seederUploadShare === null ? null : round(run.seederUploadShare),
    goodputMBps: round(run.goodputBytesPerSec / 1e6),
    completedAfterSec: run.completedAfterSec.map((sec) => (sec === null ? null : round(sec))),
    browserCores: run.cores.browser === undefined ? null : round(run.cores.browser),
    browserCpuSecPerMiB: round(run.browserCpuSecPerMiB),
    browserCpuSecPerMiBToChecked: round(run.browserCpuSecPerMiBToChecked),
    otherCores: run.cores.other === undefined ? null : round(run.cores.other),
    udp: run.udp ?? null,
    ...(options.timeline
      ? {
          timelineAtSec: run.timelineAtSec.map((sec) => round(sec, 2)),
          timelinesMB: run.timelinesMB.map((line) => line.map((mb) => round(mb, 2))),
        }
      : {}),
  }));
}

/** Whether `command` is a file in one of `PATH`'s directories. */
function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/**
 * What `--background-tabs` needs, checked before anything runs: found missing only once the visible runs were over
 * (minutes at 8 leechers), it ended the benchmark before their medians were printed, without Xvfb in a stack trace
 * (found by review).
 */
export function checkBackgroundTabsCanRun(
  executablePath: string | undefined,
  commandOnPath: (command: string) => boolean,
): void {
  if (!executablePath)
    throw new BenchFailure('--background-tabs needs a system Chromium (CHROMIUM_PATH or /usr/bin/chromium)');
  if (!commandOnPath('Xvfb'))
    throw new BenchFailure('--background-tabs needs Xvfb, for a headed window (apt-get install xvfb)');
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseSwarmArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  requireBuild(options.staticDir);
  if (options.backgroundTabs) checkBackgroundTabsCanRun(chromiumExecutablePath(), onPath);
  const log = (line: string): void => console.error(line);
  const build = describeBuild(options.staticDir);
  console.log(`web app: ${build}`);
  console.log(
    `swarm: ${options.peers} leecher(s), F = ${options.fileBytes} bytes, ${options.mode}, ` +
      `u_s ${describeRate(options.serverUpBytesPerSec)}, u_i ${describeRate(options.peerUpBytesPerSec)}, ` +
      `d_i ${describeRate(options.peerDownBytesPerSec)}, ${options.runs} run(s); MB = 10^6 bytes`,
  );

  const serverLog: string[] = [];
  const server: SignallingServer = createSignallingServer({
    staticDir: options.staticDir,
    log: (line) => serverLog.push(line),
    // Every tab is on 127.0.0.1: up to 64 of them in one swarm (the seeder and 63 leechers), past the
    // per-address share of its seats.
    limits: { maxPeersPerAddressInSwarm: DEFAULT_LIMITS.maxPeersPerSwarm },
  });
  const measured: Measured[] = [];
  try {
    const { port } = await server.listen(0, '127.0.0.1');
    const baseURL = `http://127.0.0.1:${port}`;
    // One kind after the other, never side by side: each has the machine to itself.
    measured.push(await measure('visible', options, baseURL, log));
    if (options.backgroundTabs) measured.push(await measure('background', options, baseURL, log, measured[0]!.raw));
  } catch (error) {
    if (serverLog.length > 0) log(`server log:\n  ${serverLog.join('\n  ')}`);
    // The visible runs' medians, measured before the background half failed: they were lost with it (found by review).
    if (measured.length > 0) {
      log('the background tabs failed; the visible tabs’ figures:');
      printSummaries(
        options,
        measured.map((one): [TabsKind, Summary] => [one.kind, summarise(one, options.peers * options.fileBytes)]),
      );
    }
    throw error;
  } finally {
    await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
  if (describeBuild(options.staticDir) !== build)
    log(`warning: the web app was rebuilt during the benchmark (now ${describeBuild(options.staticDir)})`);

  const summaries = measured.map((one): [TabsKind, Summary] => [
    one.kind,
    summarise(one, options.peers * options.fileBytes),
  ]);
  printSummaries(options, summaries);
  if (options.json) {
    const [visible, background] = summaries;
    console.log(
      JSON.stringify({
        ...summaryJson(visible![1]),
        peers: options.peers,
        fileBytes: options.fileBytes,
        mode: options.mode,
        serverUpBytesPerSec: options.serverUpBytesPerSec ?? null,
        peerUpBytesPerSec: options.peerUpBytesPerSec ?? null,
        peerDownBytesPerSec: options.peerDownBytesPerSec ?? null,
        runs: options.runs,
        profiled: options.cpuProfileDir !== undefined,
        perRun: perRunJson(options, measured[0]!.results),
        ...(background && {
          backgroundTabs: { ...summaryJson(background[1]), perRun: perRunJson(options, measured[1]!.results) },
        }),
      }),
    );
  }
  return 0;
}
