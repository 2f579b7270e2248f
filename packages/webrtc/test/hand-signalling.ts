import type { SignalData, SignallingResult, SignalSendRequest } from '@swarmlab/protocol';
import type { SwarmConnectorDeps } from '../src/swarm-connector';

/**
 * A connector's signalling in the test's hands: what the server would relay (`relay`, a try's `attempt` with it) and
 * a member's departure (`left`) are delivered when the test says; each signal the connector sends goes to `send`.
 */
export function handSignalling(
  send: (request: SignalSendRequest) => Promise<SignallingResult> = async () => ({ ok: true }),
): {
  readonly signalling: SwarmConnectorDeps['signalling'];
  readonly relay: (from: string, signal: SignalData, attempt?: number) => void;
  readonly left: (peerId: string) => void;
} {
  const handlers = new Map<string, (payload: never) => void>();
  const deliver = (event: string, payload: object): void => (handlers.get(event) as (payload: object) => void)(payload);
  return {
    signalling: {
      on: ((event: string, handler: (payload: never) => void) => {
        handlers.set(event, handler);
        return () => handlers.delete(event);
      }) as never,
      sendSignal: send,
    },
    relay: (from, signal, attempt) =>
      deliver('signal:relay', { from, signal, ...(attempt !== undefined && { attempt }) }),
    left: (peerId) => deliver('peer:left', { peerId }),
  };
}
