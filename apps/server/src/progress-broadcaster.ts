import type { SwarmId } from '@swarmlab/protocol';

export interface ProgressBroadcasterOptions {
  /** Least time between two broadcasts to one swarm. */
  readonly intervalMs: number;
  /** Sends the swarm's current progress table to its members (reading it may take a round trip). */
  readonly broadcast: (swarmId: SwarmId) => void | Promise<void>;
  /** Told when `broadcast` throws or rejects; the broadcaster carries on. */
  readonly onError: (error: unknown) => void;
}

export interface ProgressBroadcaster {
  /** Swarms with a broadcast timer running. */
  readonly pendingCount: number;
  /** The swarm's progress table changed: broadcast it soon, at most once per interval. */
  changed(swarmId: SwarmId): void;
  /** The swarm ended: drop its pending broadcast and timer. */
  forget(swarmId: SwarmId): void;
  /** Clears every timer; later changes are ignored (the server is closing). */
  close(): void;
}

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  /** Something changed since the last broadcast. */
  dirty: boolean;
}

/**
 * Throttles `swarm:progress` per swarm with one timer each. The first change after a quiet interval is
 * broadcast on the next turn of the event loop (so the changes of one tick go out together, after the
 * acknowledgements that caused them); changes during the following `intervalMs` are coalesced into one
 * broadcast at its end, and so on until an interval passes without change, which drops the swarm's
 * timer.
 */
export function createProgressBroadcaster(options: ProgressBroadcasterOptions): ProgressBroadcaster {
  const pending = new Map<SwarmId, Pending>();
  let closed = false;

  const arm = (swarmId: SwarmId, delayMs: number): ReturnType<typeof setTimeout> => {
    const timer = setTimeout(() => tick(swarmId), delayMs);
    // A pending broadcast must not keep a closing process alive.
    timer.unref();
    return timer;
  };

  const tick = (swarmId: SwarmId): void => {
    const entry = pending.get(swarmId);
    if (!entry) return;
    if (!entry.dirty) {
      pending.delete(swarmId);
      return;
    }
    entry.dirty = false;
    try {
      const sent = options.broadcast(swarmId);
      if (sent instanceof Promise) sent.catch(options.onError);
    } catch (error) {
      options.onError(error);
    }
    entry.timer = arm(swarmId, options.intervalMs);
  };

  return {
    get pendingCount() {
      return pending.size;
    },
    changed(swarmId) {
      if (closed) return;
      const entry = pending.get(swarmId);
      if (entry) {
        entry.dirty = true;
        return;
      }
      pending.set(swarmId, { timer: arm(swarmId, 0), dirty: true });
    },
    forget(swarmId) {
      const entry = pending.get(swarmId);
      if (!entry) return;
      clearTimeout(entry.timer);
      pending.delete(swarmId);
    },
    close() {
      closed = true;
      for (const entry of pending.values()) clearTimeout(entry.timer);
      pending.clear();
    },
  };
}
