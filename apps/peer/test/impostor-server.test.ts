import type { AddressInfo } from 'node:net';
import { DEFAULT_RUN_CONFIG, type SignallingResult } from '@swarmlab/protocol';
import { pollUntil, testFile } from '@swarmlab/test-kit';
import { Server, type Socket } from 'socket.io';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '@swarmlab/engine';
import { SignallingClient } from '@swarmlab/webrtc';
import { HeadlessSession } from '../src/headless-session';
import { startHeadlessPeer, type HeadlessPeer, type HeadlessPeerEvent } from '../src/index';
import { memoryLeecherStorage } from '../src/leecher-storage';
import { nodePeerFactory } from '../src/node-peer-factory';
import { nodeSha256 } from '../src/node-sha256';
import { shareLinkOf } from '../src/swarm-target';

const SWARM_ID = 'S'.repeat(22);
const SETTINGS = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };

const servers: Server[] = [];
const peers: HeadlessPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Ack = (answer: unknown) => void;

/**
 * A socket.io server that lets a peer join a swarm of one file, then does what `misbehave` says: what a
 * server of another version, or one that is not swarmlab's, may send.
 */
async function impostor(
  misbehave: (socket: Socket, peerId: string) => void,
  beforeAnswer: (socket: Socket, peerId: string) => void = () => {},
): Promise<{ url: string; contentId: string; server: Server }> {
  const file = await testFile(300_000, 256 * 1024);
  const server = new Server();
  servers.push(server);
  server.on('connection', (socket) => {
    socket.on('progress:report', (_report: unknown, ack: Ack) => ack({ ok: true }));
    socket.on('swarm:join', (_request: unknown, ack: Ack) => {
      beforeAnswer(socket, 'leecher1');
      ack({
        ok: true,
        swarmId: SWARM_ID,
        peerId: 'leecher1',
        manifest: file.manifest,
        contentId: file.contentId,
        peers: [],
        iceServers: [],
        run: null,
        inControl: false,
        memberKey: 'K'.repeat(22),
        seal: { salt: 'T'.repeat(22), controlDigest: 'D'.repeat(43) },
        joinCode: 'K7MQ3P',
      });
      setTimeout(() => misbehave(socket, 'leecher1'), 50);
    });
  });
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, contentId: file.contentId, server };
}

/** A headless peer joining the impostor's swarm: the events it says, as they come. */
async function joinedEvents(url: string, contentId: string): Promise<HeadlessPeerEvent[]> {
  const events: HeadlessPeerEvent[] = [];
  const peer = await startHeadlessPeer({
    swarmLink: shareLinkOf(url, SWARM_ID, contentId),
    onEvent: (event) => events.push(event),
  });
  peers.push(peer);
  return events;
}

it('a headless peer ignores what its server pushes malformed, says so, and goes on with what it can read', async () => {
  const { url, contentId } = await impostor((socket, peerId) => {
    socket.emit('swarm:progress', null);
    socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG });
    socket.emit('run:started', { runNumber: 2 ** 40, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } });
    socket.emit('run:stopped', {});
    socket.emit('peer:left', { peerId: 42 });
    socket.emit('signal:relay', { from: 'x', signal: null });
    socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } });
  });
  const events = await joinedEvents(url, contentId);

  await pollUntil(
    () => events.some((event) => event.type === 'run-started') || undefined,
    'the good run to start',
    10_000,
  );
  const ignored = events.flatMap((event) => (event.type === 'server-message-ignored' ? [event.name] : []));
  expect(ignored).toEqual(['swarm:progress', 'run:started', 'run:started', 'run:stopped', 'peer:left', 'signal:relay']);
  expect(events.filter((event) => event.type === 'run-started')).toEqual([{ type: 'run-started', runNumber: 1 }]);
  expect(events.some((event) => event.type === 'failed')).toBe(false);
});

it('a headless peer refuses to join on an answer it cannot read, saying so in one line', async () => {
  const file = await testFile(300_000, 256 * 1024);
  const server = new Server();
  servers.push(server);
  server.on('connection', (socket) => {
    socket.on('swarm:join', (_request: unknown, ack: Ack) =>
      ack({ ok: true, swarmId: SWARM_ID, peerId: 'leecher1', manifest: file.manifest, run: { runNumber: 'one' } }),
    );
  });
  server.listen(0);
  const { port } = server.httpServer.address() as AddressInfo;

  await expect(
    startHeadlessPeer({ swarmLink: shareLinkOf(`http://127.0.0.1:${port}`, SWARM_ID, file.contentId) }),
  ).rejects.toThrow(/could not be read \(is it another version of swarmlab\?\)/);
});

it('a run stopped while its store opens does not start once the store is open', async () => {
  const { url, contentId } = await impostor((socket, peerId) => {
    socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } });
    socket.emit('run:stopped', { runNumber: 1 });
  });
  const signalling = SignallingClient.connect(url);
  const events: HeadlessPeerEvent[] = [];
  const session = new HeadlessSession({
    signalling,
    createPeer: nodePeerFactory,
    clock: systemClock,
    sha256: nodeSha256,
    onEvent: (event) => events.push(event),
  });
  // A store that takes a moment to open, as a large --out file on a slow disk does.
  const memory = memoryLeecherStorage();
  let opened = 0;
  const slow = {
    ...memory,
    openRun: async (manifest: Parameters<typeof memory.openRun>[0]) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      opened++;
      return memory.openRun(manifest);
    },
  };
  try {
    await session.join(SWARM_ID, contentId, slow);
    await pollUntil(() => opened === 1 || undefined, 'the store to open', 5_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.filter((event) => event.type.startsWith('run-'))).toEqual([{ type: 'run-stopped', runNumber: 1 }]);
    expect(session.snapshot).toBeUndefined();
  } finally {
    session.close();
    signalling.disconnect();
  }
});

it('a peer whose run was stopped, and the next one came and went, while it missed both ends its run', async () => {
  const { url, contentId } = await impostor((socket, peerId) => {
    socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } });
    // Its socket missed `run:stopped` 1, `run:started` 2 and `run:stopped` 2: the next table shows run 2 stopped.
    setTimeout(() => {
      socket.emit('swarm:progress', {
        swarmId: SWARM_ID,
        peers: [],
        config: DEFAULT_RUN_CONFIG,
        run: {
          runNumber: 2,
          phase: 'stopped',
          config: DEFAULT_RUN_CONFIG,
          startedAtEpochMs: 1_700_000_000_000,
          elapsedMs: 5000,
          distributionMs: null,
          participants: [],
          abandonedLeechers: 0,
          restoredAfterMs: null,
          interruption: null,
        },
        flows: [],
      });
    }, 500);
  });
  const events = await joinedEvents(url, contentId);
  await pollUntil(() => events.some((event) => event.type === 'run-started') || undefined, 'run 1 to start', 5_000);
  // Before, it went on "running" run 1: 0 MB/s lines every second, and reports of run 1.
  await pollUntil(() => events.some((event) => event.type === 'run-stopped') || undefined, 'run 1 to end', 5_000);
  expect(events.filter((event) => event.type.startsWith('run-'))).toEqual([
    { type: 'run-started', runNumber: 1 },
    { type: 'run-stopped', runNumber: 1 },
  ]);
  expect(events.some((event) => event.type === 'server-message-ignored')).toBe(false);
});

it('a run started while the peer still joins (heard before the answer) is taken as it enters', async () => {
  const { url, contentId } = await impostor(
    () => {},
    (socket, peerId) =>
      socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } }),
  );
  const events = await joinedEvents(url, contentId);
  await pollUntil(() => events.some((event) => event.type === 'run-started') || undefined, 'the run to start', 5_000);
  expect(events.filter((event) => event.type === 'run-started')).toEqual([{ type: 'run-started', runNumber: 1 }]);
});

it('a run started and stopped while the peer still joins does not start', async () => {
  const { url, contentId } = await impostor(
    (socket) => socket.emit('swarm:progress', null),
    (socket, peerId) => {
      socket.emit('run:started', { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { [peerId]: SETTINGS } });
      socket.emit('run:stopped', { runNumber: 1 });
    },
  );
  const events = await joinedEvents(url, contentId);
  // The malformed broadcast sent after the answer: everything before it has been handled.
  await pollUntil(
    () => events.some((event) => event.type === 'server-message-ignored') || undefined,
    'the broadcast after the answer',
    5_000,
  );
  expect(events.filter((event) => event.type.startsWith('run-'))).toEqual([]);
});

/** A refusal the server answers anything with while the address's budget is in debt. */
const RATE_LIMITED: SignallingResult = {
  ok: false,
  error: { code: 'rate-limited', message: 'Too many requests in a short time.' },
};

/**
 * A peer named Dana on an impostor whose `peer:name` answers `answer(asks)` (the number of asks so far, this one
 * counted): the names asked, and the peer's events.
 */
async function namedPeer(answer: (asks: number) => SignallingResult) {
  const names: unknown[] = [];
  const { url, contentId, server } = await impostor(() => {});
  server.on('connection', (socket) =>
    socket.on('peer:name', (request: unknown, ack: Ack) => {
      names.push(request);
      ack(answer(names.length));
    }),
  );
  const events: HeadlessPeerEvent[] = [];
  const peer = await startHeadlessPeer({
    swarmLink: shareLinkOf(url, SWARM_ID, contentId),
    displayName: 'Dana',
    onEvent: (event) => events.push(event),
  });
  peers.push(peer);
  return { names, events };
}

it('a --name refused for a moment (the address over its budget) is sent again until taken', async () => {
  const { names, events } = await namedPeer((asks) => (asks === 1 ? RATE_LIMITED : { ok: true }));
  // Before, the one refused send was all: the name was lost for the session.
  await pollUntil(() => names.length === 2 || undefined, 'the name sent again', 5_000);
  expect(names).toEqual([{ name: 'Dana' }, { name: 'Dana' }]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(events.filter((event) => event.type === 'name-refused')).toEqual([]);
});

it('a --name refused for good is said, once, and not sent again', async () => {
  const { names, events } = await namedPeer(() => ({
    ok: false,
    error: { code: 'invalid-payload', message: 'not a name' },
  }));
  await pollUntil(() => events.some((event) => event.type === 'name-refused') || undefined, 'the refusal said', 5_000);
  expect(events.filter((event) => event.type === 'name-refused')).toEqual([
    { type: 'name-refused', message: 'not a name' },
  ]);
  expect(names).toHaveLength(1);
});

it('a join code looked up while the address is over its budget is looked up again, and the peer joins', async () => {
  const lookups: unknown[] = [];
  const { url, contentId, server } = await impostor(() => {});
  server.on('connection', (socket) =>
    socket.on('code:resolve', (request: unknown, ack: Ack) => {
      lookups.push(request);
      ack(lookups.length === 1 ? RATE_LIMITED : { ok: true, swarmId: SWARM_ID, contentId });
    }),
  );
  // Before, the first refusal ended the peer: "the signalling server refused", exit 1.
  const peer = await startHeadlessPeer({ serverUrl: url, joinCode: 'K7M-Q3P' });
  peers.push(peer);
  expect(peer.swarmId).toBe(SWARM_ID);
  expect(lookups).toEqual([{ code: 'K7MQ3P' }, { code: 'K7MQ3P' }]);
});

it('a join code the server does not know ends the start at once, not asked again', async () => {
  const lookups: unknown[] = [];
  const { url, server } = await impostor(() => {});
  server.on('connection', (socket) =>
    socket.on('code:resolve', (request: unknown, ack: Ack) => {
      lookups.push(request);
      ack({ ok: false, error: { code: 'code-not-found', message: 'No swarm has this code.' } });
    }),
  );
  await expect(startHeadlessPeer({ serverUrl: url, joinCode: 'K7M-Q3P' })).rejects.toThrow(
    /no swarm has the join code K7M-Q3P/,
  );
  expect(lookups).toHaveLength(1);
});
