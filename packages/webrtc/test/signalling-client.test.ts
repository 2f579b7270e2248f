import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '@swarmlab/protocol';
import { pollUntil, testFile } from '@swarmlab/test-kit';
import { SIGNALLING_LOST, SignallingClient } from '../src/signalling-client';
import { untilRegistered } from '../src/until-registered';

const servers: Server[] = [];
const clients: SignallingClient[] = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A socket.io server on `port` (any free one by default) whose sockets answer `swarm:leave`, after `use` (its
 * middleware) admits them and `onConnection` sees them; its URL.
 */
function leaveAnsweringServer(
  use: Parameters<Server['use']>[0] = (_socket, next) => next(),
  onConnection: (socket: Parameters<Parameters<Server['on']>[1]>[0]) => void = () => {},
  port = 0,
): string {
  const server = new Server();
  servers.push(server);
  server.use(use);
  server.on('connection', (socket) => {
    socket.on('swarm:leave', (ack: (result: unknown) => void) => ack({ ok: true }));
    onConnection(socket);
  });
  server.listen(port);
  return `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
}

/** A socket.io server on port 0 that refuses every connection as ours does past a per-address limit. */
async function refusingServer(data: unknown): Promise<string> {
  const server = new Server();
  servers.push(server);
  server.use((_socket, next) => next(Object.assign(new Error('refused'), { data })));
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe('SignallingClient when the server refuses the connection', () => {
  it('answers a waiting request, and every later one, with the refusal at once instead of a timeout', async () => {
    const message = 'Too many connections from your network address.';
    const client = SignallingClient.connect(await refusingServer({ code: 'too-many-connections', message }), {
      ackTimeoutMs: 60_000,
    });
    clients.push(client);
    const startedMs = Date.now();
    const waiting = await client.joinSwarm({ swarmId: 'A'.repeat(22) });
    expect(waiting).toEqual({ ok: false, error: { code: 'too-many-connections', message } });
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(client.refusal?.code).toBe('too-many-connections');
    expect(await client.leaveSwarm()).toEqual({ ok: false, error: { code: 'too-many-connections', message } });
  });

  it('tries again later after a refusal it does not recognise, and a request held meanwhile is never sent', async () => {
    let handshakes = 0;
    let leaves = 0;
    const url = leaveAnsweringServer(
      (_socket, next) => {
        // A newer server's refusal, or a middleware that threw: socket.io itself does not try again after it.
        if (++handshakes > 1) return next();
        next(Object.assign(new Error('refused'), { data: { code: 'drop-tables', message: 'x' } }));
      },
      (socket) => socket.on('swarm:leave', () => leaves++),
    );
    const client = SignallingClient.connect(url, { ackTimeoutMs: 50, refusedReconnectDelayMs: 300 });
    clients.push(client);
    // Asked before any connection is up: held by socket.io, then taken back at the timeout, as never sent.
    expect(await client.leaveSwarm()).toEqual({ ok: false, error: SIGNALLING_LOST });
    expect(client.refusal).toBeUndefined();
    // Nor is its answer handler kept: one per ask, while the server stayed out of reach.
    expect(Object.keys((client.socket as unknown as { acks: object }).acks)).toEqual([]);
    // It stayed connecting for good before, every request timing out.
    await pollUntil(() => client.connection.state === 'connected', 'connected on a later try', 5000);
    expect(handshakes).toBe(2);
    expect(await client.leaveSwarm()).toEqual({ ok: true });
    // The first ask never reached the server: it would have acted on what its asker was told had failed.
    expect(leaves).toBe(1);
  });
});

describe('SignallingClient whose first connection waits for a server not up yet', () => {
  it('answers a request not sent by its timeout as signalling-lost, so that a join asked again gets in once, later', async () => {
    const probe = new Server();
    probe.listen(0);
    const { port } = probe.httpServer.address() as AddressInfo;
    await probe.close();
    const client = SignallingClient.connect(`http://127.0.0.1:${port}`, { ackTimeoutMs: 300 });
    clients.push(client);
    let joins = 0;
    // The server (restarting, say) is up 1.5 s after the page asked: past several of the request's timeouts.
    const starting = new Promise<void>((resolve) =>
      setTimeout(() => {
        leaveAnsweringServer(undefined, (socket) => socket.on('swarm:leave', () => joins++), port);
        resolve();
      }, 1500),
    );
    // (A leave stands for a join here: the same request path, with an answer this bare server can give.)
    const answer = await untilRegistered(() => client.leaveSwarm(), { intervalMs: 50, patienceMs: 10_000 });
    await starting;
    expect(answer).toEqual({ ok: true });
    // Each ask before the connection was taken back unsent: the server saw only the one it answered.
    expect(joins).toBe(1);
  });
});

describe('SignallingClient when the server turns the first connection away for a moment', () => {
  it('tries again later, answering requests with the refusal meanwhile, and a join asked again gets through', async () => {
    let handshakes = 0;
    let leaves = 0;
    const url = leaveAnsweringServer(
      (_socket, next) => {
        // Refused as a server refuses while the address owes bytes (a class registering its swarms again), then let in.
        if (++handshakes > 1) return next();
        next(Object.assign(new Error('refused'), { data: { code: 'rate-limited', message: 'Slow down.' } }));
      },
      (socket) => socket.on('swarm:leave', () => leaves++),
    );
    const client = SignallingClient.connect(url, { refusedReconnectDelayMs: 100 });
    clients.push(client);
    const states: string[] = [];
    client.onConnectionChange((connection) => states.push(connection.state));
    // As a tab's join asks, once a second in the page (every 50 ms here).
    const answer = await untilRegistered(() => client.leaveSwarm(), { intervalMs: 50, patienceMs: 5000 });
    expect(answer).toEqual({ ok: true });
    expect(handshakes).toBe(2);
    expect(leaves).toBe(1);
    expect(states).toEqual(['connected']);
    // The asks refused meanwhile left no answer handler behind.
    expect(Object.keys((client.socket as unknown as { acks: object }).acks)).toEqual([]);
    expect(client.refusal).toBeUndefined();
  });
});

describe('SignallingClient when the server turns a reconnection away', () => {
  it('tries again later instead of giving up, and is connected once the server lets it in', async () => {
    const server = new Server();
    servers.push(server);
    let connections = 0;
    let turnedAway = 0;
    server.use((_socket, next) => {
      // The first connection is let in; the next two are turned away, as a server is when an address owes bytes.
      if (++connections === 1 || turnedAway === 2) return next();
      turnedAway++;
      next(Object.assign(new Error('refused'), { data: { code: 'rate-limited', message: 'Slow down.' } }));
    });
    server.on('connection', (socket) => {
      socket.on('swarm:leave', (ack: (result: unknown) => void) => ack({ ok: true }));
      // The network drops the first connection (not the server's decision): socket.io reconnects.
      if (connections === 1) setTimeout(() => socket.conn.close(), 50);
    });
    server.listen(0);
    const { port } = server.httpServer.address() as AddressInfo;
    const client = SignallingClient.connect(`http://127.0.0.1:${port}`, { refusedReconnectDelayMs: 100 });
    clients.push(client);
    const states: string[] = [];
    client.onConnectionChange((connection) => states.push(connection.state));

    await pollUntil(
      () => turnedAway === 2 && client.connection.state === 'connected',
      'the third reconnection',
      10_000,
    );
    expect(states).not.toContain('refused');
    expect(states.at(-1)).toBe('connected');
    expect(client.refusal).toBeUndefined();
    expect(await client.leaveSwarm()).toEqual({ ok: true });
  });
});

describe('SignallingClient when a reconnection is refused in a way it does not know', () => {
  it('tries again itself, since socket.io will not, and is connected once the server lets it in', async () => {
    let connections = 0;
    const url = leaveAnsweringServer(
      (_socket, next) => {
        // The first connection is let in; the next is refused as a middleware that threw is (no data at all).
        if (++connections !== 2) return next();
        next(new Error('middleware failed'));
      },
      (socket) => {
        if (connections === 1) setTimeout(() => socket.conn.close(), 50);
      },
    );
    const client = SignallingClient.connect(url, { refusedReconnectDelayMs: 100 });
    clients.push(client);
    await pollUntil(() => connections >= 3 && client.connection.state === 'connected', 'the third connection', 10_000);
    expect(await client.leaveSwarm()).toEqual({ ok: true });
  });
});

describe('SignallingClient.reconnect', () => {
  it('drops the transport and socket.io opens a new one, which the server sees as a new socket', async () => {
    const socketIds: string[] = [];
    const url = leaveAnsweringServer(undefined, (socket) => void socketIds.push(socket.id));
    const client = SignallingClient.connect(url);
    clients.push(client);
    await pollUntil(() => client.connection.state === 'connected', 'the connection', 10_000);
    const states: string[] = [];
    client.onConnectionChange((connection) => states.push(connection.state));
    client.reconnect();
    await pollUntil(
      () => client.connection.state === 'connected' && socketIds.length === 2,
      'a new connection',
      10_000,
    );
    expect([states[0], states.at(-1)]).toEqual(['lost', 'connected']);
    expect(new Set(socketIds).size).toBe(2);
    expect(await client.leaveSwarm()).toEqual({ ok: true });
  });
});

describe('SignallingClient: the classroom requests', () => {
  it('sends code:resolve and peer:name with their payloads and hands back the answers', async () => {
    const server = new Server();
    servers.push(server);
    const heard: unknown[] = [];
    server.on('connection', (socket) => {
      socket.on('code:resolve', (request: unknown, ack: (result: unknown) => void) => {
        heard.push(['code:resolve', request]);
        ack({ ok: true, swarmId: 'A'.repeat(22), contentId: 'a'.repeat(64) });
      });
      socket.on('peer:name', (request: unknown, ack: (result: unknown) => void) => {
        heard.push(['peer:name', request]);
        ack({ ok: false, error: { code: 'not-in-swarm', message: 'Not in a swarm.' } });
      });
    });
    server.listen(0);
    const { port } = server.httpServer.address() as AddressInfo;
    const client = SignallingClient.connect(`http://127.0.0.1:${port}`, { ackTimeoutMs: 5_000 });
    clients.push(client);

    expect(await client.resolveCode({ code: 'K7MQ3P' })).toEqual({
      ok: true,
      swarmId: 'A'.repeat(22),
      contentId: 'a'.repeat(64),
    });
    expect(await client.setName({ name: 'Ada' })).toEqual({
      ok: false,
      error: { code: 'not-in-swarm', message: 'Not in a swarm.' },
    });
    expect(heard).toEqual([
      ['code:resolve', { code: 'K7MQ3P' }],
      ['peer:name', { name: 'Ada' }],
    ]);
  });
});

/** A socket.io server on port 0 that hands each connection to `onConnection`; its URL. */
async function serverDoing(onConnection: (socket: import('socket.io').Socket) => void): Promise<string> {
  const server = new Server();
  servers.push(server);
  server.on('connection', onConnection);
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

describe('SignallingClient: what the server sends is checked before anyone acts on it', () => {
  const SETTINGS = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
  const CONFIG = {
    mode: 'p2p',
    seederUploadBytesPerSec: null,
    peerUploadBytesPerSec: null,
    peerDownloadBytesPerSec: null,
    leaveOnComplete: false,
  };

  it('drops a pushed event whose payload is malformed, tells why, and hands over the next good one', async () => {
    const url = await serverDoing((socket) => {
      socket.on('ready', () => {
        socket.emit('run:started', null);
        socket.emit('run:started', { runNumber: 2, config: CONFIG });
        socket.emit('run:started', { runNumber: 2 ** 40, config: CONFIG, settings: {} });
        socket.emit('run:started', {
          runNumber: 3,
          config: CONFIG,
          settings: { a: { ...SETTINGS, leaveOnComplete: 1 } },
        });
        socket.emit('swarm:progress', { swarmId: 'A'.repeat(22), peers: null });
        // `__proto__` is a peer id like any other: it stays a key of the checked settings.
        socket.emit('run:started', {
          runNumber: 4,
          config: CONFIG,
          settings: JSON.parse(
            '{"__proto__":{"uploadBytesPerSec":null,"downloadBytesPerSec":null,"leaveOnComplete":false}}',
          ),
        });
      });
    });
    const client = SignallingClient.connect(url, { ackTimeoutMs: 5_000 });
    clients.push(client);
    const started: unknown[] = [];
    const progress: unknown[] = [];
    const ignored: string[] = [];
    client.on('run:started', (run) => started.push(run));
    client.on('swarm:progress', (swarm) => progress.push(swarm));
    client.onMalformedMessage(({ name, problem }) => ignored.push(`${name}: ${problem}`));
    await new Promise<void>((resolve) => client.socket.once('connect', resolve));
    (client.socket as unknown as { emit(event: string): void }).emit('ready');
    await pollUntil(() => started.length === 1 || undefined, 'the good run:started', 5_000);

    expect(ignored).toHaveLength(5);
    expect(ignored[1]).toMatch(/^run:started: settings/);
    expect(ignored[2]).toMatch(/^run:started: runNumber/);
    expect(ignored[4]).toMatch(/^swarm:progress: peers/);
    expect(progress).toEqual([]);
    const [run] = started as [{ runNumber: number; settings: Record<string, unknown> }];
    expect(run.runNumber).toBe(4);
    expect(Object.hasOwn(run.settings, '__proto__')).toBe(true);
  });

  it('answers a request whose acknowledgement is malformed with a malformed-answer refusal', async () => {
    const url = await serverDoing((socket) => {
      socket.on('swarm:join', (_request: unknown, ack: (result: unknown) => void) =>
        ack({ ok: true, swarmId: 'A'.repeat(22), peerId: 'p1', manifest: 'not one' }),
      );
      socket.on('swarm:leave', (ack: (result: unknown) => void) => ack('yes'));
      socket.on('run:stop', (ack: (result: unknown) => void) =>
        ack({ ok: false, error: { code: 'a-code-from-the-future', message: 'Newer.' } }),
      );
    });
    const client = SignallingClient.connect(url, { ackTimeoutMs: 5_000 });
    clients.push(client);
    const ignored: string[] = [];
    client.onMalformedMessage(({ name }) => ignored.push(name));

    const joined = await client.joinSwarm({ swarmId: 'A'.repeat(22) });
    expect(joined.ok ? undefined : joined.error.code).toBe('malformed-answer');
    expect(joined.ok ? undefined : joined.error.message).toMatch(/manifest/);
    const left = await client.leaveSwarm();
    expect(left.ok ? undefined : left.error.code).toBe('malformed-answer');
    // A refusal this version has no code for is still a refusal, read by its message.
    expect(await client.stopRun()).toEqual({ ok: false, error: { code: 'a-code-from-the-future', message: 'Newer.' } });
    expect(ignored).toEqual(['swarm:join', 'swarm:leave']);
  });
});

describe('SignallingClient.disconnect', () => {
  it('answers a request still waiting at once, rather than at its time-out', async () => {
    const server = new Server();
    servers.push(server);
    // A server that takes the request and never answers it.
    const received = new Promise<void>((resolve) =>
      server.on('connection', (socket) => socket.on('swarm:leave', () => resolve())),
    );
    server.listen(0);
    const { port } = server.httpServer.address() as AddressInfo;
    const client = SignallingClient.connect(`http://127.0.0.1:${port}`, { ackTimeoutMs: 60_000 });
    await pollUntil(() => client.connection.state === 'connected', 'the connection', 10_000);
    // The time-out's clock from here on: it cannot run out unless the test moves it, so an answer is the disconnect's
    // (the test measured 1 s of wall clock against the 60 s time-out before: found by review).
    vi.useFakeTimers();
    const answers: unknown[] = [];
    void client.leaveSwarm().then((answer) => answers.push(answer));
    await received;
    client.disconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(answers).toEqual([{ ok: false, error: expect.objectContaining({ code: 'signalling-closed' }) }]);
  });
});

describe('SignallingClient.dropConnection', () => {
  it('closes the connection as a network drop does, for good: the server is not told the tab left', async () => {
    const reasons: string[] = [];
    let connections = 0;
    const url = leaveAnsweringServer(undefined, (socket) => {
      connections++;
      socket.on('disconnect', (reason: string) => reasons.push(reason));
    });
    const dropped = SignallingClient.connect(url);
    const left = SignallingClient.connect(url);
    clients.push(dropped, left);
    await pollUntil(() => connections === 2, 'both connections', 10_000);
    const waiting = dropped.leaveSwarm();
    dropped.dropConnection();
    left.disconnect();
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'signalling-closed' } });
    await pollUntil(() => reasons.length === 2, 'both disconnects', 10_000);
    // The server's members keep their place on any reason but a deliberate one (`client namespace disconnect`).
    expect(reasons.sort()).toEqual(['client namespace disconnect', expect.stringMatching(/^transport (close|error)$/)]);
    // And it does not come back: socket.io would otherwise reconnect within a second or two.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(connections).toBe(2);
  });
});

describe('SignallingClient: news of another swarm than its own', () => {
  const [A, B] = ['A'.repeat(22), 'B'.repeat(22)];
  const tableOf = (swarmId: string) => ({ swarmId, peers: [], config: DEFAULT_RUN_CONFIG, run: null, flows: [] });
  const file = testFile(64 * 1024, 16 * 1024);
  /** The server's answer to a screen watching `swarmId`, but for the file (`file`, once made). */
  let watchedOf: (swarmId: string) => object;
  beforeAll(async () => {
    const { manifest, contentId } = await file;
    watchedOf = (swarmId) => ({
      ok: true,
      swarmId,
      manifest,
      contentId,
      progress: tableOf(swarmId),
      inControl: false,
      joinCode: 'K7MQ3P',
      registeredAgain: false,
    });
  });

  it('refuses a watch answer about another swarm, or carrying another swarm’s table', async () => {
    const answers = [
      { swarmId: B, progress: tableOf(B) },
      { swarmId: A, progress: tableOf(B) },
      { swarmId: A, progress: tableOf(A) },
    ];
    const url = await serverDoing((socket) => {
      socket.on('swarm:watch', (_request: unknown, ack: (result: unknown) => void) => {
        const { swarmId, progress } = answers.shift()!;
        ack({ ...watchedOf(swarmId), progress });
      });
    });
    const client = SignallingClient.connect(url, { ackTimeoutMs: 5_000 });
    clients.push(client);
    const ignored: string[] = [];
    client.onMalformedMessage(({ problem }) => ignored.push(problem));
    for (const _ of [1, 2]) {
      const watched = await client.watchSwarm({ swarmId: A });
      expect(watched.ok ? 'taken' : watched.error.code).toBe('malformed-answer');
    }
    expect(ignored).toEqual([`it is about swarm ${B}, not ${A}, the one asked for`, expect.stringContaining(B)]);
    // The swarm asked for is the connection's all the same: the server may have put it in the other one.
    expect(client.swarmId).toBe(A);
    expect((await client.watchSwarm({ swarmId: A })).ok).toBe(true);
    expect(client.swarmId).toBe(A);
  });

  it('drops news of another swarm than the one asked for before the answer, and takes the asked one’s', async () => {
    const url = await serverDoing((socket) => {
      socket.on('swarm:watch', (request: { swarmId: string }, ack: (result: unknown) => void) => {
        // Pushed before the answer: the other swarm's news (drawn and recorded as A's run before), then A's table.
        socket.emit('swarm:progress', tableOf(B));
        socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: {}, swarmId: B });
        socket.emit('swarm:progress', tableOf(request.swarmId));
        ack(watchedOf(request.swarmId));
      });
    });
    const client = SignallingClient.connect(url, { ackTimeoutMs: 5_000 });
    clients.push(client);
    const heard: string[] = [];
    const ignored: string[] = [];
    client.on('swarm:progress', ({ swarmId }) => heard.push(`progress ${swarmId}`));
    client.on('run:started', ({ swarmId }) => heard.push(`run started ${swarmId}`));
    client.onMalformedMessage(({ name, problem }) => ignored.push(`${name}: ${problem}`));
    expect((await client.watchSwarm({ swarmId: A })).ok).toBe(true);
    expect(heard).toEqual([`progress ${A}`]);
    expect(ignored).toEqual(
      ['swarm:progress', 'run:started'].map(
        (name) => `${name}: it is about swarm ${B}, not this page's ${A}, the one asked for`,
      ),
    );
  });

  it('drops a table or an end of another swarm once it follows one (drawn and recorded as its own, ending it)', async () => {
    const url = await serverDoing((socket) => {
      socket.on('swarm:watch', (request: { swarmId: string }, ack: (result: unknown) => void) => {
        const { swarmId } = request;
        ack(watchedOf(swarmId));
        for (const other of [B, A]) {
          socket.emit('swarm:progress', tableOf(other));
          socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: {}, swarmId: other });
          socket.emit('run:stopped', { runNumber: 1, swarmId: other });
          socket.emit('swarm:ended', { swarmId: other });
        }
        // From a server before runs' news named their swarm: taken.
        socket.emit('run:stopped', { runNumber: 2 });
      });
    });
    const client = SignallingClient.connect(url, { ackTimeoutMs: 5_000 });
    clients.push(client);
    const heard: string[] = [];
    const ignored: string[] = [];
    client.on('swarm:progress', ({ swarmId }) => heard.push(`progress ${swarmId}`));
    client.on('swarm:ended', ({ swarmId }) => heard.push(`ended ${swarmId}`));
    client.on('run:started', ({ swarmId }) => heard.push(`run started ${swarmId}`));
    client.on('run:stopped', ({ runNumber, swarmId }) => heard.push(`run ${runNumber} stopped ${swarmId}`));
    client.onMalformedMessage(({ name, problem }) => ignored.push(`${name}: ${problem}`));
    expect((await client.watchSwarm({ swarmId: A })).ok).toBe(true);
    await pollUntil(() => heard.length === 5 || undefined, 'swarm A’s news', 5_000);
    expect(heard).toEqual([
      `progress ${A}`,
      `run started ${A}`,
      `run 1 stopped ${A}`,
      `ended ${A}`,
      'run 2 stopped undefined',
    ]);
    expect(ignored).toEqual(
      ['swarm:progress', 'run:started', 'run:stopped', 'swarm:ended'].map(
        (name) => `${name}: it is about swarm ${B}, not this page's ${A}`,
      ),
    );
  });
});
