import type { PeerId, SwarmId } from '@swarmlab/protocol';

export interface MemberGraceOptions {
  readonly graceMs: number;
  /** Told when a callback throws; the others carry on. */
  readonly onError: (error: unknown) => void;
}

/**
 * The timers of the server's patience (`ServerLimits.memberGraceMs`): one per member whose socket dropped
 * (given up on unless it resumes), and one per swarm whose run, registered again after a restart, awaits
 * the participants it listed. Once closed (the server is closing) nothing more is started.
 */
export interface MemberGrace {
  /** Members and swarms waited for. */
  readonly pendingCount: number;
  /** Waits `graceMs` for the member to resume, then calls `giveUp`; a pending wait for it is replaced. */
  awaitMember(swarmId: SwarmId, peerId: PeerId, giveUp: () => void): void;
  /** The member resumed: no giving up on it. */
  memberBack(swarmId: SwarmId, peerId: PeerId): void;
  /** Waits `graceMs` for the swarm's restored run's participants, then calls `giveUp`; once per swarm at a time. */
  awaitParticipants(swarmId: SwarmId, giveUp: () => void): void;
  close(): void;
}

export function createMemberGrace(options: MemberGraceOptions): MemberGrace {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let closed = false;

  const wait = (key: string, giveUp: () => void): void => {
    if (closed) return;
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        try {
          giveUp();
        } catch (error) {
          options.onError(error);
        }
      }, options.graceMs),
    );
  };
  // Peer and swarm ids are base64url: a space cannot occur in either.
  const memberKey = (swarmId: SwarmId, peerId: PeerId): string => `member ${swarmId} ${peerId}`;

  return {
    get pendingCount() {
      return timers.size;
    },
    awaitMember(swarmId, peerId, giveUp) {
      wait(memberKey(swarmId, peerId), giveUp);
    },
    memberBack(swarmId, peerId) {
      const key = memberKey(swarmId, peerId);
      clearTimeout(timers.get(key));
      timers.delete(key);
    },
    awaitParticipants(swarmId, giveUp) {
      const key = `run ${swarmId}`;
      if (!timers.has(key)) wait(key, giveUp);
    },
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
