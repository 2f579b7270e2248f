import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from '@playwright/test';
import { table } from './stats';

/** The parts of a DevTools `Profiler.Profile` the summary reads. */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
}
export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** A running JavaScript CPU profile of one page's main thread, through the DevTools protocol. */
export class PageProfiler {
  readonly #session: CDPSession;

  private constructor(session: CDPSession) {
    this.#session = session;
  }

  static async start(page: Page, samplingIntervalUs = 500): Promise<PageProfiler> {
    const session = await page.context().newCDPSession(page);
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await session.send('Profiler.start');
    return new PageProfiler(session);
  }

  /** Stops profiling; stop every tab's profiler at once, so their windows end together. */
  async stop(): Promise<Profile> {
    const { profile } = await this.#session.send('Profiler.stop');
    await this.#session.detach().catch(() => {});
    return profile;
  }
}

/** Writes `<dir>/<name>.cpuprofile` (opens in Chrome DevTools' Performance panel) and returns a summary. */
export function saveProfile(profile: Profile, dir: string, name: string, top = 12): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.cpuprofile`);
  writeFileSync(path, JSON.stringify(profile));
  return `${name} (${path}):\n${summarize(profile, top)}`;
}

/**
 * Self time by function, largest first: where the page's main thread spent the profiled interval. It is
 * wall time: on a busy machine it includes time the thread waited for a core. `(program)` is native
 * work outside JavaScript (e.g. delivering data channel messages), `(idle)` is the thread waiting.
 */
export function summarize(profile: Profile, top: number): string {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = nodes.get(samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const file = url ? url.slice(url.lastIndexOf('/') + 1) : '';
    const key = `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}:${columnNumber + 1}` : ''}`;
    // A sample's delta is the time since the previous one; it is charged to the function on top now.
    selfUs.set(key, (selfUs.get(key) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const totalUs = Math.max(1, profile.endTime - profile.startTime);
  const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return table([
    ['function (self time)', 'ms', '%'],
    ...rows.map(([key, us]) => [key.slice(0, 90), (us / 1000).toFixed(0), ((100 * us) / totalUs).toFixed(1)]),
  ]);
}
