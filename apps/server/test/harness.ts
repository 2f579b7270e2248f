import {
  buildManifest,
  contentIdOf,
  type ClientToServerEvents,
  type Manifest,
  type PeerId,
  type ServerToClientEvents,
  type SignalData,
  type SwarmProgress,
} from '@swarmlab/protocol';
import { io as connectClient, type Socket } from 'socket.io-client';
import { createSignallingServer, type SignallingServerDeps } from '../src/index';

/** A well-behaved client, typed with the shared contract. */
export type TypedClient = Socket<ServerToClientEvents, ClientToServerEvents>;
/** A client that may send anything, for malformed-input tests. */
export type RawClient = Socket;

/** Longest a test waits for an acknowledgement or an event. */
export const WAIT_MS = 2000;

export interface Harness {
  readonly url: string;
  readonly logLines: string[];
  connect(): Promise<TypedClient>;
  connectRaw(): Promise<RawClient>;
  /** Disconnects every client, then closes the server. */
  close(): Promise<void>;
}

/** Starts a real server on 127.0.0.1, port 0; clients connect over websockets, without reconnecting. */
export async function startHarness(deps: SignallingServerDeps = {}): Promise<Harness> {
  const logLines: string[] = [];
  const server = createSignallingServer({ log: (line) => logLines.push(line), ...deps });
  const { port } = await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const clients: Socket[] = [];

  const open = async (): Promise<Socket> => {
    const client = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
    return client;
  };

  return {
    url,
    logLines,
    connect: open,
    connectRaw: open,
    async close() {
      for (const client of clients) client.disconnect();
      await server.close();
    },
  };
}

/** A valid manifest and its content id, over `sizeBytes` of in-memory bytes in 16 KiB chunks. */
export async function makeManifest(
  sizeBytes = 40 * 1024,
  name = 'lecture.pdf',
): Promise<{ manifest: Manifest; contentId: string }> {
  const bytes = new Uint8Array(sizeBytes).map((_, index) => (index * 31 + 7) & 0xff);
  const manifest = await buildManifest({
    name,
    sizeBytes,
    chunkBytes: 16 * 1024,
    read: async (offsetBytes, lengthBytes) => bytes.subarray(offsetBytes, offsetBytes + lengthBytes),
  });
  return { manifest, contentId: await contentIdOf(manifest) };
}

/** What a client has received from the server, in arrival order. */
export interface Received {
  readonly joined: PeerId[];
  readonly left: PeerId[];
  readonly relays: { from: PeerId; signal: SignalData }[];
  readonly progress: SwarmProgress[];
}

export function record(client: TypedClient): Received {
  const received: Received = { joined: [], left: [], relays: [], progress: [] };
  client.on('peer:joined', ({ peerId }) => received.joined.push(peerId));
  client.on('peer:left', ({ peerId }) => received.left.push(peerId));
  client.on('signal:relay', (relay) => received.relays.push(relay));
  client.on('swarm:progress', (progress) => received.progress.push(progress));
  return received;
}

/** Waits until the latest `swarm:progress` the client received satisfies `condition`, and returns it. */
export async function latestProgress(
  received: Received,
  condition: (progress: SwarmProgress) => boolean,
  what: string,
): Promise<SwarmProgress> {
  const latest = (): SwarmProgress | undefined => received.progress.at(-1);
  try {
    await waitUntil(() => {
      const progress = latest();
      return progress !== undefined && condition(progress);
    }, what);
  } catch (error) {
    throw new Error(`${String(error)}; latest swarm:progress: ${JSON.stringify(latest())}`, { cause: error });
  }
  return latest()!;
}

/** Polls `condition` until it holds, failing after `WAIT_MS`. */
export async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A round trip through the server on `client`'s connection: anything the server sent to this client
 * before answering has arrived when it resolves (socket.io keeps each connection's order).
 */
export async function roundTrip(client: TypedClient): Promise<void> {
  await client.timeout(WAIT_MS).emitWithAck('signal:send', {
    to: 'no-such-peer',
    signal: { type: 'renegotiate', renegotiate: true },
  });
}

/** Resolves when the server has closed `client`'s connection. */
export function disconnected(client: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    if (client.disconnected) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error('client was not disconnected')), WAIT_MS);
    client.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

export const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' };
export const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' },
};
