import type { AsyncChunkStore, Clock, DropReason, SwarmSnapshot } from '@swarmlab/engine';
import type { PeerRunSettings, ResumedRun, RunStarted, SwarmProgress } from '@swarmlab/protocol';
import { browserClock, RunEngine, type RunEngineDeps, type RunLinks, type RunProgress } from '@swarmlab/webrtc';
import { corruptingLink } from './corrupting-link';

/** A peer this tab's engine disconnected for misbehaving, as the user is told of it. */
export interface DroppedPeer {
  readonly peerId: string;
  readonly reason: DropReason;
  readonly detail: string;
}

/** What this tab did in the run it is in (or was last in). */
export interface OwnRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  /** Left the run after completing (a selfish leecher): no more uploads. */
  readonly leftOnCompletion: boolean;
}

/**
 * What a tab's run takes: the shared `RunEngine`'s deps (the seeder's file or this run's leecher store,
 * IndexedDB in the browser, with what a reloaded tab held), where this object reports dropped peers itself.
 */
export type EngineRunOptions = Omit<RunEngineDeps, 'clock' | 'onPeerDropped' | 'wrapLink'> & {
  /** Test switch (`TestSwitches`): this tab corrupts this fraction of the blocks it sends. */
  readonly corruptBlocksFraction?: number;
  /** The engine's time: `browserClock` by default, whose timers keep their pace in a hidden tab. */
  readonly clock?: Clock;
};

/**
 * This tab's part in one run: the shared `RunEngine` (packages/webrtc: a fresh engine over the run's links,
 * sampled on demand, its start and completion on this tab's clock), with what the page draws of it as
 * reactive state: whether it left the run on completion, and the peers it dropped. Drawing the samples is
 * someone else's concern (`EngineDisplay`). Once ended or left, what it did stays readable until the next
 * run replaces this object.
 */
export class EngineRun {
  readonly started: RunStarted;
  readonly settings: PeerRunSettings;
  readonly store: AsyncChunkStore;
  readonly #core: RunEngine;
  #leftOnCompletion = $state(false);
  readonly #ownRun = $derived.by((): OwnRun => ({
    started: this.started,
    settings: this.settings,
    leftOnCompletion: this.#leftOnCompletion,
  }));
  #droppedPeers = $state.raw<readonly DroppedPeer[]>([]);
  /** It holds the whole file: followed while the page is hidden too (the snapshot drawn is held back then). */
  #complete = $state(false);

  constructor(options: EngineRunOptions) {
    this.started = options.started;
    this.settings = options.settings;
    this.store = options.store;
    const { corruptBlocksFraction = 0, clock = browserClock, ...deps } = options;
    this.#core = new RunEngine({
      ...deps,
      clock,
      onComplete: () => {
        this.#complete = true;
        deps.onComplete();
      },
      onPeerDropped: (peerId, reason, detail) => {
        console.warn(`swarmlab: dropped peer ${peerId} (${reason}): ${detail}`);
        // Once per peer, with its latest reason: a peer dropped, connected anew (a new offer) and dropped again
        // would otherwise be listed twice, a duplicate key for the page's list, and more for each time it came back.
        this.#droppedPeers = [
          ...this.#droppedPeers.filter((peer) => peer.peerId !== peerId),
          { peerId, reason, detail },
        ];
      },
      ...(corruptBlocksFraction > 0 && { wrapLink: (link) => corruptingLink(link, corruptBlocksFraction) }),
    });
  }

  get runNumber(): number {
    return this.started.runNumber;
  }

  get ownRun(): OwnRun {
    return this.#ownRun;
  }

  /** When the run started, on this tab's clock (`browserClock`, unless the options gave another). */
  get startedAtMs(): number {
    return this.#core.startedAtMs;
  }

  /** This tab holds the whole file of this run (reactive, whether or not the page is shown). */
  get complete(): boolean {
    return this.#complete;
  }

  /** The engine is moving bytes: neither ended (the run stopped) nor left (on completion). */
  get transferring(): boolean {
    return this.#core.transferring;
  }

  /** The latest sample; none before the first. */
  get latestSnapshot(): SwarmSnapshot | undefined {
    return this.#core.latestSnapshot;
  }

  /** The highest rates sampled in this run: estimates of u_i and d_i where a link has no cap. */
  get peakUploadBytesPerSec(): number {
    return this.#core.peakUploadBytesPerSec;
  }

  get peakDownloadBytesPerSec(): number {
    return this.#core.peakDownloadBytesPerSec;
  }

  /** What progress reports say of this run: this tab is in it while its engine runs, and after leaving on completion. */
  get progress(): RunProgress {
    return this.#core.progress;
  }

  /** The run as this tab knows it, for a server that forgot it (`RunEngine.resumedRun`). */
  resumedRun(participants: ResumedRun['participants']): ResumedRun | null {
    return this.#core.resumedRun(participants);
  }

  /** The run as this tab knows it after the latest table it saw (`RunEngine.resumedRunAfter`). */
  resumedRunAfter(latest: SwarmProgress | undefined): ResumedRun | null {
    return this.#core.resumedRunAfter(latest);
  }

  /** The peers this tab's engine disconnected in this run for misbehaving (bad data, protocol violations). */
  get droppedPeers(): readonly DroppedPeer[] {
    return this.#droppedPeers;
  }

  /** Takes part in the run over `transport`, unless this tab is out of the run. */
  addTransport(transport: RunLinks): void {
    this.#core.addTransport(transport);
  }

  /** Copies the engine's state (and keeps its peak rates); nothing once the engine is gone. */
  sample(): SwarmSnapshot | undefined {
    return this.#core.sample();
  }

  /** A selfish leecher's exit after completing: no more uploads, still counted in the run. */
  leave(): void {
    this.#leftOnCompletion = true;
    this.#core.leave();
  }

  /** The run stopped (or this tab leaves the swarm): the engine closes its links. */
  end(): void {
    this.#core.end();
  }
}
