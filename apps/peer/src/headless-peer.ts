import { systemClock, type SwarmSnapshot } from '@swarmlab/engine';
import {
  formatJoinCode,
  parseDisplayName,
  parseJoinCode,
  type DisplayName,
  type JoinCode,
  type Manifest,
  type PeerRole,
  type RunConfig,
  type SignallingError,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { untilRegistered, type PeerFactory, type SignallingClient } from '@swarmlab/webrtc';
import { connectSignalling, DEFAULT_CONNECT_TIMEOUT_MS } from './connect-signalling';
import { HeadlessPeerError } from './headless-peer-error';
import type { HeadlessPeerEvent } from './headless-peer-event';
import { HeadlessSession, refusalError } from './headless-session';
import { memoryLeecherStorage, outFileLeecherStorage, type LeecherStorage } from './leecher-storage';
import { nodePeerFactory } from './node-peer-factory';
import { nodeSha256 } from './node-sha256';
import { checkSeedFile, type SeedFile } from './seed-file';
import { shareOriginOf, type ShareOrigin } from './share-origin';
import { parseSwarmLink, shareLinkOf } from './swarm-target';

/** What to start: exactly one of `swarmLink`, `joinCode` and `seedFile`. */
export interface HeadlessPeerOptions {
  /** The signalling server (`http://host:port`); a share link names its own, which this replaces. */
  readonly serverUrl?: string;
  /** Joins as a leecher the swarm this share link names. */
  readonly swarmLink?: string;
  /** Joins as a leecher the swarm this join code names on `serverUrl`. */
  readonly joinCode?: string;
  /** Creates a swarm seeding this file (read by ranges, never whole). */
  readonly seedFile?: string;
  /** A leecher writes the file here (and reads it back to check it); in memory otherwise. A seeder's is refused. */
  readonly outFile?: string;
  /** A seeder's swarm's run configuration (the server's default otherwise). A leecher's is refused. */
  readonly runConfig?: RunConfig;
  /** The name shown for this peer on every screen. */
  readonly displayName?: string;
  readonly connectTimeoutMs?: number;
  /**
   * How long a peer back in a place the server had not kept (a restart) waits for the seeder before saying it
   * left (`SEEDER_RETURN_WAIT_MS` by default; tests shorten it).
   */
  readonly seederReturnWaitMs?: number;
  /** simple-peer over `@roamhq/wrtc` by default. */
  readonly createPeer?: PeerFactory;
  readonly onEvent?: (event: HeadlessPeerEvent) => void;
  /** The fraction of the file to seed hashed so far, as it is hashed (before the peer is in its swarm). */
  readonly onHashProgress?: (fraction: number) => void;
  /**
   * Aborted (Ctrl-C) while the peer starts, it stops at once, removing what it made (a `--out` file's
   * `.part`), and rejects with the abort's reason when it is a `HeadlessPeerError`.
   */
  readonly signal?: AbortSignal;
}

/** A running headless peer. */
export interface HeadlessPeer {
  readonly role: PeerRole;
  readonly serverUrl: string;
  readonly swarmId: string;
  readonly contentId: string;
  readonly peerId: string;
  readonly manifest: Manifest;
  /** Where the share link sends other machines (`shareOriginOf`: a server given as localhost, its network address). */
  readonly shareOrigin: ShareOrigin;
  /** The swarm's share link and join code, to pass on. */
  readonly shareLink: string;
  readonly joinCode: JoinCode | undefined;
  /** The swarm's control secret: a seeder's only (it created the swarm). */
  readonly controlSecret: string | undefined;
  /** SHA-256 (hex) of the whole file held: the seeder's at once, a leecher's once complete and checked. */
  readonly fileSha256: string | undefined;
  /**
   * A leecher's: resolves once it holds the whole file (checked, `fileSha256` set), and rejects if it is
   * closed before. A seeder's: resolves when it is closed. Rejects if the peer fails (a downloaded file that
   * does not check out, its place in the swarm lost for good).
   */
  readonly done: Promise<void>;
  /** The engine's latest sample in the run this peer is in (or was last in). */
  readonly snapshot: SwarmSnapshot | undefined;
  /** The server's latest broadcast of the swarm. */
  readonly swarmProgress: SwarmProgress | undefined;
  readonly connectedPeers: number;
  /**
   * How much of the whole download a leecher has read back and checked, while it does (then undefined): a close
   * waits for the check, minutes for a large file on a laptop disk.
   */
  readonly checkedFraction: number | undefined;
  /** Where a leecher's download is written until it is whole and checked (`--out`'s `.part`); undefined in memory. */
  readonly partPath: string | undefined;
  /**
   * A leecher that holds the whole file: resolves true once the server acknowledged that it does (asking again
   * while the connection is down), false if it did not within `timeoutMs` (of the monotonic clock, an ask under way
   * then included). `onWaiting`: the first ask failed.
   */
  completionAcknowledged(timeoutMs: number, onWaiting?: () => void): Promise<boolean>;
  /** Leaves the swarm and closes its file. */
  close(): Promise<void>;
}

/**
 * Starts a headless peer: the same engine as a tab's, in Node over `@roamhq/wrtc`, joining by share link or
 * join code, or seeding a file. Bad input (a malformed link or code, an unknown code or swarm, a file that
 * cannot be read or written, a server out of reach) rejects with a `HeadlessPeerError` whose message is
 * one line for the user.
 */
export async function startHeadlessPeer(options: HeadlessPeerOptions): Promise<HeadlessPeer> {
  const targets = [options.swarmLink, options.joinCode, options.seedFile].filter((target) => target !== undefined);
  if (targets.length !== 1)
    throw new HeadlessPeerError('give exactly one of a swarm link, a join code or a file to seed', 2);
  // Refused as the command line refuses them: taken silently, a seeder's `outFile` gave a `partPath` of a file that
  // never was, and a leecher's `runConfig` configured nothing (found by review).
  if (options.seedFile !== undefined && options.outFile !== undefined)
    throw new HeadlessPeerError('outFile is for a leecher: a seeder already has its file', 2);
  if (options.seedFile === undefined && options.runConfig !== undefined)
    throw new HeadlessPeerError('runConfig is for a seeder: the swarm a leecher joins has its own', 2);
  const displayName = parseName(options.displayName);
  const link = options.swarmLink !== undefined ? parseSwarmLink(options.swarmLink) : undefined;
  const code = options.joinCode !== undefined ? parseCode(options.joinCode) : undefined;
  const serverUrl = parseServerUrl(options.serverUrl ?? link?.serverUrl);

  // Local input first: a file that cannot be read or written fails before anything is asked of the server. A
  // file to seed is hashed while the server is connected to: a server out of reach is said at once, not after
  // minutes of hashing a large file, and the hashing stops then (it read on for minutes; both found by review).
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let connecting: Promise<SignallingClient> | undefined;
  let seed: SeedFile | undefined;
  let storage: LeecherStorage | undefined;
  if (options.seedFile !== undefined) {
    const checked = await checkSeedFile(options.seedFile);
    const failed = new AbortController();
    const hashing = checked.hash(
      options.onHashProgress,
      options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal,
    );
    const connected = connectSignalling(serverUrl, connectTimeoutMs);
    connecting = connected;
    try {
      seed = await Promise.race([hashing, connected.then(() => hashing)]);
    } catch (error) {
      failed.abort(error);
      void hashing.then(
        (opened) => opened.close(),
        () => {},
      );
      void connected.then(
        (client) => client.disconnect(),
        () => {},
      );
      throw options.signal?.aborted ? abortReason(options.signal) : error;
    }
  } else
    storage = options.outFile !== undefined ? await outFileLeecherStorage(options.outFile) : memoryLeecherStorage();
  const closeFiles = async (): Promise<void> => {
    await seed?.close();
    await storage?.close();
  };

  let signalling: SignallingClient | undefined;
  let session: HeadlessSession | undefined;
  const { signal } = options;
  /** `step`, unless the start is aborted first. */
  const unlessAborted = <T>(step: Promise<T>): Promise<T> =>
    signal
      ? Promise.race([
          step,
          new Promise<never>((_, reject) => {
            const abort = (): void => reject(abortReason(signal));
            if (signal.aborted) abort();
            else signal.addEventListener('abort', abort, { once: true });
          }),
        ])
      : step;
  try {
    signal?.throwIfAborted();
    connecting ??= connectSignalling(serverUrl, connectTimeoutMs);
    signalling = await unlessAborted(connecting);
    const completion = promiseWithResolvers<undefined>();
    // A leecher's `done` is settled by its session's events; nobody need be listening yet.
    completion.promise.catch(() => {});
    session = new HeadlessSession({
      signalling,
      createPeer: options.createPeer ?? nodePeerFactory,
      clock: systemClock,
      sha256: nodeSha256,
      displayName,
      seederReturnWaitMs: options.seederReturnWaitMs,
      onEvent: (event) => {
        if (event.type === 'complete') completion.resolve(undefined);
        if (event.type === 'failed') completion.reject(new HeadlessPeerError(event.message));
        options.onEvent?.(event);
      },
    });
    let swarmId: string;
    let contentId: string;
    let controlSecret: string | undefined;
    if (seed) {
      ({ controlSecret } = await unlessAborted(session.create(seed, options.runConfig)));
      swarmId = session.swarmId!;
      contentId = seed.contentId;
    } else {
      ({ swarmId, contentId } = link ?? (await unlessAborted(resolveCode(signalling, code!, signal))));
      await unlessAborted(session.join(swarmId, contentId, storage!));
    }
    // Where other machines reach the server, for the links printed (a server given as localhost: its network's).
    const shareOrigin = await unlessAborted(shareOriginOf(serverUrl));
    const joined = session;
    const client = signalling;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        try {
          joined.close();
          client.disconnect();
          // A completed download being checked is named first (its `complete` then settles `done`).
          await joined.settled;
          await closeFiles();
        } finally {
          // Also when a file would not close: `done` was left waiting for ever (found by review).
          // A seeder is done when it leaves; a leecher that leaves before holding the whole file is not.
          if (seed) completion.resolve(undefined);
          else completion.reject(new HeadlessPeerError('left the swarm before it held the whole file', 130));
        }
      })();
      return closing;
    };
    return {
      role: seed ? 'seeder' : 'leecher',
      serverUrl,
      swarmId,
      contentId,
      peerId: joined.peerId!,
      manifest: joined.manifest!,
      shareOrigin,
      shareLink: shareLinkOf(shareOrigin.origin, swarmId, contentId),
      get joinCode() {
        return joined.joinCode;
      },
      controlSecret,
      get fileSha256() {
        return joined.fileSha256;
      },
      done: completion.promise,
      get snapshot() {
        return joined.snapshot;
      },
      get swarmProgress() {
        return joined.swarmProgress;
      },
      get connectedPeers() {
        return joined.connectedPeers;
      },
      get checkedFraction() {
        return joined.checkedFraction;
      },
      partPath: options.outFile === undefined ? undefined : `${options.outFile}.part`,
      completionAcknowledged: (timeoutMs, onWaiting) => joined.completionAcknowledged(timeoutMs, onWaiting),
      close,
    };
  } catch (error) {
    session?.close();
    signalling?.disconnect();
    // Aborted while connecting: a connection made after all is closed, not left to reconnect for ever.
    if (!signalling)
      void connecting?.then(
        (late) => late.disconnect(),
        () => {},
      );
    // A leecher that completed while it still started (a small file, a run going on) has its file checked and named
    // first, as a close does: closing the files first removed the `.part` of a download the server counted (found
    // by review).
    await session?.settled;
    const reason = signal?.aborted ? abortReason(signal) : error;
    // A file that will not close is said too, not instead: its line took the place of the reason the start failed
    // and of its exit code (an interrupted start on a network share said only "could not close", exit 1; found by
    // review).
    const closeFailure = await closeFiles().then(
      () => undefined,
      (closeError: unknown) => closeError,
    );
    throw closeFailure === undefined ? reason : withCloseFailure(reason, closeFailure);
  }
}

/**
 * `reason`, its message followed by the close's failure when it is one for the user (its exit code kept); both, as an
 * `AggregateError` (printed whole), when it is not.
 */
function withCloseFailure(reason: unknown, closeFailure: unknown): unknown {
  const also = closeFailure instanceof Error ? closeFailure.message : String(closeFailure);
  if (!(reason instanceof HeadlessPeerError))
    return new AggregateError([reason, closeFailure], `the start failed, and ${also}`);
  return new HeadlessPeerError(`${reason.message}; and ${also}`, reason.exitCode);
}

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason instanceof HeadlessPeerError ? signal.reason : new HeadlessPeerError('interrupted', 130);

/**
 * Refusals of `code:resolve` that a later ask may not get: a class behind one address joining by code at once runs
 * the address over its budget for a moment, and a connection lost is taken back by the client. Asked once, each was
 * the end of the peer, exit 1, where joining by link waited (found by review). `code-not-found` and
 * `too-many-code-lookups` stand.
 */
const CODE_ASK_AGAIN: ReadonlySet<SignallingError['code']> = new Set<SignallingError['code']>([
  'rate-limited',
  'signalling-lost',
  'timeout',
]);

async function resolveCode(signalling: SignallingClient, code: JoinCode, signal: AbortSignal | undefined) {
  const resolved = await untilRegistered(() => signalling.resolveCode({ code }), {
    askAgain: CODE_ASK_AGAIN,
    cancelled: () => signal?.aborted ?? false,
  });
  if (resolved.ok) return resolved;
  if (resolved.error.code === 'code-not-found')
    throw new HeadlessPeerError(
      `no swarm has the join code ${formatJoinCode(code)} on this server (it may have ended)`,
    );
  throw refusalError(resolved.error);
}

function parseCode(text: string): JoinCode {
  const parsed = parseJoinCode(text);
  if (!parsed.ok) throw new HeadlessPeerError(parsed.message, 2);
  return parsed.code;
}

function parseServerUrl(typed: string | undefined): string {
  if (typed === undefined) throw new HeadlessPeerError('a join code or a file to seed needs --server URL', 2);
  const text = typed.trim();
  // `localhost:8080` parses as a URL of scheme `localhost:`: say what was meant instead.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new HeadlessPeerError(`"${text}" is not a server URL: write it with its scheme, like http://${text}`, 2);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HeadlessPeerError(`"${text}" is not a server URL (like http://192.168.1.10:8080)`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new HeadlessPeerError(`the server URL must start with http:// or https://, not ${url.protocol}//`, 2);
  return url.origin;
}

function parseName(text: string | undefined): DisplayName | undefined {
  if (text === undefined) return undefined;
  // A terminal has no field to leave empty: the web form's sentence told the user to do what they had done.
  if (text.trim() === '')
    throw new HeadlessPeerError('--name needs a visible name; leave --name out to stay unnamed', 2);
  const parsed = parseDisplayName(text);
  if (!parsed.ok) throw new HeadlessPeerError(`--name: ${parsed.message}`, 2);
  return parsed.name;
}

/** `Promise.withResolvers` (Node 22+), for Node 20. */
function promiseWithResolvers<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}
