import type { SignallingError } from '@swarmlab/protocol';
import type { ClockMs } from './clock-ms';
import { refuse } from './refusals';

export interface UnknownSwarmDeps {
  /** The server's monotonic clock; its start is read when this is made. */
  readonly nowMs: ClockMs;
  /** How long after its start the server waits for the swarms of its previous run (`memberGraceMs`). */
  readonly graceMs: number;
  /** Whether the server starts without the swarms it had (`SwarmState.startsEmpty`): their members register them again. */
  readonly startsEmpty: boolean;
}

/** A refusal, as a handler replies it. */
export type RefusalAnswer = { readonly ok: false; readonly error: SignallingError };

export interface UnknownSwarms {
  /** `swarmId` ended in this server's life (its last member left): a link to it is told so at once. */
  ended(swarmId: string): void;
  /** The refusal of a `swarm:join` or `swarm:watch` of `swarmId`: `refusal`, or why to ask again. */
  answer(swarmId: string, refusal: RefusalAnswer): RefusalAnswer;
  /**
   * The swarms this server knew may be gone as after a restart (Redis came back empty, or took this process for
   * stopped): for `graceMs` from now, links to swarms it does not know are told to ask again, as when it started.
   */
  restarted(): void;
}

/**
 * What a `swarm:join` or `swarm:watch` naming a swarm this server does not know is answered. A server that
 * keeps its swarms in memory forgets them when it restarts, and their members register them again
 * (`swarm:restore`) as soon as they are reconnected: within socket.io's backoff, at most 5 s. A screen or
 * tab opened in that moment (the projector reloaded, a student opening the link) would be told the swarm has
 * ended; for `graceMs` after its start such a server answers `swarm-not-registered-yet` instead, which the
 * clients wait on, unless the swarm ended in its own life. Any other refusal passes unchanged. A server on Redis
 * keeps its swarms across a restart, but not across Redis coming back empty: `restarted` opens the same window
 * then (links opened in that moment were told `swarm-not-found` for good; found by review).
 */
export function createUnknownSwarms(deps: UnknownSwarmDeps): UnknownSwarms {
  let startedAtMs = deps.nowMs();
  /** The window is open because the shared state was lost (`restarted`), not because the server started. */
  let lostState = false;
  /** Swarms that ended while the server was young; forgotten once it is not (held for `graceMs` at most). */
  let endedWhileYoung: Set<string> | undefined = deps.startsEmpty ? new Set() : undefined;
  const upForMs = (): number => deps.nowMs() - startedAtMs;
  const young = (): boolean => {
    if (endedWhileYoung && upForMs() >= deps.graceMs) endedWhileYoung = undefined;
    return endedWhileYoung !== undefined;
  };
  return {
    ended(swarmId) {
      if (young()) endedWhileYoung?.add(swarmId);
    },
    restarted() {
      startedAtMs = deps.nowMs();
      endedWhileYoung = new Set();
      lostState = true;
    },
    answer(swarmId, refusal) {
      if (refusal.error.code !== 'swarm-not-found' || !young() || endedWhileYoung?.has(swarmId)) return refusal;
      const upForSec = Math.max(1, Math.round(upForMs() / 1000));
      const what = lostState ? 'lost its shared state' : 'started';
      return refuse(
        'swarm-not-registered-yet',
        `The signalling server ${what} ${upForSec} s ago and does not know this swarm yet: if it was running before, its members register it again within seconds.`,
      );
    },
  };
}
