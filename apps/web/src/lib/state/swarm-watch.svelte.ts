import type { JoinCode, Manifest, PeerOverride, RunConfig, SwarmProgress } from '@swarmlab/protocol';
import { SignallingClient } from '@swarmlab/webrtc';
import { pageSha256 } from '../page-sha256';
import { userMessageOf } from '../user-message';
import { CONTROL_REFUSED, CONTROL_UNKNOWN, IN_CONTROL, WATCHER_WITHOUT_CONTROL, type RunControl } from '../control';
import { CONTENT_MISMATCH_MESSAGE, manifestMatchesLink } from './file-preparation';
import { signallingRunController, type RunController, type RunRequests } from './run-controller';
import type { OnSwarmBroadcast } from './swarm-broadcast';

export type WatchPhase = 'connecting' | 'watching' | 'failed' | 'closed';

/** Shown when the swarm an overview screen follows is gone. */
export const SWARM_ENDED_MESSAGE =
  'This swarm has ended: its last peer left. The runs it finished stay in this browser.';

export interface SwarmWatchOptions {
  /** Signalling server; the page's own origin when absent. */
  readonly signallingUrl?: string;
  readonly onBroadcast?: OnSwarmBroadcast;
  /** The swarm's control secret, from a control link: with it, this screen runs the experiment. */
  readonly control?: string | undefined;
}

/**
 * An overview screen (a classroom projector): follows a swarm without being a peer in it, shows every
 * peer's progress from the server's reports and, opened from the control link (the teacher's screen),
 * can start and stop runs and set any peer's links.
 */
export class SwarmWatch implements RunController {
  #phase = $state<WatchPhase>('connecting');
  #error = $state<string | undefined>();
  #manifest = $state.raw<Manifest | undefined>();
  #swarmProgress = $state.raw<SwarmProgress | undefined>();
  #control = $state.raw<RunControl>(CONTROL_UNKNOWN);
  #joinCode = $state<JoinCode | undefined>();
  readonly swarmId: string;
  readonly #options: SwarmWatchOptions;
  readonly #signalling: SignallingClient;
  readonly #runs: RunRequests;

  constructor(swarmId: string, options: SwarmWatchOptions = {}) {
    this.swarmId = swarmId;
    this.#options = options;
    this.#signalling = SignallingClient.connect(options.signallingUrl);
    this.#runs = signallingRunController(this.#signalling);
    this.#signalling.socket.on('swarm:progress', (progress) => this.#setProgress(progress));
    this.#signalling.socket.on('swarm:ended', () => this.#fail(SWARM_ENDED_MESSAGE));
  }

  get phase(): WatchPhase {
    return this.#phase;
  }

  /** A message for the user when `phase` is `failed`. */
  get error(): string | undefined {
    return this.#error;
  }

  get manifest(): Manifest | undefined {
    return this.#manifest;
  }

  /** Whether this screen may start and stop runs and set the peers' links (it was opened from the control link). */
  get control(): RunControl {
    return this.#control;
  }

  /** The swarm's join code, shown large while the swarm waits. */
  get joinCode(): JoinCode | undefined {
    return this.#joinCode;
  }

  /** The server's latest broadcast of the whole swarm. */
  get swarmProgress(): SwarmProgress | undefined {
    return this.#swarmProgress;
  }

  /** Starts following the swarm, checking its manifest against the link's content id. */
  async watch(contentId: string): Promise<void> {
    const { control } = this.#options;
    const watched = await this.#signalling.watchSwarm({
      swarmId: this.swarmId,
      ...(control !== undefined && { control }),
    });
    if (!watched.ok) return this.#fail(userMessageOf(watched.error));
    if (!(await manifestMatchesLink(watched.manifest, contentId, pageSha256())))
      return this.#fail(CONTENT_MISMATCH_MESSAGE);
    this.#control = watched.inControl ? IN_CONTROL : control === undefined ? WATCHER_WITHOUT_CONTROL : CONTROL_REFUSED;
    this.#manifest = watched.manifest;
    this.#joinCode = watched.joinCode;
    this.#swarmProgress ??= watched.progress;
    this.#phase = 'watching';
    this.#announce();
  }

  startRun(config: RunConfig): Promise<string | undefined> {
    return this.#runs.startRun(config);
  }

  stopRun(): Promise<string | undefined> {
    return this.#runs.stopRun();
  }

  configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined> {
    return this.#runs.configurePeer(peerId, override);
  }

  close(): void {
    this.#signalling.disconnect();
    if (this.#phase !== 'failed') this.#phase = 'closed';
  }

  #setProgress(progress: SwarmProgress): void {
    this.#swarmProgress = progress;
    this.#announce();
  }

  #announce(): void {
    const manifest = this.#manifest;
    const progress = this.#swarmProgress;
    if (manifest && progress) this.#options.onBroadcast?.({ swarmId: this.swarmId, manifest, progress });
  }

  #fail(message: string): void {
    this.#error = message;
    this.#phase = 'failed';
    this.#signalling.disconnect();
  }
}
