import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';
import { staticDirProblem, type StaticDirProblem } from './static-dir';

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
 * so a share link that lost its `#` (`/swarm/<id>/<cid>`, `/%23/swarm/…`) opens the app, which reads the route
 * from the path (apps/web `hashInPath`).
 */
export function createHttpHandler(
  options: HttpHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const { staticDir, lanOrigins, healthy = () => true } = options;
  // `dev`: each request looks its file up on disk and sends `Cache-Control: no-cache` (browsers revalidate,
  // cheaply, by ETag). Without it sirv lists the directory once at start and serves that list for ever: a
  // rebuild (`pnpm build` empties dist/ first) made every new asset a 404 until a restart, and a request for a
  // listed file that had gone opened a stream whose error nobody heard, which ended the process.
  // `nosniff`: a file whose type sirv does not know goes out with an empty one, which a browser must not guess.
  const serveStatic =
    staticDir === undefined
      ? undefined
      : sirv(staticDir, {
          single: true,
          etag: true,
          dev: true,
          setHeaders: (response) => response.setHeader('x-content-type-options', 'nosniff'),
        });

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    // Everything here is read-only: a POST or DELETE to the app or a route was answered 200 with the app's page, and a
    // HEAD of /lan-origins with the page's headers (found by review). socket.io's path never comes here.
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${request.method ?? 'this method'} is not allowed here: GET or HEAD`);
      return;
    }
    if (path === HEALTH_PATH) {
      const ok = healthy();
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      response.end(ok ? 'ok' : 'cut off from its shared state (Redis)');
      return;
    }
    if (path === LAN_ORIGINS_PATH) {
      const origins = lanOrigins?.(request.socket.localPort ?? 0) ?? [];
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ origins }));
      return;
    }
    if (serveStatic && staticDir !== undefined) {
      // Nothing of the build starts with a dot; whatever does in a directory given with `--static-dir` (`.env`,
      // `.git`) is nobody's business.
      if (hasDotSegment(path)) {
        notFound(response);
        return;
      }
      // Until the app is there, none of the directory is served: a mistyped `--static-dir ~` served the teacher's
      // home to the whole network, by exact path (found by review). Assets are asked for once index.html is.
      const problem = staticDirProblem(staticDir);
      if (problem !== undefined) {
        notBuilt(response, problem);
        return;
      }
      // sirv reads a file with the range asked for as it parses it: a range that ends before it starts (`bytes=9-1`)
      // was a synchronous throw from `createReadStream` that ended the process, and a suffix (`bytes=-3`, the last 3)
      // or another unit was served as the range from 0. Only `bytes=start-end` and `bytes=start-` it reads right are
      // kept; any other is ignored, as HTTP allows (the whole file is sent).
      if (!rangeServedRight(request.headers.range)) delete request.headers.range;
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

/**
 * No range, or one sirv serves as asked: `bytes=start-end` with start ≤ end (an end of 0 sirv reads as none) or
 * `bytes=start-`, offsets exact numbers (past 2^53 Node refuses them, as it would a file that long).
 */
function rangeServedRight(range: string | undefined): boolean {
  if (range === undefined) return true;
  const match = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (!match) return false;
  const start = Number(match[1]);
  const end = match[2] === '' ? undefined : Number(match[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && !Number.isSafeInteger(end))) return false;
  return end === undefined || (end > 0 && start <= end);
}

/**
 * Whether `path` (a request's, as sent) has a segment starting with a dot, decoded as sirv decodes it and split at
 * either slash, as a Windows path is (`/%5C.env` is `\.env` there).
 */
function hasDotSegment(path: string): boolean {
  let decoded = path;
  try {
    decoded = decodeURI(path);
  } catch {
    // Malformed: sirv then looks the path up as sent.
  }
  return [path, decoded].some((text) =>
    text.split(/[\\/]/).some((segment) => segment.startsWith('.') || segment.toLowerCase().startsWith('%2e')),
  );
}

/** The answer while `staticDir` holds no built app (`staticDirProblem`): what to do about it. */
function notBuilt(response: ServerResponse, problem: StaticDirProblem): void {
  response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(
    problem === 'app-source'
      ? 'This server’s static directory is a package’s source folder (it holds a package.json), not the built web ' +
          'app: start the server with --static-dir naming the build (apps/web/dist). Signalling works meanwhile.'
      : 'The web app is not in this server’s static directory (no index.html): build it (`npx pnpm@12.4.2 build`), or ' +
          'start the server with --static-dir naming the built app. Signalling works meanwhile; reload then.',
  );
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found');
}
