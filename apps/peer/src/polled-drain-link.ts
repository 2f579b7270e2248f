import type { CancelTimer, Clock, PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import { DRAIN_THRESHOLD_BYTES } from '@swarmlab/webrtc';

/**
 * How often a link with a full send queue looks at it again. `@roamhq/wrtc` keeps `bufferedAmount` up to
 * date but never fires `bufferedamountlow` (checked here: 0 events while 16 MiB drained), so its drain is
 * polled. At 48 MB/s the 768 KiB between the engine's 1 MiB high-water mark and the 256 KiB drain threshold
 * last about 16 ms: a 5 ms look keeps the channel from running dry.
 */
export const DRAIN_POLL_INTERVAL_MS = 5;

/**
 * `link` with a drain that does not rely on the channel's `bufferedamountlow` event: after a send leaves at
 * least `DRAIN_THRESHOLD_BYTES` queued, `bufferedBytes` is polled until it falls below, and the engine is
 * told `drain` then. A drain the channel does signal as well only wakes the engine twice, which is harmless.
 */
export function polledDrainLink(link: PeerLink, clock: Clock, pollIntervalMs = DRAIN_POLL_INTERVAL_MS): PeerLink {
  let handlers: PeerLinkHandlers | undefined;
  let cancelPoll: CancelTimer | undefined;
  let closed = false;

  const poll = (): void => {
    cancelPoll = undefined;
    if (closed) return;
    if (link.bufferedBytes >= DRAIN_THRESHOLD_BYTES) {
      cancelPoll = clock.setTimer(pollIntervalMs, poll);
      return;
    }
    handlers?.drain();
  };
  const stop = (): void => {
    closed = true;
    cancelPoll?.();
    cancelPoll = undefined;
  };

  return {
    remotePeerId: link.remotePeerId,
    copiesOnSend: link.copiesOnSend === true,
    get bufferedBytes() {
      return link.bufferedBytes;
    },
    send(bytes) {
      link.send(bytes);
      if (!closed && cancelPoll === undefined && link.bufferedBytes >= DRAIN_THRESHOLD_BYTES)
        cancelPoll = clock.setTimer(pollIntervalMs, poll);
    },
    attach(next) {
      handlers = next;
      link.attach({
        message: (bytes) => next.message(bytes),
        decoded: (message) => next.decoded(message),
        drain: () => next.drain(),
        close: (reason) => {
          stop();
          next.close(reason);
        },
      });
    },
    close() {
      stop();
      link.close();
    },
  };
}
