import type { Browser, BrowserContext, Page } from '@playwright/test';
import { BenchFailure } from './failure';
import { coresBetween, readCpuCounters, type CoresUsed } from './proc-cpu';
import { DEFAULT_HIGH_WATER_BYTES, DEFAULT_LOW_WATER_BYTES, DEFAULT_MESSAGE_BYTES } from './raw-channel';
import { describeLocal, openRoutedPage, packetCounts, type PacketCounts, type RtcPageWindow } from './rtc-page';
import { readUdpCounters, udpDelta, type UdpCounters } from './udp-stats';

/** The pages' origin, answered by Playwright (`openRoutedPage`). */
const PAGE_URL = 'http://127.0.0.1/raw-mesh';
const PAGE_HTML = '<!doctype html><title>raw RTCDataChannel mesh</title>';

export interface RawMeshOptions {
  /** Pages, each in a browser context (a renderer) of its own, as the swarm's tabs are. */
  readonly pages: number;
  /** Each page sends to this many others: the next `flowsPerPage` pages round a ring. */
  readonly flowsPerPage: number;
  /** Bytes each flow carries in one run. */
  readonly bytesPerFlow: number;
  /** Transfers over the same connections, one after another (the first on fresh connections). */
  readonly runs: number;
  /** Abort a run (with a `RawMeshFailure`) after this long. */
  readonly runTimeoutMs: number;
}

export interface RawMeshRun {
  /** All the bytes every page received. */
  readonly bytes: number;
  /** From the start of the sending to the last page's last byte (Node's clock). */
  readonly seconds: number;
  readonly bytesPerSec: number;
  readonly cores: CoresUsed;
  readonly udp: UdpCounters | undefined;
  /** Packets WebRTC handed to its socket in the run, and how many of them the socket refused (dropped). */
  readonly packetsSent: number;
  readonly packetsDiscardedOnSend: number;
}

export interface RawMeshResult {
  /** Connections made (one per pair of pages, as the swarm has), and the time to make them all. */
  readonly connections: number;
  readonly connectSeconds: number;
  readonly runs: readonly RawMeshRun[];
}

/** A mesh that could not be measured (no ICE candidates, a closed channel, a run that timed out). */
export class RawMeshFailure extends BenchFailure {}

/** What each page keeps on `window` between `page.evaluate` calls. Lives in the page: types only here. */
interface MeshConnection {
  readonly pc: RTCPeerConnection;
  channel: RTCDataChannel | undefined;
  readonly opened: Promise<void>;
}
interface MeshState {
  /** By the other page's index. */
  readonly connections: Map<number, MeshConnection>;
  receivedBytes: number;
  expectBytes: number;
  done: (() => void) | undefined;
  /** Rejects what `received` waits on: a channel closed or failed. */
  fail: ((error: Error) => void) | undefined;
  error: string | undefined;
}
type MeshWindow = typeof globalThis & { __rawMesh: MeshState };

// The functions below run in the pages. They declare no named functions (inner helpers are object
// methods): tsx wraps those in a `__name` helper that the page does not have.

/** Makes this page's end of its connection to page `other` (offerer or answerer), with no ICE servers. */
function installConnection(page: Page, other: number, offerer: boolean): Promise<void> {
  return page.evaluate(
    ({ other, offerer }) => {
      const global = globalThis as MeshWindow;
      global.__rawMesh ??= {
        connections: new Map(),
        receivedBytes: 0,
        expectBytes: Number.POSITIVE_INFINITY,
        done: undefined,
        fail: undefined,
        error: undefined,
      };
      const state = global.__rawMesh;
      const pc = new RTCPeerConnection({ iceServers: [] });
      ((globalThis as RtcPageWindow).__rtcPeers ??= new Map()).set(String(other), pc);
      let resolveOpen: (() => void) | undefined;
      let rejectOpen: ((error: Error) => void) | undefined;
      const opened = new Promise<void>((resolve, reject) => {
        resolveOpen = resolve;
        rejectOpen = reject;
      });
      opened.catch(() => {});
      const connection: MeshConnection = { pc, channel: undefined, opened };
      const on = {
        channel(channel: RTCDataChannel): void {
          connection.channel = channel;
          channel.binaryType = 'arraybuffer';
          channel.onopen = () => resolveOpen?.();
          channel.onclose = () => {
            state.error ??= `channel to page ${other} closed`;
            rejectOpen?.(new Error(state.error));
            state.fail?.(new Error(state.error));
          };
          channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
            state.receivedBytes += event.data.byteLength;
            if (state.receivedBytes >= state.expectBytes) {
              const done = state.done;
              state.done = undefined;
              done?.();
            }
          };
        },
      };
      // A connection whose ICE fails never opens its channel, nor closes it (found by review: the set-up waited
      // for ever); raw-channel.ts does the same.
      pc.onconnectionstatechange = () => {
        if (pc.connectionState !== 'failed') return;
        state.error ??= `connection to page ${other} failed`;
        rejectOpen?.(new Error(state.error));
        state.fail?.(new Error(state.error));
      };
      // One reliable, ordered channel per connection, as the app's.
      if (offerer) on.channel(pc.createDataChannel('raw-mesh'));
      else pc.ondatachannel = (event) => on.channel(event.channel);
      state.connections.set(other, connection);
    },
    { other, offerer },
  );
}

function finishConnection(page: Page, other: number, answer: RTCSessionDescriptionInit | undefined): Promise<void> {
  return page.evaluate(
    async ({ other, answer }) => {
      const connection = (globalThis as MeshWindow).__rawMesh.connections.get(other);
      if (!connection) throw new Error(`no connection to page ${other}`);
      if (answer) await connection.pc.setRemoteDescription(answer);
      await connection.opened;
    },
    { other, answer },
  );
}

async function connect(pages: readonly Page[], a: number, b: number): Promise<void> {
  await Promise.all([installConnection(pages[a]!, b, true), installConnection(pages[b]!, a, false)]);
  const offer = await describeLocal(pages[a]!, String(b), undefined);
  if (!offer.sdp?.includes('a=candidate:'))
    throw new RawMeshFailure(
      'a page gathered no ICE candidates: Chromium needs --allow-loopback-in-peer-connection and the ' +
        'camera/microphone permission (newPeerContext in @swarmlab/test-kit/browser), and an http page on 127.0.0.1',
    );
  const answer = await describeLocal(pages[b]!, String(a), offer);
  await Promise.all([finishConnection(pages[a]!, b, answer), finishConnection(pages[b]!, a, undefined)]);
}

/** How long one pair's connection may take: a loopback pair takes well under a second. */
const CONNECT_TIMEOUT_MS = 30_000;

/** `connecting`, or a `RawMeshFailure` naming the pair once `timeoutMs` has passed. */
export async function withDeadline(connecting: Promise<void>, timeoutMs: number, a: number, b: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RawMeshFailure(`page ${a} and page ${b} not connected after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  // Closing the contexts afterwards rejects what `connecting` still awaits: that rejection is not the news.
  connecting.catch(() => {});
  try {
    await Promise.race([connecting, expired]);
  } catch (error) {
    if (error instanceof RawMeshFailure) throw error;
    throw new RawMeshFailure(`page ${a} and page ${b}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts counting this page's received bytes from zero, towards `bytes`. */
function arm(page: Page, bytes: number): Promise<void> {
  return page.evaluate((bytes) => {
    const state = (globalThis as MeshWindow).__rawMesh;
    state.receivedBytes = 0;
    state.expectBytes = bytes;
  }, bytes);
}

/** Resolves when this page has received what `arm` expects; rejects if one of its channels closes first. */
function received(page: Page): Promise<void> {
  return page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const state = (globalThis as MeshWindow).__rawMesh;
        if (state.error) reject(new Error(state.error));
        else if (state.receivedBytes >= state.expectBytes) resolve();
        else {
          state.done = resolve;
          state.fail = reject;
        }
      }),
  );
}

/** Sends `bytes` to each of `targets` in `messageBytes` messages, between the queue marks the app uses. */
function send(page: Page, targets: readonly number[], bytes: number): Promise<void> {
  return page.evaluate(
    async ({ targets, bytes, messageBytes, highWaterBytes, lowWaterBytes }) => {
      const state = (globalThis as MeshWindow).__rawMesh;
      // The content does not matter (nothing on the way compresses); send() copies it, so one buffer does.
      const payload = new Uint8Array(messageBytes).fill(0xa5);
      await Promise.all(
        targets.map(
          (target) =>
            new Promise<void>((resolve, reject) => {
              const channel = state.connections.get(target)?.channel;
              if (!channel) throw new Error(`no channel to page ${target}`);
              let sentBytes = 0;
              const sender = {
                pump(): void {
                  try {
                    while (sentBytes < bytes && channel.bufferedAmount < highWaterBytes) {
                      const size = Math.min(messageBytes, bytes - sentBytes);
                      channel.send(size === messageBytes ? payload : payload.subarray(0, size));
                      sentBytes += size;
                    }
                  } catch (error) {
                    channel.onbufferedamountlow = null;
                    reject(error instanceof Error ? error : new Error(String(error)));
                    return;
                  }
                  if (sentBytes < bytes) return;
                  channel.onbufferedamountlow = null;
                  resolve();
                },
              };
              channel.bufferedAmountLowThreshold = lowWaterBytes;
              channel.onbufferedamountlow = () => sender.pump();
              sender.pump();
            }),
        ),
      );
    },
    {
      targets,
      bytes,
      messageBytes: DEFAULT_MESSAGE_BYTES,
      highWaterBytes: DEFAULT_HIGH_WATER_BYTES,
      lowWaterBytes: DEFAULT_LOW_WATER_BYTES,
    },
  );
}

async function totalPacketCounts(pages: readonly Page[]): Promise<PacketCounts> {
  const counts = await Promise.all(pages.map(packetCounts));
  return counts.reduce((sum, count) => ({ sent: sum.sent + count.sent, discarded: sum.discarded + count.discarded }));
}

async function describeProgress(pages: readonly Page[]): Promise<string> {
  const parts = await Promise.all(
    pages.map((page, i) =>
      page
        .evaluate(() => {
          const state = (globalThis as Partial<MeshWindow>).__rawMesh;
          return state ? `${state.receivedBytes} bytes${state.error ? ` (${state.error})` : ''}` : 'not set up';
        })
        .then(
          (text) => `page ${i}: ${text}`,
          () => `page ${i}: unreadable`,
        ),
    ),
  );
  return parts.join(', ');
}

/** Which pages page `i` sends to: the next `flows` round the ring. */
function ringTargets(i: number, pages: number, flows: number): number[] {
  return Array.from({ length: flows }, (_, d) => (i + d + 1) % pages);
}

/**
 * Bare RTCDataChannels between `pages` pages of `browser` (no swarm engine, no simple-peer, no server):
 * one connection per pair of pages, as the swarm's full mesh, each page sending to the next
 * `flowsPerPage` pages round a ring at once, each flow `bytesPerFlow`. What WebRTC alone delivers with
 * the swarm's shape on this machine: the ceiling for the swarm's aggregate goodput. Runs go one after
 * another over the same connections; the first is on fresh ones. `onRun` sees each run as it ends.
 *
 * The browser must be launched as `launchChromium` (test-kit) does; the contexts are closed before this
 * resolves or rejects.
 * @throws RawMeshFailure when a connection cannot be made or a run outlasts `runTimeoutMs`.
 */
export async function measureRawMesh(
  browser: Browser,
  options: RawMeshOptions,
  onRun?: (run: RawMeshRun, index: number) => void,
): Promise<RawMeshResult> {
  const { pages: pageCount, flowsPerPage, bytesPerFlow, runs } = options;
  if (!Number.isInteger(pageCount) || pageCount < 2)
    throw new RangeError(`pages must be at least 2 (got ${pageCount})`);
  if (!Number.isInteger(flowsPerPage) || flowsPerPage < 1 || flowsPerPage > pageCount - 1)
    throw new RangeError(`flowsPerPage must be from 1 to pages - 1 = ${pageCount - 1} (got ${flowsPerPage})`);
  const contexts: BrowserContext[] = [];
  try {
    const pages = await Promise.all(
      Array.from({ length: pageCount }, () => openRoutedPage(browser, contexts, PAGE_URL, PAGE_HTML)),
    );
    const connectStartMs = performance.now();
    // One pair at a time: ICE gathering and the handshakes of 36 pairs at once only slow each other.
    for (let a = 0; a < pageCount; a++)
      for (let b = a + 1; b < pageCount; b++) await withDeadline(connect(pages, a, b), CONNECT_TIMEOUT_MS, a, b);
    const connectSeconds = (performance.now() - connectStartMs) / 1000;

    const results: RawMeshRun[] = [];
    for (let index = 0; index < runs; index++) {
      const packetsBefore = await totalPacketCounts(pages);
      await Promise.all(pages.map((page) => arm(page, flowsPerPage * bytesPerFlow)));
      const cpuBefore = readCpuCounters();
      const udpBefore = readUdpCounters();
      const startMs = performance.now();
      const transfer = Promise.all([
        ...pages.map(received),
        ...pages.map((page, i) => send(page, ringTargets(i, pageCount, flowsPerPage), bytesPerFlow)),
      ]);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), options.runTimeoutMs);
      });
      const outcome = await Promise.race([transfer, expired])
        .catch(async (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          throw new RawMeshFailure(`run ${index + 1}: ${message} (${await describeProgress(pages)})`);
        })
        .finally(() => clearTimeout(timer));
      if (outcome === 'expired')
        throw new RawMeshFailure(
          `run ${index + 1}: not done after ${options.runTimeoutMs / 1000} s (${await describeProgress(pages)})`,
        );
      const seconds = (performance.now() - startMs) / 1000;
      const cores = coresBetween(cpuBefore, readCpuCounters());
      const udp = udpDelta(udpBefore, readUdpCounters());
      const packetsAfter = await totalPacketCounts(pages);
      const bytes = pageCount * flowsPerPage * bytesPerFlow;
      const run: RawMeshRun = {
        bytes,
        seconds,
        bytesPerSec: bytes / seconds,
        cores,
        udp,
        packetsSent: packetsAfter.sent - packetsBefore.sent,
        packetsDiscardedOnSend: packetsAfter.discarded - packetsBefore.discarded,
      };
      results.push(run);
      onRun?.(run, index);
    }
    return { connections: (pageCount * (pageCount - 1)) / 2, connectSeconds, runs: results };
  } finally {
    await Promise.allSettled(contexts.map((context) => context.close()));
  }
}
