import type { Browser, BrowserContext, Page } from '@playwright/test';
import { BenchFailure } from './failure';
import { describeLocal, openRoutedPage, packetCounts, type RtcPageWindow } from './rtc-page';

/** The engine's block size (`blockBytes` in packages/engine/src/engine-config.ts): what the app sends. */
export const DEFAULT_MESSAGE_BYTES = 32 * 1024;
/** Sending pauses while this much waits in the channel's queue: the engine's `sendHighWaterBytes`. */
export const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024;
/** `bufferedamountlow` fires at this queue length: the app link's `DRAIN_THRESHOLD_BYTES`. */
export const DEFAULT_LOW_WATER_BYTES = 256 * 1024;
/** Largest message allowed here: what two Chromiums advertise as `pc.sctp.maxMessageSize`. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * The pages' origin. Nothing listens there: each context answers it from Playwright (`context.route`).
 * An http page on 127.0.0.1 is what the app has, and the condition under which Chromium is known to
 * gather loopback ICE candidates in the private namespace. (`about:blank` and `data:` pages also
 * gathered them when tried with Chromium 156 here, but nothing relies on that.)
 */
const PAGE_URL = 'http://127.0.0.1/raw-channel';
const PAGE_HTML = '<!doctype html><title>raw RTCDataChannel</title>';
/** The one connection's name in each page (`rtc-page.ts`). */
const PEER_NAME = 'raw';
/** How long reading the receiver's progress for a failure message may take. */
const PROGRESS_READ_MS = 2000;
/** The most transfers on one connection. */
export const MAX_TRANSFERS = 21;

export interface RawChannelOptions {
  /** Bytes to send in total. */
  readonly bytes: number;
  /** Bytes per `send()`; the last message may be shorter. Default 32 KiB, at most 256 KiB. */
  readonly messageBytes?: number;
  /** Stop calling `send()` while `bufferedAmount` is at least this. Default 1 MiB. */
  readonly highWaterBytes?: number;
  /** `bufferedAmountLowThreshold`: where sending resumes. Default 256 KiB. */
  readonly lowWaterBytes?: number;
  /** Abort (with a `RawChannelFailure`) after this long. Default 60 s plus 1 s per MB to send. */
  readonly timeoutMs?: number;
  /**
   * Called in Node just before the sending starts and just after the last byte arrived, while both
   * pages are still open: e.g. to sample the browser's CPU time over the transfer alone.
   */
  readonly onTransfer?: { readonly start?: () => void; readonly end?: () => void };
  /**
   * The receiving page reproduces the app's `CollectionHint` (packages/webrtc) for what it receives: an
   * untouched ArrayBuffer of `hintBytes` after every `everyBytes`, at most one per `minIntervalMs`, each held
   * until the next replaces it. Default none.
   */
  readonly collectionHint?: {
    readonly everyBytes: number;
    readonly hintBytes: number;
    readonly minIntervalMs: number;
  };
  /**
   * Transfers of `bytes` on the one connection, one after the other (default 1). The first is a fresh
   * connection's, slowed at times by the packets its socket refuses early on (bench/README.md, `mesh`); the
   * later ones are a settled connection's, as the swarm's runs are.
   */
  readonly transfers?: number;
}

export interface RawChannelResult {
  readonly bytes: number;
  readonly messageBytes: number;
  readonly messages: number;
  /**
   * The receiver's rate from its first message to its last: the bytes after the first message over that time
   * (the first message's own bytes arrived before the clock started; counting them too overstated the rate by
   * n/(n−1), a third for 4 messages).
   */
  readonly bytesPerSec: number;
  /** Receiver's first message to its last. */
  readonly seconds: number;
  /** From the sender's first `send()` to the receiver's last message (clocks of two renderers; see below). */
  readonly fromStartSeconds: number;
  readonly fromStartBytesPerSec: number;
  /** From the sender's first `send()` to its last (when the last message was queued, not delivered). */
  readonly queueSeconds: number;
  /** From creating the peer connections to the channel open at both ends: SDP, ICE, DTLS, SCTP. */
  readonly connectSeconds: number;
  /** `pc.sctp.maxMessageSize` as the sender saw it. */
  readonly maxMessageBytes: number;
  /**
   * Packets the sender's WebRTC handed to its socket, and how many of those the socket refused
   * (`packetsDiscardedOnSend` of the connection's candidate pair): SCTP then waits to resend them, which is
   * what makes a fresh connection's first MiBs slow at times (bench/README.md, `mesh`).
   */
  readonly packetsSent: number;
  readonly packetsDiscardedOnSend: number;
}

/** A run that could not be measured (no ICE candidates, a closed channel, a timeout). */
export class RawChannelFailure extends BenchFailure {}

/** What each page keeps on `window` between `page.evaluate` calls. Lives in the page: types only here. */
interface PeerState {
  readonly pc: RTCPeerConnection;
  channel: RTCDataChannel | undefined;
  /** Resolves when this end's channel is open; rejects if it closes first. */
  readonly opened: Promise<void>;
  receivedBytes: number;
  receivedMessages: number;
  /** Messages whose first byte was not its sequence number mod 256 (lost, repeated or reordered). */
  misordered: number;
  firstAtMs: number | undefined;
  lastAtMs: number | undefined;
  /** Bytes after which the receiver calls `done`. */
  expectBytes: number;
  done: (() => void) | undefined;
  /** Why the channel or connection failed, for the message of an aborted run. */
  error: string | undefined;
  /** The collection hint this page gives for what it receives, if any; bytes and time since its last. */
  hint: { readonly everyBytes: number; readonly hintBytes: number; readonly minIntervalMs: number } | undefined;
  sinceHintBytes: number;
  lastHintAtMs: number;
  heldHint: ArrayBuffer | undefined;
}

type PeerWindow = typeof globalThis & { __rawChannel: PeerState };

interface SendPlan {
  readonly bytes: number;
  readonly messageBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
}

// The functions below run in the pages. They declare no named functions (inner helpers are object
// methods): tsx wraps those in a `__name` helper that the page does not have.

/** Makes the page's peer connection, with no ICE servers: host candidates only, 127.0.0.1 here. */
function installPeer(page: Page, offerer: boolean, hint: RawChannelOptions['collectionHint']): Promise<void> {
  return page.evaluate(
    ({ offerer, hint, name }) => {
      const pc = new RTCPeerConnection({ iceServers: [] });
      ((globalThis as RtcPageWindow).__rtcPeers ??= new Map()).set(name, pc);
      // Assigned by the executor, which runs at once.
      let resolveOpen: (() => void) | undefined;
      let rejectOpen: ((error: Error) => void) | undefined;
      const opened = new Promise<void>((resolve, reject) => {
        resolveOpen = resolve;
        rejectOpen = reject;
      });
      // Read by `whenOpen`; until then a rejection is kept, not reported as unhandled.
      opened.catch(() => {});
      const state: PeerState = {
        pc,
        channel: undefined,
        opened,
        receivedBytes: 0,
        receivedMessages: 0,
        misordered: 0,
        firstAtMs: undefined,
        lastAtMs: undefined,
        expectBytes: Number.POSITIVE_INFINITY,
        done: undefined,
        error: undefined,
        hint,
        sinceHintBytes: 0,
        lastHintAtMs: Number.NEGATIVE_INFINITY,
        heldHint: undefined,
      };
      const on = {
        channel(channel: RTCDataChannel): void {
          state.channel = channel;
          channel.binaryType = 'arraybuffer';
          channel.onopen = () => resolveOpen?.();
          channel.onclose = () => {
            state.error ??= 'data channel closed';
            rejectOpen?.(new Error(state.error));
          };
          channel.onerror = (event) => {
            state.error = `data channel error: ${(event as RTCErrorEvent).error?.message ?? 'unknown'}`;
          };
          channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
            const nowMs = performance.timeOrigin + performance.now();
            const data = event.data;
            if (new Uint8Array(data, 0, 1)[0] !== (state.receivedMessages & 255)) state.misordered++;
            state.receivedMessages++;
            state.receivedBytes += data.byteLength;
            // What the app's CollectionHint does (packages/webrtc/src/collection-hint.ts).
            if (
              state.hint &&
              (state.sinceHintBytes += data.byteLength) >= state.hint.everyBytes &&
              performance.now() - state.lastHintAtMs >= state.hint.minIntervalMs
            ) {
              state.sinceHintBytes = 0;
              state.lastHintAtMs = performance.now();
              state.heldHint = undefined;
              state.heldHint = new ArrayBuffer(state.hint.hintBytes);
            }
            state.firstAtMs ??= nowMs;
            if (state.receivedBytes >= state.expectBytes && state.lastAtMs === undefined) {
              state.lastAtMs = nowMs;
              state.done?.();
            }
          };
        },
      };
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'failed') {
          state.error ??= 'peer connection failed';
          rejectOpen?.(new Error(state.error));
        }
      };
      // One reliable, ordered channel: the defaults of createDataChannel.
      if (offerer) on.channel(pc.createDataChannel('raw'));
      else pc.ondatachannel = (event) => on.channel(event.channel);
      (globalThis as PeerWindow).__rawChannel = state;
    },
    { offerer, hint, name: PEER_NAME },
  );
}

function acceptAnswer(page: Page, answer: RTCSessionDescriptionInit): Promise<void> {
  return page.evaluate(async (answer) => {
    await (globalThis as PeerWindow).__rawChannel.pc.setRemoteDescription(answer);
  }, answer);
}

/** Waits for the channel to open; resolves to `pc.sctp.maxMessageSize`. */
function whenOpen(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const state = (globalThis as PeerWindow).__rawChannel;
    await state.opened;
    return state.pc.sctp?.maxMessageSize ?? 0;
  });
}

/**
 * Sends `plan.bytes` in `plan.messageBytes` messages, the first byte of each its sequence number mod
 * 256. Calls `send()` while `bufferedAmount` is under the high-water mark and resumes on
 * `bufferedamountlow`, as the app's link does. Resolves to the times of the first and last `send()`.
 */
function sendAll(page: Page, plan: SendPlan): Promise<{ startAtMs: number; queuedAtMs: number }> {
  return page.evaluate(
    (plan) =>
      new Promise<{ startAtMs: number; queuedAtMs: number }>((resolve, reject) => {
        const state = (globalThis as PeerWindow).__rawChannel;
        const channel = state.channel;
        if (!channel) throw new Error('no data channel');
        // The content does not matter (nothing on the way compresses); send() copies it, so one buffer does.
        const payload = new Uint8Array(plan.messageBytes).fill(0xa5);
        let sentBytes = 0;
        let sequence = 0;
        const startAtMs = performance.timeOrigin + performance.now();
        const sender = {
          pump(): void {
            try {
              while (sentBytes < plan.bytes && channel.bufferedAmount < plan.highWaterBytes) {
                const size = Math.min(plan.messageBytes, plan.bytes - sentBytes);
                payload[0] = sequence & 255;
                channel.send(size === plan.messageBytes ? payload : payload.subarray(0, size));
                sentBytes += size;
                sequence++;
              }
            } catch (error) {
              channel.onbufferedamountlow = null;
              reject(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            if (sentBytes < plan.bytes) return;
            channel.onbufferedamountlow = null;
            resolve({ startAtMs, queuedAtMs: performance.timeOrigin + performance.now() });
          },
        };
        channel.bufferedAmountLowThreshold = plan.lowWaterBytes;
        channel.onbufferedamountlow = () => sender.pump();
        sender.pump();
      }),
    plan,
  );
}

interface Received {
  readonly firstAtMs: number;
  readonly lastAtMs: number;
  readonly messages: number;
  readonly misordered: number;
}

/** Readies the receiver for a transfer on the channel it has: its counts and times from nothing. */
function expectTransfer(page: Page): Promise<void> {
  return page.evaluate(() => {
    const state = (globalThis as PeerWindow).__rawChannel;
    state.receivedBytes = 0;
    state.receivedMessages = 0;
    state.misordered = 0;
    state.firstAtMs = undefined;
    state.lastAtMs = undefined;
    state.expectBytes = Number.POSITIVE_INFINITY;
    state.done = undefined;
  });
}

/** Resolves when `bytes` have arrived: the receiver's first and last message times. */
function receiveAll(page: Page, bytes: number): Promise<Received> {
  return page.evaluate(
    (bytes) =>
      new Promise<Received>((resolve) => {
        const state = (globalThis as PeerWindow).__rawChannel;
        const finish = {
          now(): void {
            resolve({
              firstAtMs: state.firstAtMs ?? Number.NaN,
              lastAtMs: state.lastAtMs ?? Number.NaN,
              messages: state.receivedMessages,
              misordered: state.misordered,
            });
          },
        };
        state.expectBytes = bytes;
        state.done = () => finish.now();
        if (state.lastAtMs !== undefined || state.receivedBytes >= bytes) finish.now();
      }),
    bytes,
  );
}

/**
 * The bytes a transfer's `bytesPerSec` counts: those after its first message, whose own bytes arrived before the
 * receiver's clock started. Over a median of `seconds` (`rateAtMedianTime`), the rate that goes with that time.
 */
export function receiverCountedBytes(transfer: Pick<RawChannelResult, 'bytes' | 'messageBytes'>): number {
  return transfer.bytes - Math.min(transfer.bytes, transfer.messageBytes);
}

/** Bytes per second that arrived after the first message (`firstMessageBytes`), over `seconds` since it came. */
export function receiverRate(bytes: number, firstMessageBytes: number, seconds: number): number {
  return seconds > 0 ? (bytes - firstMessageBytes) / seconds : Number.NaN;
}

function resolveOptions(
  options: RawChannelOptions,
): Required<Omit<RawChannelOptions, 'onTransfer' | 'collectionHint'>> {
  const transfers = options.transfers ?? 1;
  const resolved = {
    bytes: options.bytes,
    messageBytes: options.messageBytes ?? DEFAULT_MESSAGE_BYTES,
    highWaterBytes: options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES,
    lowWaterBytes: options.lowWaterBytes ?? DEFAULT_LOW_WATER_BYTES,
    timeoutMs: options.timeoutMs ?? 60_000 + (transfers * options.bytes) / 1e3,
    transfers,
  };
  if (!Number.isInteger(transfers) || transfers < 1 || transfers > MAX_TRANSFERS)
    throw new RangeError(`transfers must be from 1 to ${MAX_TRANSFERS} (got ${transfers})`);
  const whole = (value: number, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
    Number.isInteger(value) && value >= min && value <= max;
  if (!whole(resolved.bytes, 1)) throw new RangeError(`bytes must be a positive whole number (got ${resolved.bytes})`);
  // The rate is timed from the first message to the last: one message gives no time to divide by.
  if (resolved.bytes <= resolved.messageBytes)
    throw new RangeError(`bytes must be more than one message of ${resolved.messageBytes} (got ${resolved.bytes})`);
  if (!whole(resolved.messageBytes, 1, MAX_MESSAGE_BYTES))
    throw new RangeError(`messageBytes must be from 1 to ${MAX_MESSAGE_BYTES} (got ${resolved.messageBytes})`);
  // Chromium's send queue holds 16 MiB; send() throws past it.
  if (!whole(resolved.highWaterBytes, 1, 8 * 1024 * 1024) || !whole(resolved.lowWaterBytes, 0, resolved.highWaterBytes))
    throw new RangeError('need 0 <= lowWaterBytes <= highWaterBytes <= 8 MiB');
  if (!(resolved.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
  return resolved;
}

/**
 * Throughput of one bare RTCDataChannel between two pages of `browser`, each in a browser context of
 * its own: no swarm engine, no simple-peer, no signalling server (SDP goes through Playwright). The
 * channel is reliable and ordered, like the app's; the sender keeps 256 KiB–1 MiB queued, like the
 * app's link. This is the ceiling the swarm's WebRTC transfers are measured against, so a swarm
 * benchmark can call it with its own browser in the same run.
 *
 * The receiver's first-to-last-message time is the headline figure. The from-start figure compares
 * the sender page's clock with the receiver's (`performance.timeOrigin + now()`, both from the same
 * machine's clock), so it is good to about a millisecond.
 *
 * The browser must be launched as `launchChromium` (test-kit) does (loopback ICE flags); the contexts it makes
 * are closed before this resolves or rejects.
 * @throws RawChannelFailure when the channel cannot be opened, data goes missing, or `timeoutMs` passes.
 * @throws RangeError for options out of range.
 */
export async function measureRawChannel(browser: Browser, options: RawChannelOptions): Promise<RawChannelResult> {
  const [first] = await measureRawChannelTransfers(browser, { ...options, transfers: 1 });
  return first!;
}

/**
 * `options.transfers` transfers on one connection, one after the other, as `measureRawChannel` measures one: the
 * first on the fresh connection, the rest on the settled one. Each transfer's packet counts are its own.
 */
export async function measureRawChannelTransfers(
  browser: Browser,
  options: RawChannelOptions,
): Promise<RawChannelResult[]> {
  const { bytes, messageBytes, highWaterBytes, lowWaterBytes, timeoutMs, transfers } = resolveOptions(options);
  const contexts: BrowserContext[] = [];
  let receiverPage: Page | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const measure = async (): Promise<RawChannelResult[]> => {
    const [sender, receiver] = await Promise.all([
      openRoutedPage(browser, contexts, PAGE_URL, PAGE_HTML),
      openRoutedPage(browser, contexts, PAGE_URL, PAGE_HTML),
    ]);
    receiverPage = receiver;
    const connectStartMs = performance.now();
    await Promise.all([installPeer(sender, true, undefined), installPeer(receiver, false, options.collectionHint)]);
    const offer = await describeLocal(sender, PEER_NAME, undefined);
    if (!offer.sdp?.includes('a=candidate:'))
      throw new RawChannelFailure(
        'the sender gathered no ICE candidates: Chromium needs --allow-loopback-in-peer-connection and the ' +
          'camera/microphone permission (newPeerContext in @swarmlab/test-kit/browser), and an http page on 127.0.0.1',
      );
    await acceptAnswer(sender, await describeLocal(receiver, PEER_NAME, offer));
    const [maxMessageBytes] = await Promise.all([whenOpen(sender), whenOpen(receiver)]);
    const connectSeconds = (performance.now() - connectStartMs) / 1000;
    if (maxMessageBytes > 0 && messageBytes > maxMessageBytes)
      throw new RawChannelFailure(
        `messageBytes ${messageBytes} exceeds the channel's maxMessageSize ${maxMessageBytes}`,
      );

    const results: RawChannelResult[] = [];
    let packetsBefore = { sent: 0, discarded: 0 };
    for (let transfer = 0; transfer < transfers; transfer++) {
      await expectTransfer(receiver);
      options.onTransfer?.start?.();
      const [sent, received] = await Promise.all([
        sendAll(sender, { bytes, messageBytes, highWaterBytes, lowWaterBytes }),
        receiveAll(receiver, bytes),
      ]);
      options.onTransfer?.end?.();
      const packets = await packetCounts(sender);
      const messages = Math.ceil(bytes / messageBytes);
      if (received.messages !== messages || received.misordered > 0)
        throw new RawChannelFailure(
          `transfer ${transfer + 1}: received ${received.messages} messages of ${messages} sent, ` +
            `${received.misordered} out of sequence`,
        );
      const seconds = (received.lastAtMs - received.firstAtMs) / 1000;
      const fromStartSeconds = (received.lastAtMs - sent.startAtMs) / 1000;
      results.push({
        bytes,
        messageBytes,
        messages,
        bytesPerSec: receiverRate(bytes, Math.min(bytes, messageBytes), seconds),
        seconds,
        fromStartSeconds,
        fromStartBytesPerSec: fromStartSeconds > 0 ? bytes / fromStartSeconds : Number.NaN,
        queueSeconds: (sent.queuedAtMs - sent.startAtMs) / 1000,
        connectSeconds,
        maxMessageBytes,
        packetsSent: packets.sent - packetsBefore.sent,
        packetsDiscardedOnSend: packets.discarded - packetsBefore.discarded,
      });
      packetsBefore = packets;
    }
    return results;
  };

  const running = measure();
  // Closing the contexts below rejects whatever `measure` still awaits: that rejection is not the news.
  running.catch(() => {});
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RawChannelFailure(`no result after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([running, expired]);
  } catch (error) {
    if (!(error instanceof Error) || error instanceof RangeError || !receiverPage) throw error;
    throw new RawChannelFailure(`raw channel: ${error.message} (${await describeProgress(receiverPage)})`);
  } finally {
    clearTimeout(timer);
    await Promise.allSettled(contexts.map((context) => context.close()));
  }
}

/** The receiver's progress in words, for a failure message; gives up after `PROGRESS_READ_MS`. */
async function describeProgress(receiver: Page): Promise<string> {
  const progress = receiver.evaluate(() => {
    const state = (globalThis as Partial<PeerWindow>).__rawChannel;
    return state
      ? `receiver had ${state.receivedBytes} bytes in ${state.receivedMessages} messages, ` +
          `connection ${state.pc.connectionState}, channel ${state.channel?.readyState ?? 'none'}` +
          (state.error ? `, ${state.error}` : '')
      : 'receiver not set up';
  });
  const late = new Promise<string>((resolve) =>
    setTimeout(() => resolve('receiver state unreadable'), PROGRESS_READ_MS),
  );
  return Promise.race([progress.catch(() => 'receiver state unreadable'), late]);
}
