import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UNATTACHED_FRAME_BURST } from '../src/engine-frames';
import { roundTrip, startHarness, WAIT_MS, type Harness } from './harness';

/**
 * A websocket speaking engine.io by hand, as a script would: frames no socket.io budget charges (websocket pings,
 * frames before or without a socket.io connection) are what these tests send.
 */
async function rawEngine(harness: Harness): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${harness.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(String(data)));
  const closed = once(ws, 'close').then(([code]) => code as number);
  await once(ws, 'open');
  await until(() => frames.some((frame) => frame.startsWith('0')), 'the engine.io open packet');
  return { ws, frames, closed };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with whether `closed` settled within `ms`. */
async function closedWithin(closed: Promise<number>, ms: number): Promise<boolean> {
  return Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);
}

describe('an engine.io connection’s frames that no socket.io budget charges', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('a websocket ping closes the connection: ws answered each by itself, gigabytes of pongs for a client that read nothing', async () => {
    harness = await startHarness();
    const other = await harness.connect();
    const { ws, frames, closed } = await rawEngine(harness);
    ws.send('40');
    await until(() => frames.some((frame) => frame.startsWith('40')), 'the socket.io connection');
    let pongs = 0;
    ws.on('pong', () => pongs++);
    for (let index = 0; index < 10_000; index++) ws.ping(Buffer.alloc(125));
    await closed;
    // Closed at the first, the others unanswered (before: every one answered, the connection kept).
    expect(pongs).toBeLessThan(10);
    expect(harness.logLines.some((line) => /websocket ping: closed/.test(line))).toBe(true);
    await roundTrip(other);
  });

  it('frames before any socket.io connection are counted: noops, and CONNECTs to namespaces that do not exist', async () => {
    harness = await startHarness();
    const other = await harness.connect();
    for (const frame of ['6', '40/nowhere,']) {
      const { ws, frames, closed } = await rawEngine(harness);
      for (let index = 0; index < 1000 && ws.readyState === WebSocket.OPEN; index++) ws.send(frame);
      await closed;
      // Before: all 1,000 taken, each CONNECT answered with an error, none counted.
      expect(frames.filter((sent) => sent.startsWith('44/nowhere')).length).toBeLessThanOrEqual(UNATTACHED_FRAME_BURST);
    }
    expect(harness.logLines.filter((line) => /without a socket\.io connection: closed/.test(line))).toHaveLength(2);
    await roundTrip(other);
  });

  it('a large frame before any socket.io connection closes it before socket.io parses it (a CONNECT’s auth is kept)', async () => {
    harness = await startHarness();
    const other = await harness.connect();
    const nested = `{"a":[${Array<string>(100_000).fill('[]').join(',')}]}`;
    for (const frame of [`40${nested}`, `40/nowhere,${nested}`]) {
      const { ws, frames, closed } = await rawEngine(harness);
      ws.send(frame);
      // Before: parsed (33 ms for 1.2 MB), admitted, and its auth (16 MB of heap) kept for the socket's life.
      expect(await closedWithin(closed, WAIT_MS)).toBe(true);
      expect(frames.some((sent) => sent.startsWith('40') || sent.startsWith('44'))).toBe(false);
    }
    expect(harness.logLines.filter((line) => /sent a frame of \d+ bytes/.test(line))).toHaveLength(2);
    expect(harness.stats().connections).toBe(1);
    await roundTrip(other);
  });

  it('leaves an honest connection alone, and counts again once its socket.io connection ended', async () => {
    harness = await startHarness();
    const { ws, frames, closed } = await rawEngine(harness);
    ws.send('40');
    await until(() => frames.some((frame) => frame.startsWith('40')), 'the socket.io connection');
    // Charged to the socket.io connection's own budget, not to this one.
    for (let index = 0; index < 3 * UNATTACHED_FRAME_BURST; index++) ws.send('6');
    expect(await closedWithin(closed, 300)).toBe(false);
    ws.send('41'); // its socket.io connection ends; the websocket stays
    // The end is taken in turn with the server's other work (a CI flake: on a busy machine the whole burst was read
    // before it): frames keep coming, a burst at a time, until the server counts them again.
    const deadline = Date.now() + WAIT_MS;
    do {
      for (let index = 0; index < 3 * UNATTACHED_FRAME_BURST && ws.readyState === WebSocket.OPEN; index++) ws.send('6');
    } while (ws.readyState === WebSocket.OPEN && Date.now() < deadline && !(await closedWithin(closed, 100)));
    expect(await closedWithin(closed, WAIT_MS)).toBe(true);
  });
});
