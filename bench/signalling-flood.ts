// `pnpm bench signalling`'s flood, in a process of its own: one address spamming the largest events it can.
import type { SignallingResult } from '@swarmlab/protocol';
import { largestCreateRequest } from '@swarmlab/test-kit';
import type { Socket } from 'socket.io-client';
import { sleep } from './failure';
import {
  codeOf,
  connectFrom,
  countInto,
  FLOOD_ADDRESS,
  serveCommands,
  type FloodCommand,
  type FloodReply,
  type FloodReport,
} from './signalling-load';

const ACK_TIMEOUT_MS = 10_000;
/** Larger than any valid request (1.4 MiB, as in issue #10): the server drops its sender unread. */
const OVERSIZED_BYTES = 1.4 * 1024 * 1024;
const DEEP_LEVELS = 5000;
/** Idle connections opened at once. */
const IDLE_BATCH = 50;

function deepPayload(): unknown {
  let value: unknown = {};
  for (let level = 0; level < DEEP_LEVELS; level++) value = [value];
  return value;
}

const spammers: Socket[] = [];
const idle: Socket[] = [];

async function prepare(url: string, sockets: number, idleConnections: number): Promise<FloodReply> {
  const connectRefusals: Record<string, number> = {};
  const connect = async (): Promise<void> => {
    const connected = await connectFrom(url, FLOOD_ADDRESS);
    if (connected.ok) (spammers.length < sockets ? spammers : idle).push(connected.socket);
    else countInto(connectRefusals, connected.code);
  };
  for (let index = 0; index < sockets; index++) await connect();
  // Then as many idle connections as the address may hold, and more, a batch at a time.
  for (let first = 0; first < idleConnections; first += IDLE_BATCH) {
    await Promise.all(Array.from({ length: Math.min(IDLE_BATCH, idleConnections - first) }, connect));
  }
  return { type: 'ready', spammers: spammers.length, idleAccepted: idle.length, connectRefusals };
}

async function flood(url: string, seconds: number): Promise<FloodReply> {
  const largest = await largestCreateRequest();
  const largestBytes = Buffer.byteLength(JSON.stringify(largest));
  const deep = deepPayload();
  const oversized = { junk: 'x'.repeat(OVERSIZED_BYTES) };
  const answers: Record<string, number> = {};
  const reconnectRefusals: Record<string, number> = {};
  let events = 0;
  let bytes = 0;
  let disconnects = 0;

  /** The answer's code; `disconnected` as soon as the server drops the socket (socket.io would wait out the time-out). */
  const request = async (socket: Socket, event: string, payload: unknown): Promise<void> => {
    let onDisconnect = (): void => undefined;
    const dropped = new Promise<string>((resolve) => {
      onDisconnect = () => resolve('disconnected');
      socket.once('disconnect', onDisconnect);
    });
    const answered = socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck(event, payload)
      .then(
        (result) => codeOf(result as SignallingResult),
        () => 'timeout',
      );
    countInto(answers, await Promise.race([answered, dropped]));
    socket.off('disconnect', onDisconnect);
  };
  const reconnect = async (): Promise<Socket | undefined> => {
    // A determined flooder frees a seat among its own idle connections, and reconnects at once.
    idle.pop()?.close();
    const connected = await connectFrom(url, FLOOD_ADDRESS);
    if (connected.ok) return connected.socket;
    countInto(reconnectRefusals, connected.code);
    await sleep(50);
    return undefined;
  };

  const startMs = performance.now();
  const deadlineMs = startMs + seconds * 1000;
  const spam = async (first: Socket): Promise<void> => {
    let socket: Socket | undefined = first;
    for (let cycle = 0; performance.now() < deadlineMs; cycle++) {
      if (!socket?.connected) {
        if (socket) {
          disconnects++;
          socket.close();
        }
        socket = await reconnect();
        continue;
      }
      // Two without an acknowledgement, then one with: its answer paces the flood to what the server reads.
      socket.emit('swarm:create', largest);
      socket.emit('swarm:create', largest);
      await request(socket, 'swarm:create', largest);
      events += 3;
      bytes += 3 * largestBytes;
      if (cycle % 4 === 3) {
        await request(socket, 'swarm:join', deep);
        socket.emit('swarm:create', oversized);
        events += 2;
        bytes += 2 * DEEP_LEVELS + OVERSIZED_BYTES;
      }
    }
    socket?.close();
  };
  await Promise.all(spammers.splice(0).map((socket) => spam(socket)));
  for (const socket of idle.splice(0)) socket.close();
  const report: FloodReport = {
    seconds: (performance.now() - startMs) / 1000,
    events,
    bytes,
    answers,
    disconnects,
    reconnectRefusals,
  };
  return { type: 'flooded', flood: report };
}

let floodUrl = '';
serveCommands<FloodCommand, FloodReply>(async (command) => {
  if (command.type === 'prepare') {
    floodUrl = command.url;
    return prepare(command.url, command.sockets, command.idleConnections);
  }
  return flood(floodUrl, command.seconds);
});
