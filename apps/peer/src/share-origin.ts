import { isLoopbackHost } from '@swarmlab/protocol';

/** Where the share link and join code a headless peer prints send other machines. */
export interface ShareOrigin {
  /** The origin links are built on: the server's, or its first network address when it was given as loopback. */
  readonly origin: string;
  /** The server's other network addresses (Wi-Fi and a virtual machine's network, say), for the user to pick. */
  readonly others: readonly string[];
  /** Loopback, and the server knows no network address: the links open only this machine. */
  readonly thisMachineOnly: boolean;
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
  let origins: string[] = [];
  try {
    const body = await fetchLanOrigins(serverUrl);
    const listed = (body as { origins?: unknown } | null)?.origins;
    if (Array.isArray(listed)) origins = [...new Set(listed.filter(isHttpOrigin))];
  } catch {
    // No answer: the server's own origin, said to open this machine only.
  }
  const [origin, ...others] = origins;
  return origin === undefined
    ? { origin: serverUrl, others: [], thisMachineOnly: true }
    : { origin, others, thisMachineOnly: false };
}

async function serverLanOrigins(serverUrl: string): Promise<unknown> {
  const response = await fetch(new URL('/lan-origins', serverUrl), {
    signal: AbortSignal.timeout(LAN_ORIGINS_TIMEOUT_MS),
  });
  return response.json();
}

function isHttpOrigin(origin: unknown): origin is string {
  if (typeof origin !== 'string') return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
  } catch {
    return false;
  }
}
