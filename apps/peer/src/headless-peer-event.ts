import type { RejoinStatus } from '@swarmlab/webrtc';

/** What a headless peer tells its user as it happens (the command line prints each as a line). */
export type HeadlessPeerEvent =
  | { readonly type: 'run-started'; readonly runNumber: number }
  | { readonly type: 'run-stopped'; readonly runNumber: number }
  /** A leecher holds the whole file of this run, read back and checked chunk by chunk: its SHA-256 (hex). */
  | { readonly type: 'complete'; readonly runNumber: number; readonly fileSha256: string }
  /** A selfish leecher left the run on completion: it uploads no more in it. */
  | { readonly type: 'left-run'; readonly runNumber: number }
  /** The server's broadcast says the run ended (every leecher completed, corroborated). */
  | { readonly type: 'run-finished'; readonly runNumber: number; readonly distributionMs: number | null }
  | { readonly type: 'signalling'; readonly status: RejoinStatus }
  /** Joining, the server answered that it has just started and does not know the swarm yet: it asks again. */
  | { readonly type: 'waiting-for-swarm' }
  /** A leecher's swarm lost its seeder (it left): chunks only it held will not come, and no run can start. */
  | { readonly type: 'seeder-gone' }
  /** The seeder is back (it seeds the swarm again). */
  | { readonly type: 'seeder-back' }
  | { readonly type: 'peer-dropped'; readonly peerId: string; readonly detail: string }
  /**
   * Tries to connect fail while none is open, or to the seeder, or, when this peer seeds, to any member not connected
   * (`failingPeers` of them: `ConnectTroubleNotice`). Told at most once a minute while it lasts.
   */
  | {
      readonly type: 'connect-trouble';
      readonly peerId: string;
      readonly message: string;
      readonly failures: number;
      readonly seederUnreachable: boolean;
      readonly seeding: boolean;
      readonly failingPeers: number;
    }
  /**
   * The signalling server sent something this version cannot read (another version, or not swarmlab's): it
   * was ignored, and the peer went on as if it had not come.
   */
  | { readonly type: 'server-message-ignored'; readonly name: string; readonly problem: string }
  /**
   * The server did not take this peer's `--name` (refused for good, or for a moment for all of a minute's asks):
   * screens show a made-up name for it.
   */
  | { readonly type: 'name-refused'; readonly message: string }
  /** The peer cannot go on (a downloaded file that does not check out, a write that failed). */
  | { readonly type: 'failed'; readonly message: string };
