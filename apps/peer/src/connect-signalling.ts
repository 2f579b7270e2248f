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
 * The system's code for why a connection could not be made (`ECONNREFUSED`, `ENOTFOUND`, a TLS verification code
 * such as `DEPTH_ZERO_SELF_SIGNED_CERT`), as socket.io-client passes on Node's error; undefined for another failure.
 */
export function connectFailureCode(error: unknown): string | undefined {
  const description = (error as { description?: unknown } | null)?.description;
  const cause = (description as { error?: unknown } | null | undefined)?.error ?? description;
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Codes of a name that could not be looked up: a mistyped address, or no DNS. */
const UNKNOWN_HOST_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

/** Codes of a certificate Node does not trust (its own CA store; a school's server has its own, often). */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
/** Codes of a certificate out of its dates: this machine's clock, as often as the certificate. */
const CERTIFICATE_DATE_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/**
 * Codes of an https connection to a server that speaks plain http (`https://` typed for swarmlab's own server); not
 * `EPROTO`, which a TLS version or cipher no side shares gives too (an old proxy).
 */
const PLAIN_HTTP_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/**
 * What to tell a user whose connection could not be made for `code`: a mistyped host and an untrusted certificate
 * read as "is it running?", and sent a teacher to restart a server that was running (found by review).
 */
export function unreachableMessage(serverUrl: string, code: string | undefined): string {
  if (code !== undefined && UNKNOWN_HOST_CODES.has(code)) {
    let host = serverUrl;
    try {
      host = new URL(serverUrl).hostname;
    } catch {
      // The URL was read before this; the whole text names the host anyway.
    }
    return `cannot find the host ${host} (${code}): check the signalling server's address, ${serverUrl}`;
  }
  // Each its own advice: every certificate failure was told to add a CA, which mends none but the first (found by
  // review).
  if (code !== undefined && UNTRUSTED_CERTIFICATE_CODES.has(code))
    return (
      `the signalling server at ${serverUrl} has a TLS certificate this machine does not trust (${code}): ` +
      'give Node the certificate of the authority that signed it (NODE_EXTRA_CA_CERTS=<file.pem>), or use http://'
    );
  if (code !== undefined && CERTIFICATE_DATE_CODES.has(code))
    return (
      `the signalling server at ${serverUrl} has a TLS certificate that has expired or is not valid yet (${code}): ` +
      "check this machine's date and time, then the server's certificate"
    );
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return (
      `the signalling server at ${serverUrl} has a TLS certificate for another host name (${code}): ` +
      'use the name the certificate was issued for, not an address'
    );
  if (code !== undefined && PLAIN_HTTP_CODES.has(code) && serverUrl.startsWith('https:'))
    return (
      `the signalling server at ${serverUrl} does not speak https (${code}): ` +
      `swarmlab's own server speaks http, ${serverUrl.replace(/^https:/, 'http:')}`
    );
  if (code !== undefined && /CERT|TLS|SSL/.test(code))
    return `the signalling server at ${serverUrl} could not be reached over TLS (${code})`;
  return `cannot reach the signalling server at ${serverUrl}${code ? ` (${code})` : ''}: is it running?`;
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
    /** The system's code for the last failure, if it gave one. */
    let failureCode: string | undefined;
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
              : new HeadlessPeerError(unreachableMessage(serverUrl, failureCode)),
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
      failureCode = connectFailureCode(error);
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
