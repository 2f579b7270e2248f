import { SignallingClient, type SignallingTiming } from '@swarmlab/webrtc';
import { HeadlessPeerError } from './headless-peer-error';
import { refusalError } from './headless-session';

/**
 * How long a headless peer waits for its first connection to the signalling server. socket.io would retry
 * for ever; a command line had better say at once that the server is not there.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The signalling server at `serverUrl`, once connected. The first failure to connect (nothing listening,
 * an unknown host) or no connection within `timeoutMs` is a `HeadlessPeerError`: a peer that was never in
 * a swarm has nothing to wait for. After that first connection, drops are `SwarmRejoin`'s business.
 */
export function connectSignalling(
  serverUrl: string,
  timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
  timing?: SignallingTiming,
): Promise<SignallingClient> {
  const client = SignallingClient.connect(serverUrl, timing);
  return new Promise((resolve, reject) => {
    const fail = (error: HeadlessPeerError): void => {
      settle();
      client.disconnect();
      reject(error);
    };
    const unreachable = (): void =>
      fail(
        client.passingRefusal
          ? refusalError(client.passingRefusal)
          : new HeadlessPeerError(`cannot reach the signalling server at ${serverUrl}: is it running?`),
      );
    const timer = setTimeout(unreachable, timeoutMs);
    const onConnect = (): void => {
      settle();
      resolve(client);
    };
    // The client reads the server's refusals (`too-many-connections`) from the same event first. One that passes
    // (`rate-limited`: the address owes bytes) it tries again by itself, within the time allowed here.
    const onError = (): void => {
      if (client.refusal) fail(refusalError(client.refusal));
      else if (!client.passingRefusal) unreachable();
    };
    const settle = (): void => {
      clearTimeout(timer);
      client.socket.off('connect', onConnect);
      client.socket.off('connect_error', onError);
    };
    client.socket.on('connect', onConnect);
    client.socket.on('connect_error', onError);
  });
}
