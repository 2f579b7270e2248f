import { z } from 'zod';

/**
 * A run: one experiment on a swarm. Every tab drops what it downloaded, the seeder keeps the file,
 * and all of them start transferring at the same moment under one configuration (architecture and
 * emulated access links), so the measured distribution time can be set next to the seed's bounds.
 * A swarm holds any number of runs, one after another, over the same WebRTC connections.
 */

/**
 * Slowest cap accepted: below 10 kB/s one 256 KiB chunk takes half a minute, and a demo would look
 * stalled (a cap of 0 would stall it for ever). "No cap" is `null`, not 0.
 */
export const MIN_CAP_BYTES_PER_SEC = 10_000;
/** Fastest cap accepted: 10 GB/s, far above any data channel (tens of MB/s), so a larger one is a typo. */
export const MAX_CAP_BYTES_PER_SEC = 10_000_000_000;

/** An emulated link rate in bytes/s, or `null` for no cap. */
export const capBytesPerSecSchema = z
  .number({ message: 'a cap is a number of bytes per second' })
  .finite('a cap must be a finite number')
  .min(
    MIN_CAP_BYTES_PER_SEC,
    `a cap must be at least ${MIN_CAP_BYTES_PER_SEC} B/s (10 kB/s); leave it empty for no cap`,
  )
  .max(MAX_CAP_BYTES_PER_SEC, `a cap must be at most ${MAX_CAP_BYTES_PER_SEC} B/s (10 GB/s)`)
  .nullable();

/**
 * Who uploads in a swarm, declared once for every package (the run's config, the engine, the UI, the bench).
 * - `p2p`: every peer uploads what it holds (BitTorrent).
 * - `client-server`: only the seeder uploads, the textbook's baseline architecture; leechers download and
 *   never serve.
 */
export const SWARM_MODES = ['p2p', 'client-server'] as const;
export const swarmModeSchema = z.enum(SWARM_MODES);
export type SwarmMode = (typeof SWARM_MODES)[number];

/**
 * A member's part in a swarm, declared once: the founder (the tab that created the swarm) seeds, every
 * joiner leeches.
 */
export const PEER_ROLES = ['seeder', 'leecher'] as const;
export const peerRoleSchema = z.enum(PEER_ROLES);
export type PeerRole = (typeof PEER_ROLES)[number];

/** The swarm-wide settings of a run; every leecher gets the same links unless it has an override. */
export const runConfigSchema = z
  .object({
    mode: swarmModeSchema,
    /** u_s: the seeder's upload. */
    seederUploadBytesPerSec: capBytesPerSecSchema,
    /** u_i of every leecher without an override. */
    peerUploadBytesPerSec: capBytesPerSecSchema,
    /** d_i of every leecher without an override. */
    peerDownloadBytesPerSec: capBytesPerSecSchema,
    /** Selfish leechers: a leecher leaves the run (stops uploading) as soon as it has the whole file. */
    leaveOnComplete: z.boolean(),
  })
  .strict();
export type RunConfig = z.infer<typeof runConfigSchema>;

/** Unshaped P2P where leechers stay: what a swarm does before anyone configures it. */
export const DEFAULT_RUN_CONFIG: RunConfig = {
  mode: 'p2p',
  seederUploadBytesPerSec: null,
  peerUploadBytesPerSec: null,
  peerDownloadBytesPerSec: null,
  leaveOnComplete: false,
};

/**
 * One peer's own settings, replacing the swarm's where present (a missing field follows the swarm;
 * `null` means no cap). For the seeder, `uploadBytesPerSec` replaces u_s.
 */
export const peerOverrideSchema = z
  .object({
    uploadBytesPerSec: capBytesPerSecSchema.optional(),
    downloadBytesPerSec: capBytesPerSecSchema.optional(),
    leaveOnComplete: z.boolean().optional(),
  })
  .strict();
export type PeerOverride = z.infer<typeof peerOverrideSchema>;

/** A peer's settings for one run, the swarm's config and its override resolved. */
export const peerRunSettingsSchema = z
  .object({
    uploadBytesPerSec: capBytesPerSecSchema,
    downloadBytesPerSec: capBytesPerSecSchema,
    leaveOnComplete: z.boolean(),
  })
  .strict();
export type PeerRunSettings = Readonly<z.infer<typeof peerRunSettingsSchema>>;

/** `config` with `override` applied for a peer in `role`. */
export function resolvePeerSettings(config: RunConfig, override: PeerOverride, role: PeerRole): PeerRunSettings {
  const swarmUpload = role === 'seeder' ? config.seederUploadBytesPerSec : config.peerUploadBytesPerSec;
  return {
    uploadBytesPerSec: override.uploadBytesPerSec !== undefined ? override.uploadBytesPerSec : swarmUpload,
    downloadBytesPerSec:
      role === 'seeder'
        ? null
        : override.downloadBytesPerSec !== undefined
          ? override.downloadBytesPerSec
          : config.peerDownloadBytesPerSec,
    leaveOnComplete: role === 'leecher' && (override.leaveOnComplete ?? config.leaveOnComplete),
  };
}

/** What every member is told when a run starts: it drops its old engine and starts this one. */
export interface RunStarted {
  readonly runNumber: number;
  readonly config: RunConfig;
  /** Every member's resolved settings, the seeder's included. */
  readonly settings: Readonly<Record<string, PeerRunSettings>>;
  /**
   * How long ago the run started, on the server's clock, as this was sent: 0 as it starts, more for a member
   * joining or taking its place back during the run. A tab dates the run from it (`RunEngine`), so what it says
   * of the run after a restart (`ResumedRun`) is the run's age, not its own time in it. Absent from a server
   * before it was sent (taken as 0).
   */
  readonly elapsedMs?: number | undefined;
}

/**
 * `interrupted`: the run could not be measured to its end: the signalling server restarted and none of its
 * leechers came back to it (`RunState.interruption` says why).
 */
export type RunPhase = 'running' | 'finished' | 'stopped' | 'interrupted';

/**
 * Why the server stopped believing a member: it refused a report of it as impossible (for the file, or for
 * the run's caps and the time since it took part). A flagged leecher's completion does not count in a run:
 * neither in its N nor in its distribution time. Flags last as long as the membership.
 */
export interface PeerFlag {
  /** The latest refused report's reason, in one line. */
  readonly reason: string;
  readonly refusedReports: number;
}

/** One leecher's part in a run, measured on the server's clock from the run's start. */
export interface RunParticipant {
  readonly peerId: string;
  readonly role: PeerRole;
  readonly settings: PeerRunSettings;
  /** Null until it reported the whole file (always null for the seeder). */
  readonly completedAfterMs: number | null;
  /** Bytes this peer uploaded in the run (from its latest report). */
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
  /** False once it left the swarm (a selfish leecher that left the run after completing stays present). */
  readonly present: boolean;
  /** True once it left the run: selfish after completing, or gone from the swarm. */
  readonly leftRun: boolean;
  /** Set once a report of it was refused: it stays in the run, but its completion does not count. */
  readonly flagged: PeerFlag | null;
  /** What the other participants report having sent it in this run (their `sentTo`). */
  readonly witnessedBytes: number;
  /**
   * The highest upload rate its reports for this run gave (B/s; 0 before any): where its upload has no cap this
   * stands in for its u_i in the bounds, also once its tab is closed and its row gone.
   */
  readonly peakUploadBytesPerSec: number;
  /**
   * Its completion is corroborated: what the others report having sent it covers the file. A completion
   * counts (in N and the run's time) only once corroborated; it stays so.
   */
  readonly corroborated: boolean;
  /**
   * How long after the run's start it took part: 0 for a member there at the start. One that joined later counts
   * in N all the same, its completion timed from the start. Absent from a server before it was sent (read as 0).
   */
  readonly tookPartAfterMs: number;
}

/**
 * What the participants a run no longer lists count for. The server keeps the records of the latest departed
 * participants only (as many as a swarm's members); older ones leave the list, and what the bounds and the record
 * need of those it still counts goes here: their number in N, their rates in Σu_i and d_min, and their bytes.
 * Only leechers that completed, corroborated and unflagged, are counted; the seeder is never unlisted.
 */
export interface UnlistedParticipants {
  /** Completed leechers no longer listed: each counts in N and in the run's time. */
  readonly leechers: number;
  /** Σ of their u_i: each one's cap, or where it had none, the highest upload peak its reports gave. */
  readonly uploadBytesPerSec: number;
  /** Some of them had no upload cap: `uploadBytesPerSec` rests on measured peaks. */
  readonly uploadEstimated: boolean;
  /** The lowest download cap among them; null when none had one (d_i = ∞). */
  readonly minDownloadBytesPerSec: number | null;
  /** What they uploaded and downloaded in the run, in all. */
  readonly uploadedBytes: number;
  readonly downloadedBytes: number;
}

/** A run that unlisted nobody. */
export const NO_UNLISTED_PARTICIPANTS: UnlistedParticipants = {
  leechers: 0,
  uploadBytesPerSec: 0,
  uploadEstimated: false,
  minDownloadBytesPerSec: null,
  uploadedBytes: 0,
  downloadedBytes: 0,
};

/**
 * A run as the server sees it. Distribution time: the start broadcast → the last participating
 * leecher's completion report. A leecher that joins during the run takes part from then on; one that
 * vanishes before completing is dropped from the run (counted in `abandonedLeechers`); a flagged one
 * stays listed but does not count.
 */
export interface RunState {
  readonly runNumber: number;
  readonly phase: RunPhase;
  readonly config: RunConfig;
  /** Wall-clock start (server's `Date.now()`), for the record a user exports. */
  readonly startedAtEpochMs: number;
  /** Since the start; frozen when the run finishes or stops. */
  readonly elapsedMs: number;
  readonly distributionMs: number | null;
  readonly participants: readonly RunParticipant[];
  /** Departed participants it no longer lists, past the most the server keeps, that still count. */
  readonly unlisted: UnlistedParticipants;
  readonly abandonedLeechers: number;
  /**
   * What the leechers counted in N received from outside N (leechers that left before completing, or flagged in
   * this run alone): each one's `downloadedBytes` less what the seeder and the other counted leechers say they sent
   * it; 0 while none such took part (the senders' reports lagging is no outsider). That much of the N copies came
   * from outside: the bounds count it against N·F (docs/THEORY.md).
   */
  readonly uncountedUploadedBytes: number;
  /**
   * Set when the signalling server lost the run (it restarted) and its tabs registered it again: this long
   * after the start. The start, and the completions reported in the tabs' re-registrations, are then
   * measured on the tabs' own monotonic clocks rather than the server's.
   */
  readonly restoredAfterMs: number | null;
  /** Why the run ended `interrupted`; null otherwise. */
  readonly interruption: string | null;
}
