import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';

/** Answers `200 ok` while the process serves requests; what Playwright's `webServer` and probes poll. */
export const HEALTH_PATH = '/healthz';

/**
 * Answers `{ origins }`: the addresses of this machine on its networks, with the port the request came in on,
 * where the server listens on every interface (none otherwise). A page opened at localhost builds its share
 * links and QR codes from one of them, since other devices cannot reach localhost.
 */
export const LAN_ORIGINS_PATH = '/lan-origins';

export interface HttpHandlerOptions {
  /** The built web app; none: only the health check and the LAN origins. */
  readonly staticDir?: string | undefined;
  /** The LAN origins for a request that came in on `port` (`LAN_ORIGINS_PATH`). */
  readonly lanOrigins?: (port: number) => readonly string[];
  /** Whether the process serves requests (its shared state answers); the health check says 503 while not. */
  readonly healthy?: () => boolean;
}

/**
 * Plain HTTP requests (socket.io intercepts its own `/socket.io/` path before these): the health check,
 * then the built web app from `staticDir` when given. Unknown paths fall back to `index.html` (SPA mode),
 * so a swarm link such as `/swarm/<id>` opens the app.
 */
export function createHttpHandler(
  options: HttpHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const { staticDir, lanOrigins, healthy = () => true } = options;
  // `dev`: each request looks its file up on disk and sends `Cache-Control: no-cache` (browsers revalidate,
  // cheaply, by ETag). Without it sirv lists the directory once at start and serves that list for ever: a
  // rebuild (`pnpm build` empties dist/ first) made every new asset a 404 until a restart, and a request for a
  // listed file that had gone opened a stream whose error nobody heard, which ended the process.
  const serveStatic = staticDir === undefined ? undefined : sirv(staticDir, { single: true, etag: true, dev: true });

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      const ok = healthy();
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      response.end(ok ? 'ok' : 'cut off from its shared state (Redis)');
      return;
    }
    if (path === LAN_ORIGINS_PATH && request.method === 'GET') {
      const origins = lanOrigins?.(request.socket.localPort ?? 0) ?? [];
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ origins }));
      return;
    }
    if (serveStatic) {
      // sirv reads a file with the range asked for, and a range that ends before it starts (`bytes=9-1`) is a
      // synchronous throw from `createReadStream`: out of this listener, it ended the process. Such a header is
      // invalid, so it is ignored, as HTTP says (the whole file is sent).
      if (!rangeIsOrdered(request.headers.range)) delete request.headers.range;
      // A file removed between sirv's look-up and its read: the response is cut off, the process goes on.
      response.once('pipe', (source: NodeJS.ReadableStream) => source.once('error', () => response.destroy()));
      try {
        serveStatic(request, response, () => notFound(response));
      } catch {
        // Anything else sirv throws at once (a file gone between its existence check and its stat, during a
        // rebuild): this request fails, the server stays up. Once headers went out, the response is cut off.
        if (response.headersSent) response.destroy();
        else response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end();
      }
    } else notFound(response);
  };
}

/** No range, or one whose start is not past its end as sirv reads it (`bytes=start-end`, either part optional). */
function rangeIsOrdered(range: string | undefined): boolean {
  if (range === undefined) return true;
  const [startText = '', endText = ''] = range.replace('bytes=', '').split('-');
  const start = Number.parseInt(startText, 10) || 0;
  const end = Number.parseInt(endText, 10);
  // Past 2^53 an offset is not an exact number, and Node refuses it (as it would a file that long).
  if (!Number.isSafeInteger(start) || !(Number.isNaN(end) || Number.isSafeInteger(end))) return false;
  return Number.isNaN(end) || start <= end;
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found');
}
