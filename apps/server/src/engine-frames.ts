import type { ClockMs } from './clock-ms';
import { createTokenBucket } from './token-bucket';

/**
 * Frames an engine.io connection may send while no socket.io connection rides on it (before its CONNECT is
 * admitted, or after its socket.io connection ended): its CONNECT, and now and then another after a refusal. The
 * socket.io connection's budget (`socket-budget.ts`) charges everything else.
 */
export const UNATTACHED_FRAME_BURST = 16;
export const UNATTACHED_FRAMES_PER_SEC = 1;

/** What the websocket under an engine.io connection lets one watch (`ws`'s `WebSocket`). */
interface WebSocketFrames {
  on(event: 'ping' | 'pong', listener: () => void): unknown;
  terminate?(): void;
}

/** What `io.engine`'s `connection` event gives (engine.io's `Socket`, not in socket.io's typings). */
export interface EngineConnection {
  on(event: 'packet', listener: () => void): unknown;
  close(discard?: boolean): unknown;
  readonly transport?: { readonly socket?: WebSocketFrames };
}

/**
 * Watches the frames of `connection` that no socket.io budget sees, and closes it, discarding what is queued for it,
 * at the first websocket ping or pong (browsers send none; engine.io's heartbeat is its own; `ws` answered each ping
 * by itself, and a client reading nothing had gigabytes of pongs queued: found by review), or once it sends more
 * than `UNATTACHED_FRAME_BURST` frames with no socket.io connection on it (each `CONNECT` to a namespace that does not
 * exist was answered, uncharged, as fast as a script sent them).
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
  connection.on('packet', () => {
    if (open && !options.attached() && !frames.tryTake())
      close(`sent more than ${UNATTACHED_FRAME_BURST} frames without a socket.io connection`);
  });
  const websocket = connection.transport?.socket;
  websocket?.on('ping', () => close('sent a websocket ping'));
  websocket?.on('pong', () => close('sent a websocket pong it was not asked for'));
}
