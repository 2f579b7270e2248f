import {
  resolvePeerSettings,
  type PeerId,
  type PeerOverride,
  type PeerRole,
  type PeerRunSettings,
  type ProgressReport,
  type RunConfig,
  type RunPhase,
  type RunStarted,
  type RunState,
} from '@swarmlab/protocol';
import type { ClockMs } from './clock-ms';
import type { Refusal } from './refusals';

/** A member of the swarm as a run sees it. */
export interface RunMember {
  readonly peerId: PeerId;
  readonly role: PeerRole;
  readonly override: PeerOverride;
}

export type StartRunOutcome =
  { readonly ok: true; readonly started: RunStarted } | Refusal<'run-in-progress' | 'no-seeder'>;
export type StopRunOutcome = { readonly ok: true; readonly runNumber: number } | Refusal<'no-run'>;

export interface SwarmRunsOptions {
  /** What the first run starts with unless its starter says otherwise. */
  readonly config: RunConfig;
  /** Monotonic clock of every run time. */
  readonly nowMs: ClockMs;
  /** Wall clock, for `startedAtEpochMs` only. */
  readonly epochNowMs: ClockMs;
  /**
   * Participants that left the swarm kept in the running run (completed leechers and the seeder): a run
   * is joined and left indefinitely and is broadcast to every screen, so churn must not grow it. Past the
   * cap the oldest go; their completions still count in the distribution time.
   */
  readonly maxDepartedParticipants: number;
}

/** What a swarm's progress table shows of its runs. */
export interface RunsSnapshot {
  readonly config: RunConfig;
  readonly run: RunState | null;
}

/**
 * The runs of one swarm, one after another: its current configuration, the latest run (running, or
 * frozen once it finished or stopped) (each screen keeps the finished runs it saw). Pure, on injected clocks.
 *
 * A run starts with every member as a participant (the founder seeds, the others leech, each with its
 * override resolved against the run's config); a member that joins while it runs takes part at once. A
 * leecher completes at its first report for this run with `complete: true` (times from the start, on
 * the server's clock). A leecher that leaves the swarm before completing is dropped from the run
 * (`abandonedLeechers`); any other participant that leaves stays, not present. The run finishes as soon
 * as it has at least one leecher and all of them have completed: the distribution time is the latest
 * completion. Nothing changes a run once it finished or stopped.
 */
export interface SwarmRuns {
  /** The configuration the next run starts with unless its starter gives another. */
  readonly config: RunConfig;
  /** The run going on, as its members are told of it (settings of every present participant); else null. */
  running(): RunStarted | null;
  /** Whether `peerId` names a participant of the run going on (present or not): a newcomer must not reuse it. */
  isParticipant(peerId: PeerId): boolean;
  start(config: RunConfig, members: readonly RunMember[]): StartRunOutcome;
  stop(): StopRunOutcome;
  /** A member joined the swarm: it takes part in the run going on, which is returned (null if none). */
  join(member: RunMember): RunStarted | null;
  /** A member left the swarm. */
  leave(peerId: PeerId): void;
  /** A member's latest report; it counts only for the run it names, and only while that run goes on. */
  report(peerId: PeerId, report: ProgressReport): void;
  snapshot(): RunsSnapshot;
}

interface MutableParticipant {
  readonly peerId: PeerId;
  readonly role: PeerRole;
  readonly settings: PeerRunSettings;
  completedAfterMs: number | null;
  uploadedBytes: number;
  downloadedBytes: number;
  present: boolean;
  leftRun: boolean;
}

interface LiveRun {
  readonly runNumber: number;
  readonly config: RunConfig;
  readonly startedAtMs: number;
  readonly startedAtEpochMs: number;
  /** In the order they took part (the members at the start in joining order, then each newcomer). */
  readonly participants: Map<PeerId, MutableParticipant>;
  abandonedLeechers: number;
  /** Completed leechers dropped past `maxDepartedParticipants`, and the latest of their completions. */
  droppedCompletedLeechers: number;
  droppedLatestCompletedAfterMs: number | null;
}

/** A later time minus an earlier one, never negative. */
const since = (laterMs: number, earlierMs: number): number => Math.max(0, laterMs - earlierMs);

const maxOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export function createSwarmRuns(options: SwarmRunsOptions): SwarmRuns {
  const { nowMs, epochNowMs, maxDepartedParticipants } = options;
  let config = options.config;
  /** The run going on; null between runs. */
  let live: LiveRun | null = null;
  /** The latest run once it ended (finished or stopped), frozen; null while one runs or before any. */
  let ended: RunState | null = null;

  const participantOf = (member: RunMember, run: LiveRun): MutableParticipant => ({
    peerId: member.peerId,
    role: member.role,
    settings: resolvePeerSettings(run.config, member.override, member.role),
    completedAfterMs: null,
    uploadedBytes: 0,
    downloadedBytes: 0,
    present: true,
    leftRun: false,
  });

  const announce = (run: LiveRun): RunStarted => {
    const settings: Record<PeerId, PeerRunSettings> = {};
    for (const participant of run.participants.values()) {
      if (participant.present) settings[participant.peerId] = participant.settings;
    }
    return { runNumber: run.runNumber, config: run.config, settings };
  };

  const stateOf = (run: LiveRun, phase: RunPhase, distributionMs: number | null): RunState => ({
    runNumber: run.runNumber,
    phase,
    config: run.config,
    startedAtEpochMs: run.startedAtEpochMs,
    elapsedMs: since(nowMs(), run.startedAtMs),
    distributionMs,
    participants: [...run.participants.values()].map((participant) => ({ ...participant })),
    abandonedLeechers: run.abandonedLeechers,
  });

  const end = (run: LiveRun, phase: Exclude<RunPhase, 'running'>, distributionMs: number | null): void => {
    ended = stateOf(run, phase, distributionMs);
    live = null;
  };

  /** Ends the run if it has a leecher and every leecher completed. */
  const finishIfDone = (run: LiveRun): void => {
    let leechers = run.droppedCompletedLeechers;
    let latestMs = run.droppedLatestCompletedAfterMs;
    for (const participant of run.participants.values()) {
      if (participant.role !== 'leecher') continue;
      if (participant.completedAfterMs === null) return;
      leechers++;
      latestMs = maxOf(latestMs, participant.completedAfterMs);
    }
    if (leechers > 0) end(run, 'finished', latestMs);
  };

  const dropOldestDeparted = (run: LiveRun): void => {
    const departed = [...run.participants.values()].filter((participant) => !participant.present);
    for (const participant of departed.slice(0, Math.max(0, departed.length - maxDepartedParticipants))) {
      run.participants.delete(participant.peerId);
      if (participant.role === 'leecher' && participant.completedAfterMs !== null) {
        run.droppedCompletedLeechers++;
        run.droppedLatestCompletedAfterMs = maxOf(run.droppedLatestCompletedAfterMs, participant.completedAfterMs);
      }
    }
  };

  return {
    get config() {
      return config;
    },

    running() {
      return live && announce(live);
    },

    isParticipant(peerId) {
      return live?.participants.has(peerId) ?? false;
    },

    start(runConfig, members) {
      if (live) return { ok: false, code: 'run-in-progress' };
      if (!members.some((member) => member.role === 'seeder')) return { ok: false, code: 'no-seeder' };
      config = runConfig;
      const run: LiveRun = {
        runNumber: (ended?.runNumber ?? 0) + 1,
        config: runConfig,
        startedAtMs: nowMs(),
        startedAtEpochMs: epochNowMs(),
        participants: new Map(),
        abandonedLeechers: 0,
        droppedCompletedLeechers: 0,
        droppedLatestCompletedAfterMs: null,
      };
      for (const member of members) run.participants.set(member.peerId, participantOf(member, run));
      live = run;
      ended = null;
      return { ok: true, started: announce(run) };
    },

    stop() {
      if (!live) return { ok: false, code: 'no-run' };
      const { runNumber } = live;
      end(live, 'stopped', null);
      return { ok: true, runNumber };
    },

    join(member) {
      if (!live) return null;
      live.participants.set(member.peerId, participantOf(member, live));
      return announce(live);
    },

    leave(peerId) {
      const participant = live?.participants.get(peerId);
      if (!live || !participant) return;
      if (participant.role === 'leecher' && participant.completedAfterMs === null) {
        live.participants.delete(peerId);
        live.abandonedLeechers++;
        finishIfDone(live);
        return;
      }
      participant.present = false;
      participant.leftRun = true;
      dropOldestDeparted(live);
    },

    report(peerId, report) {
      const participant = live?.participants.get(peerId);
      if (!live || !participant || report.runNumber !== live.runNumber) return;
      participant.uploadedBytes = report.uploadedBytes;
      participant.downloadedBytes = report.downloadedBytes;
      if (participant.role !== 'leecher' || !report.complete || participant.completedAfterMs !== null) return;
      participant.completedAfterMs = since(nowMs(), live.startedAtMs);
      if (participant.settings.leaveOnComplete) participant.leftRun = true;
      finishIfDone(live);
    },

    snapshot() {
      return { config, run: live ? stateOf(live, 'running', null) : ended };
    },
  };
}
