import type { PeerId, SwarmId } from '@swarmlab/protocol';

/** What the server does once its patience runs out. */
export interface MemberGraceCallbacks {
  /** A member whose socket dropped did not resume in time. */
  readonly giveUpMember: (swarmId: SwarmId, peerId: PeerId) => void | Promise<void>;
  /** A restored run's awaited participants did not all come back in time. */
  readonly giveUpAwaiting: (swarmId: SwarmId) => void | Promise<void>;
  /** Told when a callback throws; the others carry on. */
  readonly onError: (error: unknown) => void;
}

export interface MemberGraceOptions extends MemberGraceCallbacks {
  readonly graceMs: number;
}

/**
 * The server's patience (`ServerLimits.memberGraceMs`): one wait per member whose socket dropped (given up
 * on unless it resumes), and one per swarm whose run, registered again after a restart, awaits the
 * participants it listed. Once closed (the server is closing) this process gives up on nobody. In memory these
 * are timers (`createMemberGrace`), and nothing more is started; with Redis, deadlines every process sweeps
 * (`redis-member-grace.ts`), so a wait outlives the process that started it, and the waits a closing process
 * starts (its own disconnects suspend its members) are still written, for the others to give up on.
 */
export interface MemberGrace {
  /** Members and swarms waited for (by this process). */
  readonly pendingCount: number;
  /** Waits `graceMs` for the member to resume, then gives up on it; a pending wait for it is replaced. */
  awaitMember(swarmId: SwarmId, peerId: PeerId): void;
  /** The member resumed: no giving up on it. */
  memberBack(swarmId: SwarmId, peerId: PeerId): void;
  /**
   * Waits `graceMs` for the swarm's restored run's participants; once per swarm at a time, unless `afresh` (a run was
   * restored just now: a wait pending for a run before it is replaced).
   */
  awaitParticipants(swarmId: SwarmId, afresh?: boolean): void;
  close(): void;
}

/** Runs a callback that may throw or reject, telling `onError`. */
export function settleSafely(run: () => void | Promise<void>, onError: (error: unknown) => void): void {
  try {
    const running = run();
    if (running instanceof Promise) running.catch(onError);
  } catch (error) {
    onError(error);
  }
}

/** The in-memory grace: one timer per wait. */
export function createMemberGrace(options: MemberGraceOptions): MemberGrace {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let closed = false;

  const wait = (key: string, giveUp: () => void | Promise<void>): void => {
    if (closed) return;
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        settleSafely(giveUp, options.onError);
      }, options.graceMs),
    );
  };
  // Peer and swarm ids are base64url: a space cannot occur in either.
  const memberKey = (swarmId: SwarmId, peerId: PeerId): string => `member ${swarmId} ${peerId}`;

  return {
    get pendingCount() {
      return timers.size;
    },
    awaitMember(swarmId, peerId) {
      wait(memberKey(swarmId, peerId), () => options.giveUpMember(swarmId, peerId));
    },
    memberBack(swarmId, peerId) {
      const key = memberKey(swarmId, peerId);
      clearTimeout(timers.get(key));
      timers.delete(key);
    },
    awaitParticipants(swarmId, afresh = false) {
      const key = `run ${swarmId}`;
      if (afresh || !timers.has(key)) wait(key, () => options.giveUpAwaiting(swarmId));
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
