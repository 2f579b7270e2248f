import { isLoopbackHost, lanOriginsIn } from '@swarmlab/protocol';

/** Where the share link and join code a headless peer prints send other machines. */
export interface ShareOrigin {
  /** The origin links are built on: the server's, or its first network address when it was given as loopback. */
  readonly origin: string;
  /** The server's other network addresses (Wi-Fi and a virtual machine's network, say), for the user to pick. */
  readonly others: readonly string[];
  /**
   * Loopback, and no network address to build on: the links open only this machine. `no-address`: the server
   * knows none (it listens on a loopback address, or the machine is on no network); `no-answer`: it did not say
   * (an older server, a proxy that does not pass `/lan-origins` on).
   */
  readonly thisMachineOnly: false | 'no-address' | 'no-answer';
}

/** Fetches the server's network addresses (`GET /lan-origins`, as a page opened at localhost does). */
export type FetchLanOrigins = (serverUrl: string) => Promise<unknown>;

/** How long the server has to say its network addresses: a reachable server answers at once. */
export const LAN_ORIGINS_TIMEOUT_MS = 3000;

/**
 * The origin to build the links a peer prints on: `serverUrl`, unless it is loopback (`localhost`, `127.x.x.x`,
 * `[::1]`): then the first network address the server says it has, as a page opened at localhost does
 * (`ShareOrigin` of the web app). A seeder started with `--server http://localhost:8080` printed a share link that
 * opened each student's own machine (found by review).
 */
export async function shareOriginOf(
  serverUrl: string,
  fetchLanOrigins: FetchLanOrigins = serverLanOrigins,
): Promise<ShareOrigin> {
  if (!isLoopbackHost(new URL(serverUrl).hostname)) return { origin: serverUrl, others: [], thisMachineOnly: false };
  let body: unknown;
  try {
    body = await fetchLanOrigins(serverUrl);
  } catch {
    return { origin: serverUrl, others: [], thisMachineOnly: 'no-answer' };
  }
  const answered = typeof body === 'object' && body !== null && Array.isArray((body as { origins?: unknown }).origins);
  const [origin, ...others] = lanOriginsIn(body);
  if (origin !== undefined) return { origin, others, thisMachineOnly: false };
  return { origin: serverUrl, others: [], thisMachineOnly: answered ? 'no-address' : 'no-answer' };
}

async function serverLanOrigins(serverUrl: string): Promise<unknown> {
  const response = await fetch(new URL('/lan-origins', serverUrl), {
    signal: AbortSignal.timeout(LAN_ORIGINS_TIMEOUT_MS),
  });
  return response.json();
}
