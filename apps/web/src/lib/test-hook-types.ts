/** What Playwright reads through `window.__swarm`: plain data, read-only. */
export interface SwarmTestState {
  phase: string;
  role: string | undefined;
  error: string | undefined;
  swarmId: string | undefined;
  peerId: string | undefined;
  /** This tab's bitfield as hex (wire layout), for checking what the swarm holds. */
  bitsHex: string;
  chunksHeld: number;
  chunkCount: number;
  complete: boolean;
  connectedPeers: number;
  uploadedBytes: number;
  downloadedBytes: number;
  fileSha256: string | undefined;
  /** Why the whole file could not be hashed (its storage failed), if it could not. */
  fileSha256Error: string | undefined;
  /** Leecher stores being opened now (a reloaded tab checks what it kept), each until taken or given up. */
  storesOpening: number;
  /** How much of the file its last hashing pass has read (0..1): a seeder's preparation, a leecher's whole-file hash. */
  hashedFraction: number;
  /** Chunks a reloaded leecher found in its storage (verified) when it rejoined the run. */
  resumedChunks: number;
  /** The test-only switches this page honours (none in a production build). */
  testSwitches: { corruptBlocksFraction: number; resumeCheckDelayMs: number; joinCheckDelayMs: number };
  /** Peers this tab disconnected in its run for misbehaving, and why. */
  droppedPeers: Array<{ peerId: string; reason: string }>;
  /** The run this tab is in (or was last in), and whether it left it on completion. */
  runNumber: number | null;
  leftRun: boolean;
  /** The swarm's latest run as the server reports it. */
  run: {
    runNumber: number;
    phase: string;
    mode: string;
    distributionMs: number | null;
    leechers: number;
    completedAfterMs: Array<number | null>;
  } | null;
  /** One line per connected peer: id, chunks it holds, choke, interest and snub flags, requests in flight. */
  peers: string[];
}

export interface SwarmTestHook {
  state(): SwarmTestState;
  /** Runs kept in this browser, as the JSON export. */
  exportJson(): string;
  exportCsv(): string;
  /**
   * Ends the waits the test switches added that are still going (`test-delays.ts`), saying how many: a test holds a
   * tab's check as long as its scenario needs, and releases it.
   */
  releaseDelays(): number;
}
