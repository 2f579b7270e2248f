/**
 * How long one health check waits for the server's answer. Without a limit, a server that took the connection and
 * never answered (hung at start, stopped) held the check for undici's default of 300 s: `startServerProcess`'s 30 s
 * start limit went unenforced. Its own answer comes within milliseconds on loopback.
 */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** Whether the server at `origin` answers `GET /healthz` with success within `timeoutMs`. */
export function answersHealthCheck(origin: string, timeoutMs = HEALTH_CHECK_TIMEOUT_MS): Promise<boolean> {
  return fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (response) => response.ok,
    () => false,
  );
}
