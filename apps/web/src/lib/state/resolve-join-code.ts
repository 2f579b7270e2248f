import type { CodeResolved, SignallingResult } from '@swarmlab/protocol';
import { SIGNALLING_UNREACHABLE, SignallingClient, type SignallingTiming } from '@swarmlab/webrtc';

/**
 * Asks the signalling server (the page's own origin by default) which swarm `code` names, over a
 * connection of its own that closes with the answer: the start page is in no swarm yet.
 */
export async function resolveJoinCode(
  code: string,
  signallingUrl?: string,
  timing?: SignallingTiming,
): Promise<SignallingResult<CodeResolved>> {
  const client = SignallingClient.connect(signallingUrl, timing);
  try {
    const resolved = await client.resolveCode({ code });
    // Its connection never came up, and closes now: "reconnecting" (`signalling-lost`) would promise what nothing does.
    return !resolved.ok && resolved.error.code === 'signalling-lost'
      ? { ok: false, error: SIGNALLING_UNREACHABLE }
      : resolved;
  } finally {
    client.disconnect();
  }
}
