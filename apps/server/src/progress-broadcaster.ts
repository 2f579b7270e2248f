import type { SwarmId } from '@swarmlab/protocol';

export interface ProgressBroadcasterOptions {
  /** Least time between two broadcasts to one swarm. */
  readonly intervalMs: number;
  /**
   * Sends the swarm's current progress table to its members (reading it may take a round trip), as `deliveryFor`
   * says, given the table's run key (`runKeyOf`): `volatile`, a socket whose transport is busy skips it (`Delivery`).
   */
  readonly broadcast: (swarmId: SwarmId, deliveryFor: (runKey: string) => Delivery) => void | Promise<void>;
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

/**
 * At most this many tables in a row go out volatile: the next goes to every socket (2 s at the default 250 ms). In a
 * class every member reports three times a second, so the table never rests, and a busy screen got no table for sure
 * again (found by review).
 */
export const RELIABLE_EVERY = 8;

/** What a table's run is, for `Delivery`: its number and phase (`none` without one). */
export function runKeyOf(run: { readonly runNumber: number; readonly phase: string } | null): string {
  return run ? `${run.runNumber}:${run.phase}` : 'none';
}

interface Pending {
  timer: ReturnType<typeof setTimeout>;
  /** Something changed since the last broadcast. */
  dirty: boolean;
  /** A volatile broadcast went out since the last reliable one: some socket may lack the latest table. */
  unsettled: boolean;
  /** The run key of the last table sent reliably. */
  reliableRunKey: string | undefined;
  /** Tables sent volatile since. */
  volatileInRow: number;
}

/**
 * Throttles `swarm:progress` per swarm with one timer each. The first change after a quiet interval is
 * broadcast on the next turn of the event loop (so the changes of one tick go out together, after the
 * acknowledgements that caused them); changes during the following `intervalMs` are coalesced into one
 * broadcast at its end, and so on until an interval passes without change, which drops the swarm's
 * timer.
 *
 * The first broadcast after a quiet interval is reliable; those that follow it while the table keeps changing (every
 * tab reports three times a second) are volatile, but for a table whose run started, finished or stopped, and one in
 * `RELIABLE_EVERY`; the first quiet interval after them repeats the latest table reliably. A socket reading slowly (a
 * laptop on a classroom Wi-Fi the run saturates; a 2 GiB file's table is about 120 KB) then gets the latest table
 * whenever it can take one, each run's start and end, and a table every 2 s for sure: queued, every table was sent,
 * the screen showed tables ever older, and the backlog bound closed its connection every half minute or so (found by
 * review).
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

  const send = (entry: Pending, swarmId: SwarmId, suggested: Delivery): void => {
    // Reliable as suggested, for a table whose run started, finished or stopped since the last reliable one (a
    // screen must not miss "finished": the run goes into its history from that table), or after `RELIABLE_EVERY`.
    const deliveryFor = (runKey: string): Delivery => {
      const reliable =
        suggested === 'reliable' || runKey !== entry.reliableRunKey || entry.volatileInRow + 1 >= RELIABLE_EVERY;
      if (reliable) {
        entry.reliableRunKey = runKey;
        entry.volatileInRow = 0;
        entry.unsettled = false;
        return 'reliable';
      }
      entry.volatileInRow++;
      entry.unsettled = true;
      return 'volatile';
    };
    try {
      const sent = options.broadcast(swarmId, deliveryFor);
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
      send(entry, swarmId, first ? 'reliable' : 'volatile');
    } else if (entry.unsettled) {
      send(entry, swarmId, 'reliable');
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
      pending.set(swarmId, {
        timer: arm(swarmId, 0, true),
        dirty: true,
        unsettled: false,
        reliableRunKey: undefined,
        volatileInRow: 0,
      });
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
