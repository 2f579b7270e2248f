import type { PeerOverride, RunConfig } from '@swarmlab/protocol';
import type { SignallingClient } from '@swarmlab/webrtc';
import { userMessageOf } from '../user-message';

/**
 * What the run controls need, from a peer's tab or an overview screen alike. Each resolves to a
 * sentence for the user when the server refuses, and to `undefined` when it accepts.
 */
export interface RunController {
  startRun(config: RunConfig): Promise<string | undefined>;
  stopRun(): Promise<string | undefined>;
  configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined>;
}

/** The run controls over one signalling connection (a peer's or an overview screen's). */
export function signallingRunController(signalling: Pick<SignallingClient, keyof RunController>): RunController {
  return {
    async startRun(config) {
      const result = await signalling.startRun({ config });
      return result.ok ? undefined : userMessageOf(result.error);
    },
    async stopRun() {
      const result = await signalling.stopRun();
      return result.ok ? undefined : userMessageOf(result.error);
    },
    async configurePeer(peerId, override) {
      const result = await signalling.configurePeer({ peerId, override });
      return result.ok ? undefined : userMessageOf(result.error);
    },
  };
}

/** Until a session has its signalling connection, there is nothing to refuse: every request is a no-op. */
export const NO_RUN_CONTROLLER: RunController = {
  startRun: async () => undefined,
  stopRun: async () => undefined,
  configurePeer: async () => undefined,
};
