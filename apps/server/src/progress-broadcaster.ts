import type { SwarmId } from '@swarmlab/protocol';

export interface ProgressBroadcasterOptions {
  /** Least time between two broadcasts to one swarm. */
  readonly intervalMs: number;
  /**
   * Sends the swarm's current progress table to its members (reading it may take a round trip): `volatile`, a
   * socket whose transport is busy skips it (`Delivery`).
   */
  readonly broadcast: (swarmId: SwarmId, delivery: Delivery) => void | Promise<void>;
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

/**
 * How a table goes out: `reliable`, queued for every socket like any event; `volatile`, skipped by a socket whose
 * transport is still busy with what it was sent before (socket.io's `volatile`): the next table replaces it.
 */
export type Delivery = 'reliable' | 'volatile';

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  /** Something changed since the last broadcast. */
  dirty: boolean;
  /** A volatile broadcast went out since the last reliable one: some socket may lack the latest table. */
  unsettled: boolean;
}

/**
 * Throttles `swarm:progress` per swarm with one timer each. The first change after a quiet interval is
 * broadcast on the next turn of the event loop (so the changes of one tick go out together, after the
 * acknowledgements that caused them); changes during the following `intervalMs` are coalesced into one
 * broadcast at its end, and so on until an interval passes without change, which drops the swarm's
 * timer.
 *
 * The first broadcast after a quiet interval is reliable; those that follow it while the table keeps changing (a run
 * going on: every tab reports three times a second) are volatile, and the first quiet interval after them repeats
 * the latest table reliably. A socket reading slowly (a laptop on a classroom Wi-Fi the run saturates; a 2 GiB
 * file's table is about 120 KB) then gets the latest table whenever it can take one, and the last one for sure:
 * queued, every table was sent, the screen showed tables ever older, and the backlog bound closed its connection
 * every half minute or so (found by review).
 */
export function createProgressBroadcaster(options: ProgressBroadcasterOptions): ProgressBroadcaster {
  const pending = new Map<SwarmId, Pending>();
  let closed = false;

  const arm = (swarmId: SwarmId, delayMs: number, first = false): ReturnType<typeof setTimeout> => {
    const timer = setTimeout(() => tick(swarmId, first), delayMs);
    // A pending broadcast must not keep a closing process alive.
    timer.unref();
    return timer;
  };

  const send = (swarmId: SwarmId, delivery: Delivery): void => {
    try {
      const sent = options.broadcast(swarmId, delivery);
      if (sent instanceof Promise) sent.catch(options.onError);
    } catch (error) {
      options.onError(error);
    }
  };

  const tick = (swarmId: SwarmId, first: boolean): void => {
    const entry = pending.get(swarmId);
    if (!entry) return;
    if (entry.dirty) {
      entry.dirty = false;
      const delivery: Delivery = first ? 'reliable' : 'volatile';
      if (delivery === 'volatile') entry.unsettled = true;
      send(swarmId, delivery);
    } else if (entry.unsettled) {
      entry.unsettled = false;
      send(swarmId, 'reliable');
    } else {
      pending.delete(swarmId);
      return;
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
      pending.set(swarmId, { timer: arm(swarmId, 0, true), dirty: true, unsettled: false });
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
