import type { PeerId, SwarmId } from '@swarmlab/protocol';
import type { ClockMs } from './clock-ms';
import { everyInTurn } from './every-in-turn';
import { settleSafely, type MemberGrace, type MemberGraceOptions } from './member-grace';
import type { RedisClient, RedisKeys } from './redis-swarm-store';

export interface RedisMemberGraceOptions extends MemberGraceOptions {
  readonly client: RedisClient;
  readonly keys: RedisKeys;
  /** The wall clock the deadlines are on, shared by the processes. */
  readonly nowMs: ClockMs;
  /** How often this process looks for waits past their deadline. */
  readonly sweepIntervalMs: number;
  /**
   * How often it looks, a few swarms at a time, for members away with no wait, and restored runs awaiting
   * participants with none (see `createRedisMemberGrace`); and how it reads what a swarm awaits (nothing for a
   * swarm gone).
   */
  readonly recheckIntervalMs: number;
  readonly awaited: (
    swarmId: SwarmId,
  ) => Promise<{ readonly members: readonly PeerId[]; readonly participants: boolean }>;
  /**
   * No other process was alive as this one started (every process had stopped): the waits in Redis were swept by
   * nobody meanwhile, and each is given a whole grace period from now before any is given up on (see
   * `createRedisMemberGrace`).
   */
  readonly restarted: boolean;
}

/** Swarms looked at in one recheck; the next recheck goes on from there. */
const RECHECK_BATCH = 25;

/** Waits looked at in one sweep; more wait for the next one. */
const SWEEP_BATCH = 100;

/**
 * The grace periods in Redis: each wait is a deadline in one sorted set (`grace`: `member <swarm> <peer>`
 * or `run <swarm>`, scored by its deadline), and every process sweeps it every `sweepIntervalMs`. The
 * process that removes an expired wait (ZREM answers 1 to one process only) gives up on it, whichever
 * process started it: a member whose process stopped is still given up on. Giving up is an update that
 * checks the member is still away, so a wait left behind by a member that resumed does nothing.
 *
 * A member's suspension and its wait are two writes: a process killed between them, a wait whose write failed,
 * or a give-up that failed after its wait was removed, left a member away for ever, and its swarm alive for
 * ever, counted against the caps (found by review). So every `recheckIntervalMs` each process reads a few swarms
 * (in turn, all of them over time) and gives each away member without a wait one (`ZADD NX`: a wait already
 * there is kept).
 *
 * A process that starts with no other alive (`restarted`) moves every deadline sooner than a grace period from now
 * to then, before its first sweep, as a server in memory, restarted, waits `graceMs` for its members. Every process
 * stopped (SIGTERM) for longer than the grace had left deadlines all past: the first sweep, a moment after the start,
 * gave up on every member before any tab could reconnect (socket.io's backoff is up to 5 s), and every swarm ended,
 * where a crash of them all lost none (the takeover suspends members with a fresh wait; found by review).
 */
export function createRedisMemberGrace(options: RedisMemberGraceOptions): RedisMemberGrace {
  const { client, keys, nowMs, graceMs } = options;
  /** The waits this process started and has not seen end: what `pendingCount` reports. */
  const started = new Set<string>();
  /** Closed: this process sweeps no more, but still writes the waits it starts (see `MemberGrace`). */
  let closed = false;
  /** Writes in flight, which `settled` waits for. */
  const writing = new Set<Promise<unknown>>();
  const failed = (error: unknown): void => options.onError(error);
  const write = (request: Promise<unknown>): void => {
    const tracked = request.catch(failed).finally(() => writing.delete(tracked));
    writing.add(tracked);
  };

  const memberWait = (swarmId: SwarmId, peerId: PeerId): string => `member ${swarmId} ${peerId}`;
  const runWait = (swarmId: SwarmId): string => `run ${swarmId}`;

  /** The deadlines left by the processes before (see `restarted`), moved; nothing is swept before that. */
  const rearmed = options.restarted ? rearm(client, keys.grace, nowMs() + graceMs).catch(failed) : undefined;

  const sweep = async (): Promise<void> => {
    await rearmed;
    const due = await client.zRangeByScore(keys.grace, '-inf', nowMs(), { LIMIT: { offset: 0, count: SWEEP_BATCH } });
    for (const wait of due) {
      if (closed) return;
      if ((await client.zRem(keys.grace, wait)) !== 1) continue;
      started.delete(wait);
      const [kind, swarmId, peerId] = wait.split(' ');
      if (kind === 'member' && swarmId !== undefined && peerId !== undefined) {
        settleSafely(() => options.giveUpMember(swarmId, peerId), failed);
      } else if (kind === 'run' && swarmId !== undefined) {
        settleSafely(() => options.giveUpAwaiting(swarmId), failed);
      }
    }
  };

  let rechecked = 0;
  let pruned = 0;
  const recheck = async (): Promise<void> => {
    const swarmIds = (await client.sMembers(keys.swarms)).sort();
    const batch = swarmIds.slice(rechecked, rechecked + RECHECK_BATCH);
    rechecked = rechecked + RECHECK_BATCH >= swarmIds.length ? 0 : rechecked + RECHECK_BATCH;
    const waitFor = (value: string) =>
      client.zAdd(keys.grace, { score: nowMs() + graceMs, value }, { condition: 'NX' });
    for (const swarmId of batch) {
      if (closed) return;
      const awaited = await options.awaited(swarmId);
      for (const peerId of awaited.members) await waitFor(memberWait(swarmId, peerId));
      // A restored run's wait is a write of its own too: lost, the run waited for ever for participants that
      // never came back, "running" on every screen (found by review).
      if (awaited.participants) await waitFor(runWait(swarmId));
    }
    // Waits this process started that another ended (it swept them, or the member resumed there) are forgotten,
    // a few each time, in turn: they piled up for the life of the process, and its pending count never came back
    // to 0.
    const startedKeys = [...started];
    const looked = startedKeys.slice(pruned, pruned + SWEEP_BATCH);
    pruned = pruned + SWEEP_BATCH >= startedKeys.length ? 0 : pruned + SWEEP_BATCH;
    for (const key of looked) {
      if (closed) return;
      if ((await client.zScore(keys.grace, key)) === null) started.delete(key);
    }
  };
  const inTurn = { stopped: () => closed, onError: failed };
  const recheckTimer = everyInTurn(options.recheckIntervalMs, recheck, inTurn);
  const timer = everyInTurn(options.sweepIntervalMs, sweep, inTurn);

  const wait = (key: string, onlyIfAbsent: boolean): void => {
    if (!closed) started.add(key);
    const deadline = { score: nowMs() + graceMs, value: key };
    write(client.zAdd(keys.grace, deadline, onlyIfAbsent ? { condition: 'NX' } : undefined));
  };

  return {
    get pendingCount() {
      return started.size;
    },
    awaitMember(swarmId, peerId) {
      wait(memberWait(swarmId, peerId), false);
    },
    memberBack(swarmId, peerId) {
      const key = memberWait(swarmId, peerId);
      started.delete(key);
      write(client.zRem(keys.grace, key));
    },
    awaitParticipants(swarmId, afresh = false) {
      wait(runWait(swarmId), !afresh);
    },
    close() {
      closed = true;
      clearInterval(timer);
      clearInterval(recheckTimer);
      started.clear();
    },
    async settled() {
      while (writing.size > 0) await Promise.all(writing);
    },
  };
}

/**
 * Moves every deadline of the set `grace` sooner than `untilMs` to `untilMs`, a batch at a time (a moved one is out
 * of the range read next). Only waits still there are moved (`XX`): one ended meanwhile (its member resumed) is not
 * written back.
 */
async function rearm(client: RedisClient, grace: string, untilMs: number): Promise<void> {
  for (;;) {
    const due = await client.zRangeByScore(grace, '-inf', `(${untilMs}`, { LIMIT: { offset: 0, count: SWEEP_BATCH } });
    if (due.length === 0) return;
    await client.zAdd(
      grace,
      due.map((value) => ({ score: untilMs, value })),
      { condition: 'XX' },
    );
  }
}

export interface RedisMemberGrace extends MemberGrace {
  /** Resolves once every wait written so far is in Redis: before the process lets go of its client. */
  settled(): Promise<void>;
}
