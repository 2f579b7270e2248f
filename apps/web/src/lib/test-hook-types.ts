/** What Playwright reads through `window.__swarm`: plain data, read-only. One tab's state as Playwright reads it. */
export interface SwarmTestState {
  phase: string;
  role: string | undefined;
  error: string | undefined;
  swarmId: string | undefined;
  /** This tab's bitfield as hex (wire layout), for checking what the swarm holds. */
  bitsHex: string;
  chunksHeld: number;
  chunkCount: number;
  complete: boolean;
  connectedPeers: number;
  uploadedBytes: number;
  downloadedBytes: number;
  fileSha256: string | undefined;
  distributionMs: number | null;
  /** One line per connected peer: id, chunks it holds, choke/interest flags, requests in flight. */
  peers: string[];
}

export interface SwarmTestHook {
  state(): SwarmTestState;
}
