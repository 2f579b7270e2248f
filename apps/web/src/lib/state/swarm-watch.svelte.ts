import { contentIdOf, type Manifest, type PeerOverride, type RunConfig, type SwarmProgress } from '@swarmlab/protocol';
import { SignallingClient } from '@swarmlab/webrtc';
import { pageSha256 } from '../page-sha256';
import { userMessageOf } from '../user-message';
import type { RunController } from './run-controller';

export type WatchPhase = 'connecting' | 'watching' | 'failed' | 'closed';

/**
 * An overview screen (a classroom projector): follows a swarm without being a peer in it, shows every
 * peer's progress from the server's reports, and can start and stop runs and set any peer's links.
 */
export class SwarmWatch implements RunController {
  phase = $state<WatchPhase>('connecting');
  error = $state<string | undefined>();
  manifest = $state.raw<Manifest | undefined>();
  swarmProgress = $state.raw<SwarmProgress | undefined>();
  readonly swarmId: string;
  readonly #signalling: SignallingClient;

  constructor(swarmId: string, signallingUrl?: string) {
    this.swarmId = swarmId;
    this.#signalling = SignallingClient.connect(signallingUrl);
    this.#signalling.socket.on('swarm:progress', (progress) => (this.swarmProgress = progress));
    this.#signalling.socket.on('swarm:ended', () =>
      this.#fail('This swarm has ended: its last peer left. The runs it finished stay in this browser.'),
    );
  }

  /** Starts following the swarm, checking its manifest against the link's content id. */
  async watch(contentId: string): Promise<void> {
    const watched = await this.#signalling.watchSwarm({ swarmId: this.swarmId });
    if (!watched.ok) return this.#fail(userMessageOf(watched.error));
    if ((await contentIdOf(watched.manifest, pageSha256())) !== contentId)
      return this.#fail('The file this swarm offers does not match the link: the link may be damaged or forged.');
    this.manifest = watched.manifest;
    this.swarmProgress ??= watched.progress;
    this.phase = 'watching';
  }

  async startRun(config: RunConfig): Promise<string | undefined> {
    const result = await this.#signalling.startRun({ config });
    return result.ok ? undefined : userMessageOf(result.error);
  }

  async stopRun(): Promise<string | undefined> {
    const result = await this.#signalling.stopRun();
    return result.ok ? undefined : userMessageOf(result.error);
  }

  async configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined> {
    const result = await this.#signalling.configurePeer({ peerId, override });
    return result.ok ? undefined : userMessageOf(result.error);
  }

  close(): void {
    this.#signalling.disconnect();
    if (this.phase !== 'failed') this.phase = 'closed';
  }

  #fail(message: string): void {
    this.error = message;
    this.phase = 'failed';
    this.#signalling.disconnect();
  }
}
