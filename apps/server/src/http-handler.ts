import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';

/** Answers `200 ok` while the process serves requests; what Playwright's `webServer` and probes poll. */
export const HEALTH_PATH = '/healthz';

/**
 * Plain HTTP requests (socket.io intercepts its own `/socket.io/` path before these): the health check,
 * then the built web app from `staticDir` when given. Unknown paths fall back to `index.html` (SPA mode),
 * so a swarm link such as `/swarm/<id>` opens the app.
 */
export function createHttpHandler(staticDir?: string): (request: IncomingMessage, response: ServerResponse) => void {
  // maxAge 0: browsers revalidate (cheaply, by ETag) so a rebuilt app is never served stale.
  const serveStatic = staticDir === undefined ? undefined : sirv(staticDir, { single: true, etag: true, maxAge: 0 });

  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path === HEALTH_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      response.end('ok');
      return;
    }
    if (serveStatic) serveStatic(request, response, () => notFound(response));
    else notFound(response);
  };
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found');
}
