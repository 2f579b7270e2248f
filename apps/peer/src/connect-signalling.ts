import { SignallingClient, type SignallingTiming } from '@swarmlab/webrtc';
import { HeadlessPeerError } from './headless-peer-error';
import { refusalError } from './headless-session';

/**
 * How long a headless peer waits for its first connection to the signalling server. socket.io would retry
 * for ever; a command line had better say at once that the server is not there.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The HTTP status with which a server refused the websocket's handshake, as Node's `ws` words it in the error
 * socket.io-client passes on (`Unexpected server response: 400`: engine.io refuses an upgrade so, whatever
 * its reason); undefined for any other failure. A browser says nothing of it; a headless peer can tell a server
 * that refused it from one that is not there.
 */
export function refusedHandshakeStatus(error: unknown): number | undefined {
  const description = (error as { description?: unknown } | null)?.description;
  const message = (description as { message?: unknown } | null | undefined)?.message;
  if (typeof message !== 'string') return undefined;
  const status = /^Unexpected server response: (\d{3})$/.exec(message)?.[1];
  return status === undefined ? undefined : Number(status);
}

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
    /** The handshake's HTTP refusal last met, if the last failure was one. */
    let refusedStatus: number | undefined;
    const unreachable = (): void =>
      fail(
        client.passingRefusal
          ? refusalError(client.passingRefusal)
          : refusedStatus === 400 || refusedStatus === 403
            ? new HeadlessPeerError(
                `the signalling server at ${serverUrl} refused the connection (HTTP ${refusedStatus}): ` +
                  'it takes no more connections from this address, or cannot reach its shared state (Redis); ' +
                  'try again later, or another of its processes',
              )
            : refusedStatus !== undefined
              ? new HeadlessPeerError(
                  `${serverUrl} answered the connection with HTTP ${refusedStatus}: is it a swarmlab signalling server?`,
                )
              : new HeadlessPeerError(`cannot reach the signalling server at ${serverUrl}: is it running?`),
      );
    const timer = setTimeout(unreachable, timeoutMs);
    const onConnect = (): void => {
      settle();
      resolve(client);
    };
    // The client reads the server's refusals (`too-many-connections`) from the same event first. One that passes
    // (`rate-limited`: the address owes bytes) it tries again by itself, within the time allowed here.
    const onError = (error: unknown): void => {
      refusedStatus = refusedHandshakeStatus(error);
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
