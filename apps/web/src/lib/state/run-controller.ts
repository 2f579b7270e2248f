import type { PeerOverride, RunConfig } from '@swarmlab/protocol';

/** What the run controls need, from a peer's tab or an overview screen alike. */
export interface RunController {
  startRun(config: RunConfig): Promise<string | undefined>;
  stopRun(): Promise<string | undefined>;
  configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined>;
}
