import type { PeerOverride, RunConfig } from '@swarmlab/protocol';
import type { SignallingClient } from '@swarmlab/webrtc';
import type { RunControl } from '../control';
import { userMessageOf } from '../user-message';

/**
 * The requests of the run controls, from a peer's tab or an overview screen alike. Each resolves to a
 * sentence for the user when the server refuses, and to `undefined` when it accepts.
 */
export interface RunRequests {
  startRun(config: RunConfig): Promise<string | undefined>;
  stopRun(): Promise<string | undefined>;
  configurePeer(peerId: string, override: PeerOverride): Promise<string | undefined>;
}

/** What the run panels need: the requests, and whether this screen may make them (it holds control). */
export interface RunController extends RunRequests {
  readonly control: RunControl;
}

/** The run requests over one signalling connection (a peer's or an overview screen's). */
export function signallingRunController(signalling: Pick<SignallingClient, keyof RunRequests>): RunRequests {
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
export const NO_RUN_REQUESTS: RunRequests = {
  startRun: async () => undefined,
  stopRun: async () => undefined,
  configurePeer: async () => undefined,
};
