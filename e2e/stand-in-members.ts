import { io, type Socket } from 'socket.io-client';
import {
  chunkCount,
  type ClientToServerEvents,
  type ProgressReport,
  type ServerToClientEvents,
  type SignallingResult,
  type SwarmJoined,
} from '@swarmlab/protocol';

/**
 * Members that join a swarm over signalling alone and report a fixed, plausible progress (a share of the
 * chunks held, no run), so an overview shows a classroom's worth of cards without a Chromium page (or a
 * WebRTC stack) per peer. They never connect to anyone: only a newcomer initiates connections, and they
 * are the newcomers, so the real tabs leave them be. They stand in for the layout, not for transfers.
 */
export interface StandIns {
  readonly peerIds: readonly string[];
  close(): void;
}

/** The swarm id in a share link (`…/#/swarm/<swarmId>/<contentId>`). */
export function swarmIdOfLink(link: string): string {
  const match = /#\/swarm\/([^/]+)\//.exec(link);
  if (!match) throw new Error(`not a share link: ${link}`);
  return match[1]!;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * How long a stand-in waits for the server's answer: a connection refused (no reconnection here) left the request
 * buffered, and the test hung to its own timeout saying nothing (found by review).
 */
const ANSWER_TIMEOUT_MS = 10_000;

function request<T extends object = object>(
  send: (ack: (error: Error | null, result: SignallingResult<T>) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    send((error, result) => {
      if (error) reject(new Error(`a stand-in had no answer within ${ANSWER_TIMEOUT_MS} ms: ${error.message}`));
      else if (result.ok) resolve(result as T);
      else reject(new Error(`${result.error.code}: ${result.error.message}`));
    });
  });
}

/** `count` stand-ins named "Student 1", "Student 2", …, the i-th holding about i / count of the file. */
export async function joinStandIns(serverUrl: string, link: string, count: number): Promise<StandIns> {
  const swarmId = swarmIdOfLink(link);
  const sockets: ClientSocket[] = [];
  const peerIds: string[] = [];
  const close = (): void => {
    for (const socket of sockets) socket.disconnect();
  };
  try {
    for (let index = 1; index <= count; index++) {
      const socket: ClientSocket = io(serverUrl, { transports: ['websocket'], reconnection: false });
      sockets.push(socket);
      peerIds.push(await joinOne(socket, swarmId, index, count));
    }
  } catch (error) {
    // The ones already in would stay in the swarm (and the process) to the end of the worker.
    close();
    throw error;
  }
  return { peerIds, close };
}

/**
 * Stand-in number `index` of `count` joins swarm `swarmId` over `socket`, names itself "Student `index`" and reports
 * about `index` / `count` of the file held: its peer id.
 */
async function joinOne(socket: ClientSocket, swarmId: string, index: number, count: number): Promise<string> {
  // `timeout` holds for the one emit after it: each request asks for it (its acknowledgement then takes an error first).
  const timed = (): ReturnType<ClientSocket['timeout']> => socket.timeout(ANSWER_TIMEOUT_MS);
  const joined = await request<SwarmJoined>((ack) => timed().emit('swarm:join', { swarmId }, ack));
  await request((ack) => timed().emit('peer:name', { name: `Student ${index}` }, ack));
  const chunks = chunkCount(joined.manifest);
  const held = Math.floor((chunks * index) / (count + 1));
  const bits = new Uint8Array(Math.ceil(chunks / 8));
  for (let chunk = 0; chunk < held; chunk++) bits[chunk >> 3]! |= 0x80 >> (chunk & 7);
  const report: ProgressReport = {
    role: 'leecher',
    runNumber: null,
    bitsBase64: Buffer.from(bits).toString('base64'),
    chunksHeld: held,
    complete: false,
    uploadedBytes: 0,
    downloadedBytes: held * joined.manifest.chunkBytes,
    uploadBytesPerSec: 0,
    downloadBytesPerSec: 0,
    peakUploadBytesPerSec: 0,
    peakDownloadBytesPerSec: 0,
    sentTo: [],
  };
  await request((ack) => timed().emit('progress:report', report, ack));
  return joined.peerId;
}
