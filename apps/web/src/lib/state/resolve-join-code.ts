import type { CodeResolved, SignallingResult } from '@swarmlab/protocol';
import { SignallingClient } from '@swarmlab/webrtc';

/**
 * Asks the signalling server (the page's own origin by default) which swarm `code` names, over a
 * connection of its own that closes with the answer: the start page is in no swarm yet.
 */
export async function resolveJoinCode(code: string, signallingUrl?: string): Promise<SignallingResult<CodeResolved>> {
  const client = SignallingClient.connect(signallingUrl);
  try {
    return await client.resolveCode({ code });
  } finally {
    client.disconnect();
  }
}
