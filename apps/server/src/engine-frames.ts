import type { ClockMs } from './clock-ms';
import { createTokenBucket } from './token-bucket';

/**
 * Frames an engine.io connection may send while no socket.io connection rides on it (before its CONNECT is
 * admitted, or after its socket.io connection ended): its CONNECT, and now and then another after a refusal. The
 * socket.io connection's budget (`socket-budget.ts`) charges everything else.
 */
export const UNATTACHED_FRAME_BURST = 16;
export const UNATTACHED_FRAMES_PER_SEC = 1;
/**
 * The largest frame it may send then: a CONNECT is `40` (a test client's names its address, a few dozen bytes).
 * socket.io parses a frame before any budget sees it, and keeps a CONNECT's `auth` for the socket's life: 1.2 MB of
 * nested empty arrays took 33 ms to parse and 16 MB of heap each, 256 sockets of one address the whole heap (found
 * by review).
 */
export const MAX_UNATTACHED_FRAME_BYTES = 1024;

/** What the websocket under an engine.io connection lets one watch (`ws`'s `WebSocket`). */
interface WebSocketFrames {
  on(event: 'ping' | 'pong', listener: () => void): unknown;
  terminate?(): void;
}

/** What `io.engine`'s `connection` event gives (engine.io's `Socket`, not in socket.io's typings). */
export interface EngineConnection {
  on(event: 'packet', listener: (packet: { readonly type: string; readonly data?: unknown }) => void): unknown;
  close(discard?: boolean): unknown;
  readonly transport?: { readonly socket?: WebSocketFrames };
}

/**
 * Watches the frames of `connection` that no socket.io budget sees, and closes it, discarding what is queued for it,
 * at the first websocket ping or pong (browsers send none; engine.io's heartbeat is its own; `ws` answered each ping
 * by itself, and a client reading nothing had gigabytes of pongs queued: found by review), once it sends more
 * than `UNATTACHED_FRAME_BURST` frames with no socket.io connection on it (each `CONNECT` to a namespace that does not
 * exist was answered, uncharged, as fast as a script sent them), or one larger than `MAX_UNATTACHED_FRAME_BYTES`.
 */
export function guardEngineFrames(
  connection: EngineConnection,
  options: {
    /** Whether a socket.io connection rides on it now. */
    readonly attached: () => boolean;
    /** Told once, why it was closed. */
    readonly closed: (why: string) => void;
    readonly nowMs?: ClockMs | undefined;
  },
): void {
  const frames = createTokenBucket({
    capacity: UNATTACHED_FRAME_BURST,
    refillPerSec: UNATTACHED_FRAMES_PER_SEC,
    ...(options.nowMs && { nowMs: options.nowMs }),
  });
  let open = true;
  const close = (why: string): void => {
    if (!open) return;
    open = false;
    options.closed(why);
    connection.close(true);
    connection.transport?.socket?.terminate?.();
  };
  connection.on('packet', (packet) => {
    if (!open || options.attached()) return;
    // Closed before socket.io parses it: engine.io tells its `packet` listeners first.
    const bytes = sizeOf(packet.data);
    if (bytes > MAX_UNATTACHED_FRAME_BYTES)
      close(`sent a frame of ${bytes} bytes (more than ${MAX_UNATTACHED_FRAME_BYTES}) without a socket.io connection`);
    else if (!frames.tryTake()) close(`sent more than ${UNATTACHED_FRAME_BURST} frames without a socket.io connection`);
  });
  const websocket = connection.transport?.socket;
  websocket?.on('ping', () => close('sent a websocket ping'));
  websocket?.on('pong', () => close('sent a websocket pong it was not asked for'));
}

/** A frame's length: characters of a text frame, bytes of a binary one (0 for none). */
function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
