import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { createSignallingServer, type SignallingServer } from '../apps/server/src/index';
import type { SwarmTestHook, SwarmTestState } from '../apps/web/src/lib/test-hook-types';
import { intFlag, parseFlags } from './args';
import { launchChromium, newPeerContext } from './browser';
import { PageProfiler, saveProfile } from './cpu-profile';
import { cpuBetween, machineBusySeconds, sampleDescendantCpu } from './proc-cpu';
import { fixed, mbps, mean, median, round, table } from './stats';
import { readUdpCounters, udpDelta, type UdpCounters } from './udp-stats';

export const USAGE = `usage: npx pnpm@12.4.2 bench transfer [--leechers N] [--file-mib M] [--runs R] [--json]
                                     [--run-timeout-sec S] [--static-dir DIR] [--timeline]
                                     [--cpu-profile DIR]

Starts the real signalling server (serving apps/web/dist) and headless Chromium for each run; a seeder
tab generates an M MiB file, then N leecher tabs open its link at once. Prints per-run tables and medians.

  --leechers N          leecher tabs, each in a browser context of its own (default 1, 1..64)
  --file-mib M          size of the generated file in MiB (default 64, 1..512)
  --runs R              runs; the figures are medians over them (default 3, 1..100)
  --json                end stdout with one line of JSON holding the medians and every run
  --run-timeout-sec S   abort a run that takes longer (default 600)
  --static-dir DIR      serve this build of the web app instead of apps/web/dist (e.g. a copy, so that
                        someone rebuilding apps/web/dist meanwhile does not change what is measured)
  --timeline            print each leecher's progress every 0.5 s (and add it to the JSON)
  --cpu-profile DIR     write a JavaScript CPU profile of every tab's main thread during the transfer
                        to DIR/run<i>-<tab>.cpuprofile and print the top functions by self time
  --help                this text`;

const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DEFAULT_STATIC_DIR = join(REPO_ROOT, 'apps', 'web', 'dist');
const MIB = 1024 * 1024;
/** How often each leecher's state is read. The page itself refreshes it every 250 ms. */
const POLL_MS = 100;

export interface TransferOptions {
  readonly leechers: number;
  readonly fileMib: number;
  readonly runs: number;
  readonly json: boolean;
  readonly runTimeoutSec: number;
  readonly cpuProfileDir: string | undefined;
  readonly timeline: boolean;
  /** The built web app the server serves. */
  readonly staticDir: string;
}

/** A failure that ends the benchmark with its message and exit status 1 (not a usage mistake). */
export class BenchFailure extends Error {
  override readonly name = 'BenchFailure';
}

export function parseTransferArgs(argv: readonly string[]): TransferOptions | 'help' {
  const values = parseFlags(argv, {
    leechers: { type: 'string' },
    'file-mib': { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    'run-timeout-sec': { type: 'string' },
    'cpu-profile': { type: 'string' },
    timeline: { type: 'boolean' },
    'static-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return 'help';
  return {
    leechers: intFlag('leechers', values.leechers, 1, 1, 64),
    fileMib: intFlag('file-mib', values['file-mib'], 64, 1, 512),
    runs: intFlag('runs', values.runs, 3, 1, 100),
    json: values.json ?? false,
    runTimeoutSec: intFlag('run-timeout-sec', values['run-timeout-sec'], 600, 10, 24 * 3600),
    cpuProfileDir: values['cpu-profile'] === undefined ? undefined : resolve(values['cpu-profile']),
    timeline: values.timeline ?? false,
    staticDir: values['static-dir'] === undefined ? DEFAULT_STATIC_DIR : resolve(values['static-dir']),
  };
}

interface LeecherResult {
  /** From just before `page.goto(link)` to the first poll that saw the tab complete. */
  readonly fromOpenSec: number;
  /** From the first poll that saw a downloaded byte to the first that saw the tab complete. */
  readonly fromFirstByteSec: number;
  /** From just before `page.goto(link)` to the first poll that saw a downloaded byte. */
  readonly toFirstByteSec: number;
  /** From just before `page.goto(link)` to its `load` event (the app's bundle loaded and run). */
  readonly toLoadedSec: number;
  /** From just before `page.goto(link)` to the first poll that saw the tab in the swarm (joined, manifest checked). */
  readonly toJoinedSec: number;
  /** From just before `page.goto(link)` to the first poll that saw a connected peer. */
  readonly toConnectedSec: number;
  /** From the first downloaded byte to holding 10 % of the file (start-up of the transfer). */
  readonly firstByteTo10Sec: number;
  /** From holding 90 % of the file to complete (the endgame). */
  readonly from90ToDoneSec: number;
  /** Download rate between holding 10 % and 90 % of the file: the steady state, without start-up and endgame. */
  readonly midMBps: number;
  readonly downloadedBytes: number;
  readonly uploadedBytes: number;
  readonly fileSha256: string;
}

interface RunResult {
  readonly leechers: readonly LeecherResult[];
  /** From the first leecher's `goto` to the last leecher seen complete. */
  readonly swarmSec: number;
  readonly goodputMBps: number;
  readonly seederUploadedBytes: number;
  /** CPU-seconds the browser's processes used during the transfer, per wall-second (cores busy). */
  readonly browserCores: number | undefined;
  /** The same by "process-kind thread-name" (summed over processes), largest first. */
  readonly browserThreadCores: ReadonlyArray<readonly [string, number]>;
  /** The same for this Node process (server, Playwright client, polling). */
  readonly nodeCores: number;
  /** Cores kept busy by everything else on the machine meanwhile (other users' builds and tests skew a run). */
  readonly otherCores: number | undefined;
  readonly profiles: readonly string[];
  /** Changes of the namespace's UDP counters during the transfer (drops: `RcvbufErrors`). */
  readonly udp: UdpCounters | undefined;
  /** Per leecher: MB of verified chunks held every 0.5 s from the first leecher's `goto`. */
  readonly timelines: readonly (readonly number[])[];
}

/** Samples of (time, bytes in verified chunks held) for one leecher. */
type Progress = { readonly atMs: number; readonly bytes: number }[];

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

// page.evaluate callbacks must not declare named functions: tsx (esbuild's keepNames) wraps them in a
// `__name` helper that does not exist in the page ("ReferenceError: __name is not defined").
function readState(page: Page): Promise<SwarmTestState | undefined> {
  return page.evaluate(() => (window as unknown as { __swarm?: SwarmTestHook }).__swarm?.state());
}

/** One tab's state in a line or a few, for the message of a failed or aborted run. */
function describeState(name: string, state: SwarmTestState | undefined, seenSecAgo: number): string {
  if (!state) return `${name}: no state read yet`;
  const head =
    `${name} (${seenSecAgo.toFixed(1)} s ago): phase ${state.phase}${state.error ? ` (${state.error})` : ''}, ` +
    `${state.chunksHeld}/${state.chunkCount} chunks${state.complete ? ' complete' : ''}, ` +
    `${state.connectedPeers} peer(s), ↓ ${(state.downloadedBytes / 1e6).toFixed(1)} MB, ` +
    `↑ ${(state.uploadedBytes / 1e6).toFixed(1)} MB`;
  // `peers` came later to the test hook; older builds lack it.
  const peers = (state as Partial<SwarmTestState> & { peers?: unknown }).peers;
  return Array.isArray(peers) ? [head, ...peers.map((line) => `    ${String(line)}`)].join('\n') : head;
}

/** Rejects after `ms` with `message`; `cancel` clears the timer. */
function timeout(ms: number, message: string): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchFailure(message)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/** Waits for `step` to return a value, reading every `POLL_MS`, while `live()` holds. */
async function pollUntil<T>(live: () => void, step: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    live();
    const value = await step();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
}

function failIfFailed(who: string, state: SwarmTestState | undefined): void {
  if (state?.phase === 'failed') throw new BenchFailure(`${who} failed: ${state.error ?? 'no message'}`);
}

/** Megabytes held at `startMs`, `startMs + stepMs`, … up to the last sample (the latest sample at or before each). */
function sampleEvery(progress: Progress, startMs: number, stepMs: number): number[] {
  const out: number[] = [];
  const lastMs = progress.at(-1)?.atMs ?? startMs;
  let i = 0;
  for (let atMs = startMs; atMs <= lastMs + stepMs; atMs += stepMs) {
    while (i < progress.length && progress[i]!.atMs <= atMs) i++;
    out.push((progress[i - 1]?.bytes ?? 0) / 1e6);
  }
  return out;
}

/** Time at which `bytes` first reached `threshold`, interpolated between samples. */
function timeAtBytes(progress: Progress, threshold: number): number | undefined {
  for (let i = 0; i < progress.length; i++) {
    const sample = progress[i]!;
    if (sample.bytes < threshold) continue;
    const previous = progress[i - 1];
    if (!previous || sample.bytes === previous.bytes) return sample.atMs;
    return (
      previous.atMs + ((threshold - previous.bytes) / (sample.bytes - previous.bytes)) * (sample.atMs - previous.atMs)
    );
  }
  return undefined;
}

async function runOnce(options: TransferOptions, run: number, log: (line: string) => void): Promise<RunResult> {
  const fileBytes = options.fileMib * MIB;
  const serverLog: string[] = [];
  const server: SignallingServer = createSignallingServer({
    staticDir: options.staticDir,
    log: (line) => serverLog.push(line),
  });
  let browser: Browser | undefined;
  let stopped = false;
  /** Each tab's latest state and when it was read, for the message of a failed or aborted run. */
  const lastSeen = new Map<string, { state: SwarmTestState | undefined; atMs: number }>();
  const tabs = new Map<Page, string>();
  const observe = async (name: string, page: Page): Promise<SwarmTestState | undefined> => {
    const state = await readState(page);
    lastSeen.set(name, { state, atMs: performance.now() });
    return state;
  };
  const live = (): void => {
    if (stopped) throw new BenchFailure('run stopped');
  };
  const limit = timeout(
    options.runTimeoutSec * 1000,
    `run ${run} took more than ${options.runTimeoutSec} s and was aborted ` +
      `(${options.leechers} leechers, ${options.fileMib} MiB; --run-timeout-sec sets the limit)`,
  );

  const body = async (): Promise<RunResult> => {
    const { port } = await server.listen(0, '127.0.0.1');
    const baseURL = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
    const openBrowser = browser;

    // The seeder: generate, read the link, wait until it has hashed the whole file.
    const seederContext = await newPeerContext(openBrowser, baseURL);
    const seeder = await seederContext.newPage();
    tabs.set(seeder, 'seeder');
    seeder.on('pageerror', (error) => log(`[seeder page error] ${error.message}`));
    await seeder.goto('/');
    await seeder.getByTestId('size-mib').fill(String(options.fileMib));
    await seeder.getByTestId('generate').click();
    const link = new URL(
      await pollUntil(live, async () => {
        const value = await seeder
          .getByTestId('share-link')
          .inputValue({ timeout: 1000 })
          .catch(() => '');
        if (!value) failIfFailed('seeder', await observe('seeder', seeder));
        return /#\/swarm\//.test(value) ? value : undefined;
      }),
      baseURL,
    ).href;
    const seederHash = await pollUntil(live, async () => {
      const state = await observe('seeder', seeder);
      failIfFailed('seeder', state);
      return state?.complete ? state.fileSha256 : undefined;
    });
    log(`  run ${run}: seeder ready (${options.fileMib} MiB, sha256 ${seederHash.slice(0, 12)}…)`);

    // Leecher tabs exist before the clock starts; opening the link is what is timed.
    const leecherPages = await Promise.all(
      Array.from({ length: options.leechers }, async (_, index) => {
        const page = await (await newPeerContext(openBrowser, baseURL)).newPage();
        tabs.set(page, `leecher ${index + 1}`);
        page.on('pageerror', (error) => log(`[leecher ${index + 1} page error] ${error.message}`));
        return page;
      }),
    );
    // Index 0 is the seeder, i the i-th leecher.
    const profilers: Array<Promise<PageProfiler> | undefined> = [];
    if (options.cpuProfileDir) profilers[0] = PageProfiler.start(seeder);

    const cpuBefore = sampleDescendantCpu();
    const machineBefore = machineBusySeconds();
    const udpBefore = readUdpCounters();
    const nodeCpuBefore = process.cpuUsage();
    const startMs = performance.now();
    const progresses: Progress[] = leecherPages.map(() => []);
    const timings = await Promise.all(
      leecherPages.map(async (page, index) => {
        const openedAtMs = performance.now();
        await page.goto(link);
        const loadedAtMs = performance.now();
        if (options.cpuProfileDir) profilers[index + 1] = PageProfiler.start(page);
        let firstByteAtMs: number | undefined;
        let connectedAtMs: number | undefined;
        let joinedAtMs: number | undefined;
        const completeAtMs = await pollUntil(live, async () => {
          const state = await observe(`leecher ${index + 1}`, page);
          const nowMs = performance.now();
          failIfFailed(`leecher ${index + 1}`, state);
          if (!state) return undefined;
          progresses[index]!.push({
            atMs: nowMs,
            bytes: state.chunksHeld * (fileBytes / Math.max(1, state.chunkCount)),
          });
          if (firstByteAtMs === undefined && state.downloadedBytes > 0) firstByteAtMs = nowMs;
          if (connectedAtMs === undefined && state.connectedPeers > 0) connectedAtMs = nowMs;
          if (joinedAtMs === undefined && state.phase === 'running') joinedAtMs = nowMs;
          return state.complete ? nowMs : undefined;
        });
        return {
          openedAtMs,
          loadedAtMs,
          joinedAtMs: joinedAtMs ?? completeAtMs,
          connectedAtMs: connectedAtMs ?? completeAtMs,
          firstByteAtMs: firstByteAtMs ?? completeAtMs,
          completeAtMs,
        };
      }),
    );
    const endMs = performance.now();
    const cpuAfter = sampleDescendantCpu();
    const machineAfter = machineBusySeconds();
    const udp = udpDelta(udpBefore, readUdpCounters());
    const nodeCpu = process.cpuUsage(nodeCpuBefore);
    const wallSec = (endMs - startMs) / 1000;

    const profiles: string[] = [];
    if (options.cpuProfileDir) {
      const dir = options.cpuProfileDir;
      const names = ['seeder', ...leecherPages.map((_, index) => `leecher${index + 1}`)];
      const stopped = await Promise.all(profilers.map(async (profiler) => (await profiler)?.stop()));
      for (const [i, profile] of stopped.entries())
        if (profile) profiles.push(saveProfile(profile, dir, `run${run}-${names[i] ?? `tab${i}`}`));
    }

    // Every leecher hashes the whole file after completing; all must match the seeder.
    const finals = await Promise.all(
      leecherPages.map((page, index) =>
        pollUntil(live, async () => {
          const state = await observe(`leecher ${index + 1}`, page);
          failIfFailed(`leecher ${index + 1}`, state);
          return state?.fileSha256 === undefined ? undefined : state;
        }),
      ),
    );
    const mismatches = finals
      .map((state, index) => ({ index, hash: state.fileSha256 }))
      .filter(({ hash }) => hash !== seederHash);
    if (mismatches.length > 0)
      throw new BenchFailure(
        `SHA-256 mismatch in run ${run}: seeder ${seederHash}\n` +
          mismatches.map(({ index, hash }) => `  leecher ${index + 1}: ${hash ?? 'none'}`).join('\n'),
      );
    const seederFinal = await readState(seeder);

    const firstOpenMs = Math.min(...timings.map((timing) => timing.openedAtMs));
    const swarmSec = (Math.max(...timings.map((timing) => timing.completeAtMs)) - firstOpenMs) / 1000;
    const leechers = timings.map((timing, index): LeecherResult => {
      const progress = progresses[index]!;
      // Polls of a busy tab can be late: the 10 % mark cannot come before the first byte was seen.
      const at10Raw = timeAtBytes(progress, 0.1 * fileBytes);
      const at10 = at10Raw === undefined ? undefined : Math.max(at10Raw, timing.firstByteAtMs);
      const at90 = timeAtBytes(progress, 0.9 * fileBytes);
      return {
        fromOpenSec: (timing.completeAtMs - timing.openedAtMs) / 1000,
        fromFirstByteSec: (timing.completeAtMs - timing.firstByteAtMs) / 1000,
        toFirstByteSec: (timing.firstByteAtMs - timing.openedAtMs) / 1000,
        toLoadedSec: (timing.loadedAtMs - timing.openedAtMs) / 1000,
        toJoinedSec: (timing.joinedAtMs - timing.openedAtMs) / 1000,
        toConnectedSec: (timing.connectedAtMs - timing.openedAtMs) / 1000,
        firstByteTo10Sec: at10 === undefined ? Number.NaN : (at10 - timing.firstByteAtMs) / 1000,
        from90ToDoneSec: at90 === undefined ? Number.NaN : (timing.completeAtMs - at90) / 1000,
        midMBps:
          at10 !== undefined && at90 !== undefined && at90 > at10
            ? mbps(0.8 * fileBytes, (at90 - at10) / 1000)
            : Number.NaN,
        downloadedBytes: finals[index]!.downloadedBytes,
        uploadedBytes: finals[index]!.uploadedBytes,
        fileSha256: finals[index]!.fileSha256!,
      };
    });
    const browserCpu = cpuBetween(cpuBefore, cpuAfter);
    const nodeCores = (nodeCpu.user + nodeCpu.system) / 1e6 / wallSec;
    const machineCores =
      machineBefore === undefined || machineAfter === undefined ? undefined : (machineAfter - machineBefore) / wallSec;
    return {
      leechers,
      swarmSec,
      goodputMBps: mbps(options.leechers * fileBytes, swarmSec),
      seederUploadedBytes: seederFinal?.uploadedBytes ?? Number.NaN,
      browserCores: browserCpu === undefined ? undefined : browserCpu.total / wallSec,
      browserThreadCores: [...(browserCpu?.byLabel ?? [])]
        .map(([label, seconds]): [string, number] => [label, seconds / wallSec])
        .sort((a, b) => b[1] - a[1]),
      nodeCores,
      otherCores:
        machineCores === undefined || browserCpu === undefined
          ? undefined
          : Math.max(0, machineCores - browserCpu.total / wallSec - nodeCores),
      profiles,
      udp,
      timelines: progresses.map((progress) => sampleEvery(progress, firstOpenMs, 500)),
    };
  };

  try {
    return await Promise.race([body(), limit.promise]);
  } catch (error) {
    if (serverLog.length > 0) log(`  server log of run ${run}:\n    ${serverLog.join('\n    ')}`);
    // The seeder's state was last read when it became ready: read it (and the rest) once more if we can.
    await Promise.race([Promise.allSettled([...tabs].map(([page, name]) => observe(name, page))), sleep(5000)]);
    const nowMs = performance.now();
    for (const [name, { state, atMs }] of lastSeen)
      log(`  ${describeState(name, state, (nowMs - atMs) / 1000).replaceAll('\n', '\n  ')}`);
    throw error;
  } finally {
    stopped = true;
    limit.cancel();
    const closing = timeout(30_000, 'closing the browser and server took more than 30 s');
    await Promise.race([
      Promise.allSettled([browser?.close(), server.close()]),
      closing.promise.catch((error: unknown) => log(`  ${String(error)}`)),
    ]);
    closing.cancel();
  }
}

function printRun(options: TransferOptions, run: number, result: RunResult): void {
  const fileBytes = options.fileMib * MIB;
  const rows = result.leechers.map((leecher, index) => [
    `leecher ${index + 1}`,
    fixed(leecher.fromOpenSec),
    fixed(mbps(fileBytes, leecher.fromOpenSec)),
    fixed(leecher.toFirstByteSec),
    fixed(leecher.fromFirstByteSec),
    fixed(mbps(fileBytes, leecher.fromFirstByteSec)),
    fixed(leecher.midMBps),
    fixed(leecher.downloadedBytes / 1e6, 1),
    fixed(leecher.uploadedBytes / 1e6, 1),
  ]);
  console.log(
    `\nrun ${run}/${options.runs}: ${options.leechers} leecher(s), ${options.fileMib} MiB (${fileBytes} bytes)`,
  );
  console.log(
    table([
      ['', 'open→done s', 'MB/s', 'open→1st byte s', '1st byte→done s', 'MB/s', '10–90% MB/s', '↓ MB', '↑ MB'],
      ...rows,
    ]),
  );
  // Where each leecher's time went: a time line from opening the link, then the transfer's three phases.
  console.log(
    table([
      ['phases (s)', 'page loaded', 'joined', 'peer connected', '1st byte', '1st byte→10%', '10→90%', '90%→done'],
      ...result.leechers.map((leecher, index) => [
        `leecher ${index + 1}`,
        fixed(leecher.toLoadedSec),
        fixed(leecher.toJoinedSec),
        fixed(leecher.toConnectedSec),
        fixed(leecher.toFirstByteSec),
        fixed(leecher.firstByteTo10Sec),
        fixed((0.8 * fileBytes) / 1e6 / leecher.midMBps),
        fixed(leecher.from90ToDoneSec),
      ]),
    ]),
  );
  const cores = availableParallelism();
  console.log(
    `swarm time ${fixed(result.swarmSec)} s   goodput ${fixed(result.goodputMBps)} MB/s (N × F / swarm time)   ` +
      `seeder uploaded ${fixed(result.seederUploadedBytes / 1e6, 1)} MB (${fixed(result.seederUploadedBytes / fileBytes)} × F)`,
  );
  console.log(
    `CPU during transfer: browser ${fixed(result.browserCores)} + node ${fixed(result.nodeCores)} ` +
      `+ other processes ${fixed(result.otherCores)} of ${cores} cores`,
  );
  const threads = result.browserThreadCores.filter(([, used]) => used >= 0.01).slice(0, 10);
  if (threads.length > 0)
    console.log(`  by thread (cores): ${threads.map(([label, used]) => `${label} ${fixed(used)}`).join(', ')}`);
  if (result.udp)
    console.log(
      `  UDP during transfer: ${Object.entries(result.udp)
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')}`,
    );
  if (options.timeline)
    for (const [index, timeline] of result.timelines.entries())
      console.log(`  leecher ${index + 1} MB held every 0.5 s: ${timeline.map((mb) => mb.toFixed(0)).join(' ')}`);
  for (const profile of result.profiles) console.log(`\n${profile}`);
}

/** Which build of the web app is served: its entry script and when it was built (others may rebuild it). */
function describeBuild(staticDir: string): string {
  const html = readFileSync(join(staticDir, 'index.html'), 'utf8');
  const script = /<script[^>]+src="\/?([^"]+)"/.exec(html)?.[1];
  if (!script) return staticDir;
  const path = join(staticDir, script);
  const built = existsSync(path) ? ` built ${statSync(path).mtime.toISOString()}` : ' (missing!)';
  return `${path}${built}`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseTransferArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const options = parsed;
  const index = join(options.staticDir, 'index.html');
  if (!existsSync(index))
    throw new BenchFailure(
      options.staticDir === DEFAULT_STATIC_DIR
        ? `${index} is missing: run \`npx pnpm@12.4.2 build\` first.`
        : `${index} is missing: --static-dir must name a built web app (apps/web/dist after \`npx pnpm@12.4.2 build\`).`,
    );

  const fileBytes = options.fileMib * MIB;
  const log = (line: string): void => console.error(line);
  const build = describeBuild(options.staticDir);
  console.log(`web app: ${build}`);
  console.log(
    `transfer: ${options.leechers} leecher(s), ${options.fileMib} MiB file, ${options.runs} run(s); ` +
      `MB = 10^6 bytes; completion is seen by polling every ${POLL_MS} ms a state the page refreshes every 250 ms`,
  );
  const results: RunResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    log(`run ${run}/${options.runs}…`);
    const result = await runOnce(options, run, log);
    results.push(result);
    printRun(options, run, result);
    if (describeBuild(options.staticDir) !== build)
      log(
        `warning: the web app was rebuilt during run ${run} (now ${describeBuild(options.staticDir)}); runs mix builds`,
      );
  }

  const all = results.flatMap((result) => result.leechers);
  const summary = {
    leechers: options.leechers,
    fileBytes,
    runs: options.runs,
    medianSwarmSec: median(results.map((result) => result.swarmSec)),
    medianGoodputMBps: median(results.map((result) => result.goodputMBps)),
    medianPerLeecherMBps: median(all.map((leecher) => mbps(fileBytes, leecher.fromOpenSec))),
    medianFromOpenSec: median(all.map((leecher) => leecher.fromOpenSec)),
    medianFromFirstByteSec: median(all.map((leecher) => leecher.fromFirstByteSec)),
    medianPerLeecherFromFirstByteMBps: median(all.map((leecher) => mbps(fileBytes, leecher.fromFirstByteSec))),
    medianToFirstByteSec: median(all.map((leecher) => leecher.toFirstByteSec)),
    medianMidTransferMBps: median(all.map((leecher) => leecher.midMBps)),
    // Sum over a run's leechers of their 10–90 % rates: the swarm's steady-state delivery rate, to set
    // against a single leecher's (the machine's limit when CPU-bound) without start-up and endgame.
    medianAggregateMidTransferMBps: median(
      results.map((result) => result.leechers.reduce((sum, leecher) => sum + leecher.midMBps, 0)),
    ),
    medianSeederUploadedPerFile: median(results.map((result) => result.seederUploadedBytes / fileBytes)),
    medianBrowserCores: median(
      results.flatMap((result) => (result.browserCores === undefined ? [] : [result.browserCores])),
    ),
    meanNodeCores: mean(results.map((result) => result.nodeCores)),
    medianOtherCores: median(results.flatMap((result) => (result.otherCores === undefined ? [] : [result.otherCores]))),
  };

  console.log(`\nmedians over ${options.runs} run(s) (per-leecher figures: over all ${all.length} leecher downloads)`);
  console.log(
    table([
      ['figure', 'median'],
      ['swarm time (s)', fixed(summary.medianSwarmSec)],
      ['goodput N × F / swarm time (MB/s)', fixed(summary.medianGoodputMBps)],
      ['per leecher, open → done (s)', fixed(summary.medianFromOpenSec)],
      ['per leecher, F / (open → done) (MB/s)', fixed(summary.medianPerLeecherMBps)],
      ['per leecher, open → first byte (s)', fixed(summary.medianToFirstByteSec)],
      ['per leecher, first byte → done (s)', fixed(summary.medianFromFirstByteSec)],
      ['per leecher, F / (first byte → done) (MB/s)', fixed(summary.medianPerLeecherFromFirstByteMBps)],
      ['per leecher, 10 % → 90 % of F (MB/s)', fixed(summary.medianMidTransferMBps)],
      ['all leechers, sum of 10 % → 90 % rates (MB/s)', fixed(summary.medianAggregateMidTransferMBps)],
      ['seeder uploaded (× F)', fixed(summary.medianSeederUploadedPerFile)],
      [`browser CPU during transfer (cores of ${availableParallelism()})`, fixed(summary.medianBrowserCores)],
      ['other processes’ CPU meanwhile (cores)', fixed(summary.medianOtherCores)],
    ]),
  );
  if (options.leechers === 1)
    console.log(
      `single leecher from the seeder: ${fixed(summary.medianPerLeecherMBps)} MB/s from opening the link, ` +
        `${fixed(summary.medianPerLeecherFromFirstByteMBps)} MB/s from its first byte ` +
        `(raw RTCDataChannel here: 22–30 MB/s, see TESTING.md)`,
    );

  if (options.json) {
    const json = {
      ...Object.fromEntries(
        Object.entries(summary).map(([key, value]) => [
          key,
          key === 'leechers' || key === 'fileBytes' || key === 'runs' ? value : round(value),
        ]),
      ),
      singleLeecherMBps: options.leechers === 1 ? round(summary.medianPerLeecherMBps) : null,
      perRun: results.map((result) => ({
        swarmSec: round(result.swarmSec),
        goodputMBps: round(result.goodputMBps),
        seederUploadedBytes: result.seederUploadedBytes,
        browserCores: result.browserCores === undefined ? null : round(result.browserCores),
        browserThreadCores: Object.fromEntries(
          result.browserThreadCores.filter(([, used]) => used >= 0.005).map(([label, used]) => [label, round(used, 3)]),
        ),
        nodeCores: round(result.nodeCores),
        otherCores: result.otherCores === undefined ? null : round(result.otherCores),
        udp: result.udp ?? null,
        ...(options.timeline
          ? { timelinesMB: result.timelines.map((timeline) => timeline.map((mb) => round(mb, 2))) }
          : {}),
        leechers: result.leechers.map((leecher) => ({
          fromOpenSec: round(leecher.fromOpenSec),
          fromFirstByteSec: round(leecher.fromFirstByteSec),
          toFirstByteSec: round(leecher.toFirstByteSec),
          toLoadedSec: round(leecher.toLoadedSec),
          toJoinedSec: round(leecher.toJoinedSec),
          toConnectedSec: round(leecher.toConnectedSec),
          firstByteTo10Sec: round(leecher.firstByteTo10Sec),
          from90ToDoneSec: round(leecher.from90ToDoneSec),
          midMBps: round(leecher.midMBps),
          downloadedBytes: leecher.downloadedBytes,
          uploadedBytes: leecher.uploadedBytes,
        })),
      })),
    };
    console.log(JSON.stringify(json));
  }
  return 0;
}
