import {
  assembleFile,
  createMemoryLinkPair,
  MemoryChunkStore,
  seededRandom,
  SwarmEngine,
  type AsyncChunkStore,
  type ChunkHasher,
  type ChunkStore,
  type EngineConfig,
  type LinkCaps,
  type MemoryLinkOptions,
  type PeerLink,
  type SwarmMode,
} from '@swarmlab/engine';
import {
  Bitfield,
  chunkCount,
  decodeWireMessage,
  encodeWireMessage,
  PROTOCOL_VERSION,
  sha256Hex,
  type WireMessage,
} from '@swarmlab/protocol';
import { VirtualClock } from './clock';
import { EVENT_BUDGET, eventBudget } from './event-budget';
import { HashGate } from './hash-gate';
import type { TestFile } from './test-file';

/** Blocks of 16 KiB and a 200 ms tick: small test files still span several blocks and ticks. */
export const TEST_ENGINE_CONFIG: Partial<EngineConfig> = { blockBytes: 16 * 1024, tickMs: 200 };

export interface TestPeer {
  readonly engine: SwarmEngine;
  readonly store: ChunkStore;
}

export interface TestPeerOptions {
  /** Starts with the whole file: a seeder. */
  readonly seed?: boolean;
  /** The peer's chunk store; default an empty one, or the file's bytes for a seeder. */
  readonly store?: ChunkStore;
  /**
   * A store that answers later, for the engine to use instead of `store` (which then must be what it
   * holds, read synchronously by the test).
   */
  readonly asyncStore?: AsyncChunkStore;
  /** Starts with the whole file without being the seeder (a leecher whose page reloaded once complete). */
  readonly completeLeecher?: boolean;
  /** `p2p` by default; every peer of a swarm must have the same. */
  readonly mode?: SwarmMode;
  /** The engine's emulated access link (its own token buckets); unlimited by default. */
  readonly linkCaps?: LinkCaps;
  /** The engine's hasher, made from the swarm's (which answers between clock events): a test's wrapper around it. */
  readonly sha256?: (swarmHasher: ChunkHasher) => ChunkHasher;
}

export interface TestSwarmOptions {
  /** Every engine's configuration; default `TEST_ENGINE_CONFIG`. */
  readonly config?: Partial<EngineConfig>;
  /** The engines' random numbers are seeded with this, then the next integers in creation order; default 1. */
  readonly firstRandomSeed?: number;
  /** How many clock events one `runUntil` or `runFor` may run before it throws `EventBudgetSpent`. */
  readonly eventBudget?: number;
}

/** What a hand-driven raw peer ("rogue") has received, decoded. */
export interface RawPeer {
  readonly link: PeerLink;
  readonly received: WireMessage[];
  /**
   * Why each frame the engine sent that does not decode did not: a swarm that ran with one fails (`runUntil`,
   * `runFor`). Dropped unseen, a test asserting "sent nothing more" passed over a broken encoder.
   */
  readonly unreadable: string[];
  readonly closed: () => boolean;
}

/** Thrown when an engine sent a raw peer a frame that does not decode (`RawPeer.unreadable`). */
export class UnreadableFrame extends Error {
  override readonly name = 'UnreadableFrame';
}

/** Thrown when a swarm does not reach what a test waits for; says how much test-clock time passed. */
export class SwarmTimeout extends Error {
  override readonly name = 'SwarmTimeout';
}

/**
 * Engines for one file over in-memory links, all on one `VirtualClock`: a swarm that moves only when
 * the test runs it (`runUntil`, `runFor`), as fast as the CPU allows, the same way every time. Nothing
 * waits on wall time, and nothing runs after the test stops running the clock.
 */
export class TestSwarm {
  readonly clock = new VirtualClock();
  readonly file: TestFile;
  readonly #config: Partial<EngineConfig>;
  readonly #hashes = new HashGate();
  /** Answers of `later` whose time has come, in the order it came, to settle between clock events. */
  readonly #answers: Array<() => void> = [];
  readonly #rawPeers: RawPeer[] = [];
  readonly #eventBudget: number;
  #nextRandomSeed: number;

  constructor(file: TestFile, options: TestSwarmOptions = {}) {
    this.file = file;
    this.#config = options.config ?? TEST_ENGINE_CONFIG;
    this.#nextRandomSeed = options.firstRandomSeed ?? 1;
    this.#eventBudget = options.eventBudget ?? EVENT_BUDGET;
  }

  /** A new engine in this swarm; a seeder when `seed` is set. */
  peer(peerId: string, options: TestPeerOptions = {}): TestPeer {
    const { manifest, contentId, bytes } = this.file;
    const whole = options.seed === true || options.completeLeecher === true;
    const store =
      options.store ?? (whole ? MemoryChunkStore.fromFile(bytes, manifest.chunkBytes) : new MemoryChunkStore());
    const engine = new SwarmEngine({
      manifest,
      contentId,
      localPeerId: peerId,
      store: options.asyncStore ?? store,
      ...(whole ? { initialChunks: Bitfield.full(chunkCount(manifest)) } : {}),
      ...(options.completeLeecher ? { seeds: false } : {}),
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.linkCaps ? { linkCaps: options.linkCaps } : {}),
      clock: this.clock,
      random: seededRandom(this.#nextRandomSeed++),
      sha256: options.sha256?.(this.#hashes.sha256) ?? this.#hashes.sha256,
      config: this.#config,
    });
    return { engine, store };
  }

  /**
   * A promise settled with `answer()` (or its exception) `delayMs` of test-clock time from now, between
   * clock events, as the hashes are: how asynchronous storage answers, the same way every time.
   */
  later<T>(answer: () => T, delayMs = 1): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.clock.setTimer(delayMs, () =>
        this.#answers.push(() => {
          try {
            resolve(answer());
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
    });
  }

  /** Links two peers with an in-memory pair on this swarm's clock (optional latency and rate). */
  connect(a: TestPeer, b: TestPeer, options: Omit<Partial<MemoryLinkOptions>, 'clock'> = {}): void {
    const [aToB, bToA] = this.linkPair(a.engine.localPeerId, b.engine.localPeerId, options);
    a.engine.addLink(aToB);
    b.engine.addLink(bToA);
  }

  /** Two connected in-memory links on this swarm's clock, for tests that put something between them. */
  linkPair(
    aPeerId: string,
    bPeerId: string,
    options: Omit<Partial<MemoryLinkOptions>, 'clock'> = {},
  ): [PeerLink, PeerLink] {
    return createMemoryLinkPair(aPeerId, bPeerId, { ...options, clock: this.clock });
  }

  /**
   * Connects a raw link driven by the test to `peer` and sends a valid handshake for `contentId` from it,
   * so the test can then send whatever it likes.
   */
  rawPeer(
    peer: TestPeer,
    contentId = this.file.contentId,
    rawPeerId = 'rogue',
    options: {
      /** What `peer`'s engine gets instead of its end of the link (a test's wrapper around it). */
      readonly engineSide?: (link: PeerLink) => PeerLink;
      /** One-way delay of the link (none by default: a raw peer answering at once loops at one instant). */
      readonly latencyMs?: number;
    } = {},
  ): RawPeer {
    const [toRawEnd, raw] = this.linkPair(
      peer.engine.localPeerId,
      rawPeerId,
      options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs },
    );
    const toRaw = options.engineSide ? options.engineSide(toRawEnd) : toRawEnd;
    const received: WireMessage[] = [];
    const unreadable: string[] = [];
    let closed = false;
    raw.attach({
      message: (bytes) => {
        const decoded = decodeWireMessage(bytes);
        if (decoded.ok) received.push(decoded.message);
        else unreadable.push(decoded.error.message);
      },
      decoded: (message) => received.push(message),
      drain: () => {},
      close: () => (closed = true),
    });
    peer.engine.addLink(toRaw);
    raw.send(encodeWireMessage({ type: 'handshake', protocolVersion: PROTOCOL_VERSION, contentId, peerId: rawPeerId }));
    const rawPeer: RawPeer = { link: raw, received, unreadable, closed: () => closed };
    this.#rawPeers.push(rawPeer);
    return rawPeer;
  }

  /** Fails on a frame an engine sent a raw peer that does not decode: a test reading `received` would miss it. */
  #checkRawPeers(): void {
    const unreadable = this.#rawPeers.flatMap((rawPeer) => rawPeer.unreadable);
    if (unreadable.length > 0)
      throw new UnreadableFrame(
        `an engine sent a raw peer ${unreadable.length} frame(s) that do not decode: ${unreadable[0]}`,
      );
  }

  /**
   * Runs the swarm until `condition` holds, checked before every clock event and after every hash; rejects
   * with a `SwarmTimeout` once `withinMs` of test-clock time have passed, or at once if nothing is left
   * to run, and with `EventBudgetSpent` once it has run the swarm's event budget (test-clock time that stops
   * passing, a timer repeating at one instant, would otherwise keep it running for ever).
   */
  async runUntil(condition: () => boolean, withinMs: number, what: string): Promise<void> {
    const deadlineMs = this.clock.nowMs() + withinMs;
    const budget = eventBudget(this.clock, this.#eventBudget);
    for (;;) {
      await this.#settle();
      this.#checkRawPeers();
      if (condition()) return;
      budget.check(`waiting for ${what}`);
      this.clock.run(() => this.#waiting || budget.spent || condition(), deadlineMs);
      this.#checkRawPeers();
      if (this.#waiting || budget.spent) continue;
      if (condition()) return;
      throw new SwarmTimeout(
        this.clock.idle
          ? `stalled: ${what} (nothing left to run after ${this.clock.nowMs()} ms on the test clock)`
          : `timed out: ${what} (not within ${withinMs} ms on the test clock)`,
      );
    }
  }

  /** Some hash or `later` answer is due: the clock stops until the engines have taken it. */
  get #waiting(): boolean {
    return this.#hashes.waiting || this.#answers.length > 0;
  }

  /** Hands over what is due, oldest first, each engine's reaction (all its microtasks) before the next. */
  async #settle(): Promise<void> {
    while (this.#waiting) {
      await this.#hashes.deliver();
      for (let next = this.#answers.shift(); next; next = this.#answers.shift()) {
        next();
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
      }
    }
  }

  /**
   * Runs the swarm for `durationMs` of test-clock time: every event due up to and including its end, timers and
   * link deliveries alike (it stopped at the first event of the last instant: of three timers due then, one ran,
   * and no message due then was delivered). `each`, if given, runs before every event (a raw peer's answers).
   * Throws `EventBudgetSpent` once it has run the swarm's event budget.
   */
  async runFor(durationMs: number, each?: () => void): Promise<void> {
    const endMs = this.clock.nowMs() + durationMs;
    const budget = eventBudget(this.clock, this.#eventBudget);
    // An event at the end, so the clock reads `endMs` afterwards even if nothing else happens then.
    this.clock.at(endMs, () => {});
    for (;;) {
      await this.#settle();
      budget.check(`running for ${durationMs} ms`);
      this.clock.run(() => {
        each?.();
        return this.#waiting || budget.spent;
      }, endMs);
      this.#checkRawPeers();
      if (!this.#waiting && !budget.spent) return;
    }
  }
}

/** SHA-256 (hex) of the file a peer holds, or 'incomplete'. Comparing hashes keeps failures readable. */
export async function fileHashOf(peer: TestPeer, file: TestFile): Promise<string> {
  const bytes = assembleFile(peer.store, chunkCount(file.manifest), file.manifest.sizeBytes);
  return bytes ? sha256Hex(bytes) : 'incomplete';
}
