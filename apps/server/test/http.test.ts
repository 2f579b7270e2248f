import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemorySwarmState, type SwarmStateFactory } from '../src/index';
import { startHarness, type Harness } from './harness';

const INDEX_HTML = '<!doctype html><title>swarmlab</title><div id="app"></div>';

describe('HTTP endpoints', () => {
  let staticDir: string;
  let harness: Harness | undefined;
  beforeEach(async () => {
    staticDir = await mkdtemp(join(tmpdir(), 'swarmlab-static-'));
    await writeFile(join(staticDir, 'index.html'), INDEX_HTML);
    await mkdir(join(staticDir, 'assets'));
    await writeFile(join(staticDir, 'assets', 'app.js'), 'console.log("app");');
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await rm(staticDir, { recursive: true, force: true });
  });

  it('serves the web app, falling back to index.html for app routes', async () => {
    harness = await startHarness({ staticDir });
    const index = await fetch(`${harness.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toBe(INDEX_HTML);

    const script = await fetch(`${harness.url}/assets/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);

    // A share link that lost its # on the way (typed without it, or written %23 by a mail client): the app reads
    // the route from the path (apps/web `hashInPath`).
    for (const path of ['/swarm/AAAAAAAAAAAAAAAAAAAAAA/x', '/%23/swarm/AAAAAAAAAAAAAAAAAAAAAA/x']) {
      const appRoute = await fetch(`${harness.url}${path}`);
      expect(appRoute.status).toBe(200);
      expect(await appRoute.text()).toBe(INDEX_HTML);
    }

    expect((await fetch(`${harness.url}/assets/missing.js`)).status).toBe(404);
  });

  it('serves the app as it is on disk now: rebuilt while the server runs, or gone for a moment', async () => {
    harness = await startHarness({ staticDir });
    expect((await fetch(`${harness.url}/assets/app.js`)).status).toBe(200);
    // A rebuild: the old files go, new ones (new hashes in their names) come.
    await rm(join(staticDir, 'index.html'));
    await rm(join(staticDir, 'assets', 'app.js'));
    const unbuilt = await fetch(`${harness.url}/`);
    expect([unbuilt.status, await unbuilt.text()]).toEqual([503, expect.stringContaining('no index.html')]);
    expect((await fetch(`${harness.url}/assets/app.js`)).status).toBe(503);
    await writeFile(join(staticDir, 'assets', 'app-2.js'), 'console.log("rebuilt");');
    await writeFile(join(staticDir, 'index.html'), INDEX_HTML.replace('swarmlab', 'swarmlab, rebuilt'));
    const script = await fetch(`${harness.url}/assets/app-2.js`);
    expect([script.status, await script.text()]).toEqual([200, 'console.log("rebuilt");']);
    const index = await fetch(`${harness.url}/`);
    expect(await index.text()).toContain('swarmlab, rebuilt');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it('ignores a range that ends before it starts, and stays up', async () => {
    harness = await startHarness({ staticDir });
    for (const path of ['/', '/assets/app.js']) {
      const answer = await fetch(`${harness.url}${path}`, { headers: { range: 'bytes=9-1' } });
      expect(answer.status).toBe(200);
    }
    const huge = await fetch(`${harness.url}/assets/app.js`, { headers: { range: 'bytes=0-99999999999999999999' } });
    expect(huge.status).toBe(200);
    const ranged = await fetch(`${harness.url}/assets/app.js`, { headers: { range: 'bytes=0-6' } });
    expect([ranged.status, await ranged.text()]).toEqual([206, 'console']);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it('serves an app built after the server started (it said so, and told to build it)', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'swarmlab-unbuilt-'));
    try {
      harness = await startHarness({ staticDir: empty });
      expect((await fetch(`${harness.url}/swarm/x`)).status).toBe(503);
      // Nothing else of the directory either: a mistyped `--static-dir ~` served the teacher's home to the network.
      await writeFile(join(empty, 'grades.csv'), 'alice,12');
      expect((await fetch(`${harness.url}/grades.csv`)).status).toBe(503);
      await writeFile(join(empty, 'index.html'), INDEX_HTML);
      const index = await fetch(`${harness.url}/swarm/x`);
      expect([index.status, await index.text()]).toEqual([200, INDEX_HTML]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('serves nothing of a package’s source folder given as the app (its index.html loads /src/main.ts): says so', async () => {
    const source = await mkdtemp(join(tmpdir(), 'swarmlab-source-'));
    try {
      await writeFile(join(source, 'package.json'), '{"name":"@swarmlab/web"}');
      await writeFile(join(source, 'index.html'), '<script type="module" src="/src/main.ts"></script>');
      await mkdir(join(source, 'src'));
      await writeFile(join(source, 'vite.config.ts'), 'export default {};');
      harness = await startHarness({ staticDir: source });
      const refused = async (): Promise<void> => {
        for (const path of ['/', '/swarm/x', '/package.json', '/index.html']) {
          const answer = await fetch(`${harness!.url}${path}`);
          expect([path, answer.status, await answer.text()]).toEqual([
            path,
            503,
            expect.stringContaining('source folder'),
          ]);
        }
      };
      await refused();
      // Either mark of a source folder will do.
      await rm(join(source, 'vite.config.ts'));
      await refused();
      expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
      // A build whose folder carries a package.json (deployed for `npx serve`, say) is served.
      await rm(join(source, 'src'), { recursive: true });
      expect((await fetch(`${harness.url}/swarm/x`)).status).toBe(200);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });

  it('serves a range only as asked, ignoring one it would misread (a suffix, another unit)', async () => {
    harness = await startHarness({ staticDir });
    const whole = 'console.log("app");';
    for (const range of ['bytes=-3', 'items=2-3', 'bytes=0-0', 'bytes=1-2,4-5']) {
      const answer = await fetch(`${harness.url}/assets/app.js`, { headers: { range } });
      expect([answer.status, await answer.text()], range).toEqual([200, whole]);
    }
    const from = await fetch(`${harness.url}/assets/app.js`, { headers: { range: 'bytes=8-' } });
    expect([from.status, await from.text()]).toEqual([206, whole.slice(8)]);
  });

  it('serves no dotfile, and asks browsers not to guess a type', async () => {
    await writeFile(join(staticDir, '.env'), 'SECRET=1');
    harness = await startHarness({ staticDir });
    // `%5C` is a backslash once decoded, a separator on Windows: `/%5C.env` served `.env` there.
    for (const path of ['/.env', '/assets/../.env', '/%2eenv', '/%2Eenv', '/%5C.env', '/assets%5C.env'])
      expect((await fetch(`${harness.url}${path}`)).status, path).toBe(404);
    const script = await fetch(`${harness.url}/assets/app.js`);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('closes a connection that makes no request in time, and keeps those that do (a page, a websocket)', async () => {
    harness = await startHarness({ firstRequestTimeoutMs: 300 });
    const { port } = new URL(harness.url);
    // Who closed a connection, not how long it took: the server, or the test itself once 2 s passed (a connection
    // still open then). The test read the time it took before, a wall-clock ceiling (found by review).
    const closedBy = (send?: string): Promise<'server' | 'test'> =>
      new Promise((resolve, reject) => {
        let destroyedByTest = false;
        const socket = connect(Number(port), '127.0.0.1', () => {
          if (send !== undefined) socket.write(send);
        });
        socket.on('error', reject);
        socket.on('data', () => undefined);
        socket.on('close', () => resolve(destroyedByTest ? 'test' : 'server'));
        setTimeout(() => {
          destroyedByTest = true;
          socket.destroy();
        }, 2000).unref();
      });
    const silent = closedBy();
    // A request in time, kept open afterwards (keep-alive), is not closed by this rule.
    const asked = closedBy(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
    const socketIo = await harness.connect();
    // Before, a silent connection stayed open for good (seen after two minutes).
    expect(await Promise.all([silent, asked])).toEqual(['server', 'test']);
    expect(socketIo.connected).toBe(true);
  });

  it('answers /healthz with 200 ok, with or without a web app', async () => {
    harness = await startHarness({ staticDir });
    const withApp = await fetch(`${harness.url}/healthz`);
    expect([withApp.status, await withApp.text()]).toEqual([200, 'ok']);
    await harness.close();

    harness = await startHarness();
    const withoutApp = await fetch(`${harness.url}/healthz?probe=1`);
    expect([withoutApp.status, await withoutApp.text()]).toEqual([200, 'ok']);
    expect((await fetch(`${harness.url}/`)).status).toBe(404);
  });

  it('answers /lan-origins with the origins other devices reach: none for a server on loopback only', async () => {
    harness = await startHarness();
    const answer = await fetch(`${harness.url}/lan-origins`);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(await answer.json()).toEqual({ origins: [] });
    // A probe's HEAD gets the same headers (it got the app page's).
    const head = await fetch(`${harness.url}/lan-origins`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'application/json']);
  });

  it('answers a method that is not GET or HEAD with 405, naming the two (the app page came back with 200)', async () => {
    harness = await startHarness({ staticDir });
    for (const [method, path] of [
      ['POST', '/'],
      ['DELETE', '/swarm/x'],
      ['PUT', '/assets/app.js'],
      ['POST', '/healthz'],
      ['POST', '/lan-origins'],
    ] as const) {
      const answer = await fetch(`${harness.url}${path}`, { method });
      expect([method, path, answer.status, answer.headers.get('allow')]).toEqual([method, path, 405, 'GET, HEAD']);
    }
    expect((await fetch(`${harness.url}/assets/app.js`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
  });

  it('does not serve the socket.io client bundle (the web app bundles its own)', async () => {
    harness = await startHarness();
    expect((await fetch(`${harness.url}/socket.io/socket.io.js`)).status).not.toBe(200);
  });
});

describe('a process cut off from its shared state', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('lets its connections go, fails its health check and takes no connection until the state answers again', async () => {
    let cutOff = (_lastFailure: unknown): void => undefined;
    let reachable = true;
    const swarmState: SwarmStateFactory = (context) => ({
      ...createMemorySwarmState(context),
      onCutOff: (callback) => (cutOff = callback),
      reachable: () => reachable,
    });
    harness = await startHarness({ swarmState });
    harness.expectLogErrors(/the shared state (no longer counted this process alive|has not answered)/);
    const client = await harness.connect();
    const dropped = new Promise<string>((resolve) => client.once('disconnect', resolve));
    // Redis answered this process's requests with errors only for the process timeout: the others give its members
    // up. The log names the error, not silence alone.
    reachable = false;
    cutOff(new Error('READONLY You cannot write against a read only replica.'));
    expect(harness.logLines.filter((line) => line.includes('has not answered'))).toEqual([
      expect.stringContaining('(its last error: READONLY You cannot write against a read only replica.)'),
    ]);
    // Closed as a drop is, so its tabs reconnect (where the state answers), rather than wait here for ever.
    expect(await dropped).toBe('transport close');
    const health = await fetch(`${harness.url}/healthz`);
    expect([health.status, await health.text()]).toEqual([503, 'cut off from its shared state (Redis)']);
    await expect(harness.connect()).rejects.toThrow();
    reachable = true;
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    expect((await harness.connect()).connected).toBe(true);
  });
});
